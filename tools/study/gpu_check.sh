#!/usr/bin/env bash
# Studies on the GPU machine (docs/STUDIES.md), in one device call: builds the command line
# against the CUDA LibTorch, runs `hyperformer selftest --device cuda`, then the study
# tools/study/gpu_check.json (the demo's settings on builtin:t5-mini, fp32, CUDA graphs; two
# variants x two seeds) twice: once through a worker pinned to GPU 0 (`--gpus 0`), once in this
# process, each into its own store; prints both runs tables (test split) and the largest loss
# difference between the two stores' runs. Logs and stores land in $OUT/study-check.tar.gz.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$root/build-gpu
H=$build/bin/hyperformer
work=/tmp/study-check
rm -rf "$work"; mkdir -p "$work"
prefix=$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)')
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$prefix" \
  -DHWB_BUILD_GUI=OFF -DHWB_BUILD_TESTS=OFF -DHWB_BUILD_BENCH=OFF -DCMAKE_CUDA_ARCHITECTURES=90 \
  >"$work/configure.log" 2>&1 && ninja -C "$build" hyperformer hwb_spm >"$work/build.log" 2>&1 ||
  { tail -40 "$work/build.log"; exit 1; }
cd "$work"
save() { tar -czf "$OUT/study-check.tar.gz" -C "$work" . 2>/dev/null; }
"$H" selftest --device cuda > selftest.log 2>&1; echo "selftest: rc=$? $(tail -1 selftest.log)"
save
study=$root/tools/study/gpu_check.json
start=$(date +%s%N)
"$H" study --config "$study" --store worker.db --gpus 0 > worker.log 2>&1
echo "--gpus 0: rc=$? $(( ($(date +%s%N) - start) / 1000000 )) ms"; tail -3 worker.log
save
start=$(date +%s%N)
"$H" study --config "$study" --store alone.db > alone.log 2>&1
echo "in-process: rc=$? $(( ($(date +%s%N) - start) / 1000000 )) ms"; tail -2 alone.log
for store in worker alone; do
  echo "== $store.db"; "$H" runs list --store $store.db; "$H" runs table --store $store.db --split test
done
python3 - <<'PY'
import sqlite3
def losses(f):
    db = sqlite3.connect(f)
    return {(r, s): v for r, s, v in db.execute(
        "SELECT se.run_id, sc.step, sc.value FROM scalars sc JOIN series se ON se.id = sc.series_id "
        "WHERE se.tag = 'loss'")}
a, b = losses("worker.db"), losses("alone.db")
common = set(a) & set(b)
worst = max(abs(a[k] - b[k]) / max(1.0, abs(b[k])) for k in common)
print(f"loss points compared: {len(common)} (worker {len(a)}, alone {len(b)}); "
      f"largest relative difference {worst:.3g}")
PY
save
