#!/usr/bin/env bash
# On one GPU (the device tool's nvidia-h100-x1 / nvidia-h200): build the command line against the
# CUDA LibTorch of the installed PyTorch, run `hyperformer selftest --device cuda` (which checks the
# CUDA-graph steps against eager ones), then train T5-base-shaped random weights with Hyperformer++
# (resources/presets/t5_base_hyperformer_pp.json) on the built-in demo data with the real Trainer,
# batch 32 and 128, training.cuda_graphs on and off, and print report.py's table.
# Everything goes to $OUT (default /tmp/trainer-gpu).
# Usage: bench/trainer/run_trainer_gpu.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD:-$root/build-gpu}
out=${OUT:-/tmp/trainer-gpu}
mkdir -p "$out" "$build"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
prefix=$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)')
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$prefix" \
  -DHWB_BUILD_GUI=OFF -DHWB_BUILD_TESTS=OFF -DHWB_BUILD_BENCH=OFF \
  -DCMAKE_CUDA_ARCHITECTURES=90 >"$build/configure.log" 2>&1 || { tail -40 "$build/configure.log"; exit 1; }
ninja -C "$build" hyperformer hwb_spm >"$build/ninja.log" 2>&1 || { tail -60 "$build/ninja.log"; exit 1; }
H="$build/bin/hyperformer"
"$H" selftest --device cuda --fixtures "$root/tests/fixtures" | tee "$out/selftest.log"
cd "$out"
"$H" train --demo --print-config >demo.json
python3 "$root/bench/distributed/make_configs.py" demo.json "$root/resources/presets/t5_base_hyperformer_pp.json" .
python3 - <<'PY'
import json
for b in (32, 128):
    c = json.load(open(f"base_b{b}.json"))
    c["training"]["steps"] = 300
    for graphs in (True, False):
        c["training"]["cuda_graphs"] = graphs
        c["name"] = f"base_hpp_b{b}_{'graphs' if graphs else 'eager'}"
        json.dump(c, open(f"{c['name']}.json", "w"), indent=1)
PY
[ -f t5-base-random/model.safetensors ] || python3 "$root/bench/distributed/make_random_t5.py" t5-base-random
rm -f trainer.db
for b in 32 128; do
  for mode in eager graphs; do
    "$H" train --config base_hpp_b${b}_$mode.json --store trainer.db >train_b${b}_$mode.log 2>&1
  done
done
python3 "$root/bench/trainer/report.py" trainer.db | tee report.md
