#!/usr/bin/env bash
# Renders the workbench to PNG under a virtual X server: the first start (the welcome, Models and
# data on an empty download folder) and its pages from two real short demo runs.
#   tools/render_screens.sh [output folder] [hwb-render-screens options: --steps N, --size WxH,
#     --extra, --store FILE (the pages from the runs of FILE instead of two short runs)]
# Needs the GUI build (ninja -C build hwb-render-screens) and xvfb-run (Debian: xvfb xauth).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
build="${HWB_BUILD_DIR:-$here/build}"
out="${1:-$here/docs/screens}"
shift || true
tool="$build/bin/hwb-render-screens"
if [[ ! -x "$tool" ]]; then
  echo "missing $tool: build it with 'ninja -C $build hwb-render-screens'" >&2
  exit 1
fi
if ! command -v xvfb-run >/dev/null; then
  echo "xvfb-run not found: apt-get install xvfb xauth" >&2
  exit 1
fi
xvfb-run -a -s "-screen 0 1600x1000x24" "$tool" --out "$out" "$@"
