#!/usr/bin/env bash
# What the README's first command starts. The experiment screens (setup, live training, compare)
# arrive with the GUI issue; until then the workbench opens its backbone view on the built-in tiny
# T5 (random weights made on the spot, T5's real tokenizer): configuration, parameter counts, and a
# forward pass with loss and greedy output. Without a display it runs the same forward pass in the
# command-line tool, and says so.
set -euo pipefail
build=${1:-$(cd "$(dirname "$0")/.." && pwd)/build}
if [[ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]]; then
  exec "$build/bin/hyperformer-workbench" --model builtin:tiny
fi
echo "No display: showing the command-line tool's forward pass on the built-in tiny T5 instead"
echo "(random weights, so the generated text is meaningless)."
echo
"$build/bin/hyperformer" inspect --model builtin:tiny
echo
"$build/bin/hyperformer" forward --model builtin:tiny \
  --text "sst2 sentence: a gripping, funny and moving film." --target "1" --max-new-tokens 8
