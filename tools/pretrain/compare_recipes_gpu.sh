#!/usr/bin/env bash
# Which pretraining recipe leaves a backbone worth adapting? On the GPU machine (device tool,
# .device carried, the corpus gzipped in .device/corpus/ as run_pretrain_gpu.sh expects): builds the
# command line against the CUDA LibTorch, pretrains every recipe of RECIPES at once on the one GPU
# (STEPS steps each), then trains the demo (resources/presets/demo.json, fp32) on each result and
# on the shipped builtin:t5-mini twice: Hyperformer++ with the backbone frozen (the demo as it is)
# and full fine-tuning (learning rate 5e-4), and prints each run's best SST-2 and RTE scores on
# the test split (SST-2: the official dev set). docs/PRETRAINING.md, "Choosing the recipe", has
# the figures this made.
#
#   tools/pretrain/compare_recipes_gpu.sh SECONDS   starts the job unless it runs, waits SECONDS
#                                                   at most, prints its log (call again to wait on)
# RECIPES: space-separated NAME:LEARNING_RATE:WEIGHT_DECAY:FEED_FORWARD:D_FF over
#   `hyperformer pretrain --recipe`; the default is the comparison of docs/PRETRAINING.md.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
H=$root/build-gpu/bin/hyperformer
W=/tmp/compare-recipes
mkdir -p "$W/corpus"

job() {
  set -e
  local recipes=${RECIPES:-"old:2e-3:0.01:relu:768 A:5e-4:0.01:relu:768 \
B:2e-3:0.01:gated-gelu:512 C:5e-4:0.01:gated-gelu:512 D:2e-3:0.1:relu:768 \
E:1e-3:0.1:gated-gelu:512"}
  if [ ! -x "$H" ]; then
    prefix=$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)')
    cmake -S "$root" -B "$root/build-gpu" -G Ninja -DCMAKE_BUILD_TYPE=Release \
      -DCMAKE_PREFIX_PATH="$prefix" -DHWB_BUILD_GUI=OFF -DHWB_BUILD_TESTS=OFF \
      -DHWB_BUILD_BENCH=OFF -DCMAKE_CUDA_ARCHITECTURES=90 >"$W/configure.log" 2>&1
    ninja -C "$root/build-gpu" hyperformer hwb_spm >"$W/build.log" 2>&1
  fi
  for f in "$root"/.device/corpus/*.txt.gz; do gunzip -c "$f" >"$W/corpus/$(basename "$f" .gz)"; done
  cd "$W"
  "$H" pretrain --recipe --print-config >recipe.json
  local names=()
  for r in $recipes; do
    IFS=: read -r name lr wd ff dff <<<"$r"
    python3 - "$name" "$lr" "$wd" "$ff" "$dff" "${STEPS:-9000}" <<'PY'
import json, sys
name, lr, wd, ff, dff, steps = sys.argv[1:]
c = json.load(open("recipe.json"))
c["name"] = name
c["training"].update(learning_rate=float(lr), weight_decay=float(wd), steps=int(steps))
c["pretraining"]["architecture"].update(feed_forward_proj=ff, d_ff=int(dff))
c["pretraining"]["corpora"] = [{"path": "corpus/dictionary.txt", "weight": 3.0},
                               {"path": "corpus/glue.txt", "weight": 1.0}]
c["pretraining"]["output"] = f"{name}/t5-mini"
c["output"] = {"store": f"{name}/runs.db", "checkpoint_dir": f"{name}/checkpoints"}
json.dump(c, open(f"{name}.json", "w"), indent=2)
PY
    mkdir -p "$name"
    "$H" pretrain --config "$name.json" >"$name/pretrain.log" 2>&1 &
    names+=("$name")
  done
  wait
  for n in "${names[@]}"; do echo "-- $n"; grep 'span_corruption score' "$n/pretrain.log" | tail -1; done
  mkdir -p demo
  for n in "${names[@]}" shipped; do
    b=$W/$n/t5-mini
    [ "$n" = shipped ] && b=builtin:t5-mini
    (cd demo && "$H" train --demo --device cuda --set training.bf16=false --set "backbone=$b" \
       --store "hpp-$n.db" --checkpoint-dir "hpp-$n-ck" >"hpp-$n.log" 2>&1) &
    (cd demo && "$H" train --demo --device cuda --set training.bf16=false --set "backbone=$b" \
       --set variant.variant=full_finetune --set training.learning_rate=5e-4 \
       --store "ft-$n.db" --checkpoint-dir "ft-$n-ck" >"ft-$n.log" 2>&1) &
  done
  wait
  for db in demo/*.db; do
    python3 - "$db" <<'PY'
import sqlite3, sys
rows = sqlite3.connect(sys.argv[1]).execute(
    "select task, step, value from metrics where metric='score' and split='test' and task != ''"
    " order by task").fetchall()
print(sys.argv[1], "  ".join(f"{t} {v:.2f} (best step {s})" for t, s, v in rows))
PY
  done
}

if [ ! -f "$W/pid" ]; then
  setsid nohup bash -c "$(declare -f job); root=$root; H=$H; W=$W; job; echo \$? >$W/rc" \
    >"$W/log" 2>&1 &
  echo $! >"$W/pid"
fi
end=$(( $(date +%s) + ${1:-540} ))
while [ ! -f "$W/rc" ] && [ "$(date +%s)" -lt "$end" ]; do sleep 5; done
tail -n 40 "$W/log"
[ -f "$W/rc" ] && echo "job ended with status $(cat "$W/rc")" || echo "job still running"
