#!/usr/bin/env bash
# Pretrains builtin:t5-mini on one GPU (the device tool's machine; docs/PRETRAINING.md), in two
# calls that each fit a 10-minute command:
#   tools/pretrain/run_pretrain_gpu.sh start [STEPS]  builds the command line against the CUDA
#       LibTorch, unpacks the corpus from .device/corpus/*.txt.gz, times 200 steps, then starts
#       `hyperformer pretrain --recipe` in the background (STEPS, default: what fits PRETRAIN_SECONDS
#       at the timed speed) and returns after WAIT_SECONDS (default 420);
#   tools/pretrain/run_pretrain_gpu.sh finish  waits for it, checks the exported folder against
#       transformers (check_transformers.py), and copies the run store, the log and the model (in
#       15 MB parts, the device tool's limit per file) to $OUT.
# Work folder: /tmp/pretrain on the GPU machine (kept between calls while the machine is warm).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD:-$root/build-gpu}
work=/tmp/pretrain
out=${OUT:-$work/out}
mode=${1:-}
H="$build/bin/hyperformer"
mkdir -p "$work" "$out"

case "$mode" in
start)
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
  prefix=$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)')
  start=$(date +%s)
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$prefix" \
    -DHWB_BUILD_GUI=OFF -DHWB_BUILD_TESTS=OFF -DHWB_BUILD_BENCH=OFF \
    -DCMAKE_CUDA_ARCHITECTURES=90 >"$build.configure.log" 2>&1 || { tail -40 "$build.configure.log"; exit 1; }
  ninja -C "$build" hyperformer hwb_spm >"$build.ninja.log" 2>&1 || { tail -60 "$build.ninja.log"; exit 1; }
  echo "build: $(( $(date +%s) - start )) s"
  mkdir -p "$work/build-corpus"
  for f in "$root"/.device/corpus/*.txt.gz; do
    gunzip -c "$f" >"$work/build-corpus/$(basename "$f" .gz)"
  done
  wc -l "$work"/build-corpus/*.txt
  cd "$work"
  rm -rf probe.db probe-checkpoints probe-model pretrain-runs.db pretrain-checkpoints t5-mini
  probe_start=$(date +%s.%N)
  "$H" pretrain --recipe --device cuda --steps 200 --store probe.db --checkpoint-dir probe-checkpoints \
    --out probe-model >probe.log 2>&1 || { tail -30 probe.log; exit 1; }
  grep -v '^\s*$' probe.log | tail -8
  probe_seconds=$(python3 -c "import time; print(time.time() - $probe_start)")
  # What fits PRETRAIN_SECONDS at the probe's speed, in thousands, between 2000 and MAX_STEPS.
  steps=${2:-$(python3 -c "print(min(${MAX_STEPS:-20000}, max(2000, int(round((${PRETRAIN_SECONDS:-480} / ($probe_seconds / 200.0)) / 1000.0)) * 1000)))")}
  echo "probe: 200 steps in $probe_seconds s (loading and exporting included); pretraining $steps steps"
  echo "$steps" >steps.txt
  # The check script against the probe's export, before the long run depends on it.
  python3 "$root/tools/pretrain/check_transformers.py" probe-model --hyperformer "$H" || true
  setsid nohup "$H" pretrain --recipe --device cuda --steps "$steps" >pretrain.log 2>&1 &
  echo $! >pretrain.pid
  sleep "${WAIT_SECONDS:-420}"
  tail -c 600 pretrain.log
  ;;
finish)
  cd "$work"
  pid=$(cat pretrain.pid)
  while kill -0 "$pid" 2>/dev/null; do sleep 5; done
  grep -v '^\s*$' pretrain.log | tail -15
  [ -f t5-mini/model.safetensors ] || { echo "no exported model"; exit 1; }
  ls -l t5-mini
  python3 "$root/tools/pretrain/check_transformers.py" t5-mini --hyperformer "$H" | tee "$out/transformers-check.txt"
  cp pretrain-runs.db "$out/"
  cp pretrain.log "$out/"
  cp t5-mini/config.json "$out/"
  split -b 15M -d t5-mini/model.safetensors "$out/model.safetensors.part"
  "$H" selftest --device cuda --fixtures "$root/tests/fixtures" >"$out/selftest.log" 2>&1 || true
  tail -3 "$out/selftest.log"
  ;;
*)
  echo "usage: $0 start [STEPS] | finish" >&2
  exit 2
  ;;
esac
