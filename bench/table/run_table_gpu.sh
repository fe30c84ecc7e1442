#!/usr/bin/env bash
# Table 1 of the Hyperformer paper, shaped for a small backbone, on one GPU: makes the data folder and
# the configs, trains every run (5 rows x 3 seeds; Adapters: one run per task), evaluates each run's
# best checkpoint on the test split, merges the runs into one store and prints report.py's table.
#
#   H=/path/to/hyperformer BACKBONE=builtin:t5-mini bench/table/run_table_gpu.sh
#
# Environment (defaults in brackets):
#   H         the hyperformer binary [build/bin/hyperformer]
#   BACKBONE  backbone spec [builtin:t5-mini]
#   OUT       output folder [/tmp/table]; everything below goes there
#   DATA      an existing data folder from make_table_data.sh [made in $OUT/data from ../shared/data]
#   STEPS [2000]  SEEDS [1,2,3]  DEVICE [cuda]  EVAL_EVERY [500]  JOBS [6]  (runs at once)
#   BF16 [on]     training.bf16 of every run (off: fp32)
#
# Each run writes its own store, $OUT/stores/<run>.db: several processes would share one SQLite file
# only through its 5-second busy timeout (RunStoreOptions), which a burst of evaluation rows from
# another run can exceed, and `eval --run N` then names one run unambiguously. Once all runs are
# done they are imported into $OUT/table.db (`hyperformer runs import`), one store for the workbench.
# `eval` prints its scores but does not store them, so its output goes to $OUT/eval/<run>.txt, which
# report.py reads. Training output: $OUT/logs/<run>.train.log. Exact commands: $OUT/commands.tsv.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
H=${H:-$root/build/bin/hyperformer}
H=$(cd "$(dirname "$H")" && pwd)/$(basename "$H")
BACKBONE=${BACKBONE:-builtin:t5-mini}
OUT=${OUT:-/tmp/table}
STEPS=${STEPS:-2000}
SEEDS=${SEEDS:-1,2,3}
DEVICE=${DEVICE:-cuda}
EVAL_EVERY=${EVAL_EVERY:-500}
JOBS=${JOBS:-6}
[ -x "$H" ] || { echo "no hyperformer binary at $H (set H)" >&2; exit 1; }
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
start=$(date +%s.%N)
"$H" --version
if [ "$DEVICE" != cpu ] && command -v nvidia-smi >/dev/null; then
  nvidia-smi --query-gpu=name,memory.total --format=csv,noheader
fi

if [ -n "${DATA:-}" ]; then
  DATA=$(cd "$DATA" && pwd)
else
  DATA=$OUT/data
  bash "$here/make_table_data.sh" "$DATA"
fi
rm -rf "$OUT/configs" "$OUT/eval" "$OUT/logs" "$OUT/stores"/*.db* "$OUT/stores/checkpoints" \
  "$OUT/table.db"* "$OUT/times.tsv" "$OUT/commands.tsv"
mkdir -p "$OUT/configs" "$OUT/eval" "$OUT/logs" "$OUT/stores"
H=$H python3 "$here/make_configs.py" --backbone "$BACKBONE" --data "$DATA" --out "$OUT/configs" \
  --steps "$STEPS" --seeds "$SEEDS" --device "$DEVICE" --eval-every "$EVAL_EVERY" --bf16 "${BF16:-on}"

# Several processes share the machine's cores: LibTorch's CPU threads per process.
threads=$(( $(nproc) / JOBS )); [ "$threads" -ge 1 ] || threads=1
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-$threads}
export H DEVICE OUT

elapsed() { awk -v a="$1" -v b="$2" 'BEGIN {print b - a}'; }
export -f elapsed

# One run: train, then evaluate its best checkpoint on the test split. Commands run in $OUT, with
# paths relative to it, exactly as commands.tsv records them.
run_one() {
  local name=$1 t0 t1 t2 rc=0 run train_cmd eval_cmd
  cd "$OUT"
  train_cmd="$H train --config configs/$name.json --store stores/$name.db --device $DEVICE"
  t0=$(date +%s.%N)
  $train_cmd >"logs/$name.train.log" 2>&1 || rc=$?
  t1=$(date +%s.%N)
  run=$(sed -n 's/^run \([0-9][0-9]*\) in .*/\1/p' "logs/$name.train.log" | head -1)
  eval_cmd="$H eval --store stores/$name.db --run ${run:-1} --checkpoint best --split test"
  if [ "$rc" = 0 ]; then
    $eval_cmd >"eval/$name.txt" 2>&1 || rc=$?
  fi
  t2=$(date +%s.%N)
  printf '%s\t%s\t%s > eval/%s.txt\n' "$name" "$train_cmd" "$eval_cmd" "$name" >>commands.tsv
  printf '%s\t%.1f\t%.1f\t%s\n' "$name" "$(elapsed "$t0" "$t1")" "$(elapsed "$t1" "$t2")" \
    "$rc" | tee -a times.tsv | awk -F'\t' '{printf "  %-26s train %6.1f s  eval %5.1f s  rc %s\n", $1, $2, $3, $4}'
  if [ "$rc" != 0 ]; then
    echo "  $name failed; last lines of logs/$name.train.log / eval/$name.txt:" >&2
    tail -n 3 "logs/$name.train.log" | sed 's/^/    /' >&2
    [ ! -f "eval/$name.txt" ] || tail -n 3 "eval/$name.txt" | sed 's/^/    /' >&2
  fi
  return 0
}
export -f run_one

n=$(wc -l <"$OUT/configs/runs.txt")
echo "training $n runs, $JOBS at a time, $OMP_NUM_THREADS CPU threads each (wall times per run):"
xargs -P "$JOBS" -I{} bash -c 'run_one "$1"' _ {} <"$OUT/configs/runs.txt"
train_end=$(date +%s.%N)

cd "$OUT"
for name in $(cat configs/runs.txt); do
  [ -f "stores/$name.db" ] && "$H" runs --store table.db import --from "stores/$name.db" >/dev/null
done
failed=$(awk -F'\t' '$4 != 0' times.tsv | wc -l)
python3 "$here/report.py" table.db --eval-dir eval --commands commands.tsv --data "$DATA" \
  --markdown | tee table.md
end=$(date +%s.%N)
awk -F'\t' '{tr += $2; ev += $3} END {printf "sum over runs: train %.0f s, eval %.0f s\n", tr, ev}' times.tsv
printf 'wall: runs %.0f s, total %.0f s (%s of %s runs failed); table in %s/table.md\n' \
  "$(elapsed "$start" "$train_end")" "$(elapsed "$start" "$end")" "$failed" "$n" "$OUT"
[ "$failed" = 0 ]
