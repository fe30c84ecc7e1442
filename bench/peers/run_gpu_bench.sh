#!/usr/bin/env bash
# On the GPU machine: build bench_gpu_train against the CUDA LibTorch of the installed PyTorch (as
# .ci/gpu-selftest.sh builds the CLI), run it and the Python peers on the same GPU, one after the
# other, and print one table with ours/peer ratios.
# Usage: bench/peers/run_gpu_bench.sh [parts] [-- bench args]
#   parts: any of ours,eager,compiled (default all three); OUT: where the JSON goes (default
#   /tmp/gpu-bench); BUILD: the build folder (default build-gpu); extra args go to all three
#   (--models, --methods, --batches, --steps, --repeats, --warmup, --no-eval).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD:-$root/build-gpu}
out=${OUT:-/tmp/gpu-bench}
parts=${1:-ours,eager,compiled}
shift || true
[ "${1:-}" = "--" ] && shift
mkdir -p "$out" "$build"
nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.max.sm --format=csv,noheader || true
if [[ $parts == *ours* ]]; then
  prefix=$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)')
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$prefix" \
    -DHWB_BUILD_GUI=OFF -DHWB_BUILD_TESTS=OFF -DHWB_BUILD_BENCH=ON \
    -DCMAKE_CUDA_ARCHITECTURES=90 >"$build/configure.log" 2>&1 || { tail -40 "$build/configure.log"; exit 1; }
  ninja -C "$build" bench_gpu_train >"$build/ninja.log" 2>&1 || { tail -60 "$build/ninja.log"; exit 1; }
  "$build/bench/bench_gpu_train" --json "$out/ours.json" "$@"
fi
export PYTHONUNBUFFERED=1
[[ $parts == *eager* ]] && python3 "$root/bench/peers/peer_hf_train.py" --mode eager --json "$out/peer_eager.json" "$@"
[[ $parts == *compiled* ]] && python3 "$root/bench/peers/peer_hf_train.py" --mode compiled --json "$out/peer_compiled.json" "$@"
python3 "$root/bench/peers/compare.py" "$out/ours.json" "$out/peer_eager.json" "$out/peer_compiled.json" | tee "$out/table.md"
