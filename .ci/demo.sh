#!/usr/bin/env bash
# What the README's first command starts: the workbench on its built-in demo experiment
# (Hyperformer++ on the shipped builtin:t5-mini, frozen; bundled SST-2 and RTE samples), training at once with the live
# page in view. Without a display it trains the same demo headless with the command-line tool, and
# says so.
set -euo pipefail
build=${1:-$(cd "$(dirname "$0")/.." && pwd)/build}
if [[ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]]; then
  exec "$build/bin/hyperformer-workbench" --demo
fi
echo "No display: training the built-in demo with the command-line tool instead (a few minutes"
echo "on a CPU). Open the store it writes later with: hyperformer-workbench --store demo-runs.db"
echo
exec "$build/bin/hyperformer" train --demo --store demo-runs.db
