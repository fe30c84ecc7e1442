#!/usr/bin/env bash
# On the GPU machine (no Qt, CUDA LibTorch inside the installed PyTorch): build the core, the
# tokenizer module and the command-line tool, then run the selftest on the CPU and on CUDA.
# Needs the headers the machine lacks in .device/include (../shared/tools/device-headers.sh).
# Usage: .ci/gpu-selftest.sh [build-dir]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build-gpu}
mkdir -p "$build"
prefix=$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)')
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$prefix" \
  -DHWB_BUILD_GUI=OFF -DHWB_BUILD_TESTS=OFF -DHWB_BUILD_BENCH=OFF \
  -DCMAKE_CUDA_ARCHITECTURES=90 >"$build/configure.log" 2>&1 || { tail -40 "$build/configure.log"; exit 1; }
ninja -C "$build" hyperformer hwb_spm
"$build/bin/hyperformer" selftest --device cpu
"$build/bin/hyperformer" selftest --device cuda
