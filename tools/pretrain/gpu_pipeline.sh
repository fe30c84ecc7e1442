#!/usr/bin/env bash
# The whole GPU-machine part of builtin:t5-mini (docs/PRETRAINING.md) as one background job, so
# that it does not depend on where the device tool's 10-minute commands end:
#   build -> 200-step probe + transformers check on its export -> pretraining (run_pretrain_gpu.sh)
#   -> transformers check on the final export -> CUDA selftest -> the paper-shaped table on the new
#   backbone (bench/table/run_table_gpu.sh, data from .device/table-data).
#
#   tools/pretrain/gpu_pipeline.sh start SECONDS   starts the job unless it runs already, then waits
#   tools/pretrain/gpu_pipeline.sh wait SECONDS    waits (until the job ends or SECONDS have passed)
# Each prints the job's log tail; when the job has ended, its results go to $OUT: results.tar.gz
# (logs, checks, run store, table) and the model in 15 MB parts (the device tool's file limit).
# Environment: PRETRAIN_SECONDS (pretraining budget, default 360), TABLE_STEPS (default 2000),
# TABLE_JOBS (runs at once, default 9).
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
mode=${1:-}
seconds=${2:-540}
job=/tmp/pipeline
mkdir -p "$job"

run_job() {
  set -e
  export WAIT_SECONDS=0 PRETRAIN_SECONDS=${PRETRAIN_SECONDS:-360}
  echo "== build, probe, pretraining start $(date -u +%T)"
  bash "$root/tools/pretrain/run_pretrain_gpu.sh" start
  echo "== waiting for pretraining $(date -u +%T)"
  OUT=/tmp/pretrain/out bash "$root/tools/pretrain/run_pretrain_gpu.sh" finish
  echo "== table $(date -u +%T)"
  H="$root/build-gpu/bin/hyperformer" BACKBONE=/tmp/pretrain/t5-mini DATA="$root/.device/table-data" \
    OUT=/tmp/table STEPS="${TABLE_STEPS:-2000}" JOBS="${TABLE_JOBS:-9}" \
    bash "$root/bench/table/run_table_gpu.sh" || echo "table: some runs failed"
  echo "== done $(date -u +%T)"
}

collect() {
  [ -n "${OUT:-}" ] || return 0
  mkdir -p /tmp/results
  cp "$job/log" /tmp/results/pipeline.log
  cp -r /tmp/pretrain/out/. /tmp/results/ 2>/dev/null || true
  mv /tmp/results/model.safetensors.part* "$OUT/" 2>/dev/null || true
  if [ -d /tmp/table ]; then
    mkdir -p /tmp/results/table
    (cd /tmp/table && cp -r table.md table.db eval logs commands.tsv times.tsv configs /tmp/results/table/ 2>/dev/null) || true
  fi
  tar -C /tmp -czf "$OUT/results.tar.gz" results
  ls -l "$OUT"
}

case "$mode" in
start)
  if [ ! -f "$job/pid" ]; then
    (cd "$root" && setsid nohup bash -c "$(declare -f run_job); root=$root; run_job; echo \$? >$job/rc" \
      >"$job/log" 2>&1 &
     echo $! >"$job/pid")
  fi
  ;&
wait)
  end=$(( $(date +%s) + seconds ))
  while [ ! -f "$job/rc" ] && [ "$(date +%s)" -lt "$end" ]; do sleep 5; done
  tail -n 40 "$job/log"
  if [ -f "$job/rc" ]; then
    echo "job ended with status $(cat "$job/rc")"
    collect
  else
    echo "job still running"
    [ -z "${FORCE_COLLECT:-}" ] || collect
  fi
  ;;
*)
  echo "usage: $0 start|wait SECONDS" >&2
  exit 2
  ;;
esac
