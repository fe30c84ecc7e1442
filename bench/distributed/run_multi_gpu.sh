#!/usr/bin/env bash
# On a machine with 2 GPUs (the device tool's nvidia-h200-x2 / nvidia-h100-x2): build the command
# line against the CUDA LibTorch of the installed PyTorch, then, all with `hyperformer train
# --nproc`, the real Trainer and the built-in demo data:
#   parity  - the built-in tiny T5, 2 GPUs x batch 32 against 1 GPU x batch 64, 300 steps, bf16;
#   kill    - 2 GPUs; rank 1 is killed with SIGKILL mid-run; the launcher must end the run, and
#             `resume --nproc 2` must finish it from its last checkpoint;
#   scaling - T5-base-shaped random weights (transformers, save_pretrained), Hyperformer++ as in
#             resources/presets/t5_base_hyperformer_pp.json, per-GPU batch 32 and 128, 1 vs 2 GPUs.
# Prints report.py's tables; everything goes to $OUT (default /tmp/multi-gpu).
# Usage: bench/distributed/run_multi_gpu.sh [parts]   (parts: any of parity,kill,scaling; default all)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD:-$root/build-gpu}
out=${OUT:-/tmp/multi-gpu}
parts=${1:-parity,kill,scaling}
mkdir -p "$out" "$build"
nvidia-smi -L
prefix=$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)')
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$prefix" \
  -DHWB_BUILD_GUI=OFF -DHWB_BUILD_TESTS=OFF -DHWB_BUILD_BENCH=OFF \
  -DCMAKE_CUDA_ARCHITECTURES=90 >"$build/configure.log" 2>&1 || { tail -40 "$build/configure.log"; exit 1; }
grep "Distributed training backends" "$build/configure.log"
ninja -C "$build" hyperformer hwb_spm >"$build/ninja.log" 2>&1 || { tail -60 "$build/ninja.log"; exit 1; }
H="$build/bin/hyperformer"
cd "$out"
"$H" train --demo --print-config >demo.json
python3 "$root/bench/distributed/make_configs.py" demo.json "$root/resources/presets/t5_base_hyperformer_pp.json" .

if [[ $parts == *parity* ]]; then
  rm -f parity.db
  "$H" train --config tiny_b64.json --store parity.db >parity_1gpu.log 2>&1
  "$H" train --config tiny_b32.json --store parity.db --nproc 2 >parity_2gpu.log 2>&1
  # The noise to compare with: the same 1-GPU run with another seed.
  "$H" train --config tiny_b64_seed43.json --store parity.db >parity_seed43.log 2>&1
fi

if [[ $parts == *kill* ]]; then
  rm -rf kill.db demo-checkpoints/tiny_b32_long-*
  "$H" train --config tiny_b32_long.json --store kill.db --nproc 2 >kill_train.log 2>&1 &
  launcher=$!
  python3 "$root/bench/distributed/report.py" wait-step kill.db 1 250
  rank1=$(for p in $(pgrep -f "train --config tiny_b32_long.json"); do
            tr '\0' '\n' </proc/$p/environ 2>/dev/null | grep -qx RANK=1 && echo "$p"; done | head -1)
  killed_at=$(date +%s.%N)
  kill -9 "$rank1"
  set +e; wait "$launcher"; launcher_rc=$?; set -e
  ended_at=$(date +%s.%N)
  python3 -c "import json,sys; json.dump({'launcher_rc': int(sys.argv[1]), 'seconds_to_end': float(sys.argv[3]) - float(sys.argv[2])}, open('kill.json', 'w'))" "$launcher_rc" "$killed_at" "$ended_at"
  "$H" runs --store kill.db list >kill_status_before_resume.txt
  "$H" resume --store kill.db --run 1 --nproc 2 >kill_resume.log 2>&1
fi

if [[ $parts == *scaling* ]]; then
  [ -f t5-base-random/model.safetensors ] || python3 "$root/bench/distributed/make_random_t5.py" t5-base-random
  for b in 32 128; do
    "$H" train --config base_b$b.json --store scaling.db --nproc 1 >scaling_1gpu_b$b.log 2>&1
    "$H" train --config base_b$b.json --store scaling.db --nproc 2 >scaling_2gpu_b$b.log 2>&1
  done
fi
python3 "$root/bench/distributed/report.py" report . | tee report.md
