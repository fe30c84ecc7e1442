#!/usr/bin/env bash
# The demo the README's first command starts. The workbench window arrives with the GUI issue;
# until then this runs the command-line tool's forward pass on the built-in tiny T5 (random
# weights made on the spot, T5's real tokenizer), and says so.
set -euo pipefail
build=${1:-$(cd "$(dirname "$0")/.." && pwd)/build}
tool="$build/bin/hyperformer"
echo "Hyperformer Workbench: the GUI is not part of this build yet; showing the command-line"
echo "tool's forward pass on the built-in tiny T5 (random weights, so the output is nonsense text)."
echo
"$tool" inspect --model builtin:tiny
echo
"$tool" forward --model builtin:tiny --text "sst2 sentence: a gripping, funny and moving film." \
  --target "1" --max-new-tokens 8
