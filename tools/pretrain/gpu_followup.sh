#!/usr/bin/env bash
# The GPU-machine runs that follow pretraining (docs/PRETRAINING.md), on the SHIPPED backbone
# resources/backbones/t5-mini, in one device call:
#   1. build; the transformers check of the shipped folder;
#   2. bf16 check: the table's Adapters SST-2 run for 100 steps with bf16 + CUDA graphs, bf16
#      eagerly, and fp32 (the first table run lost the adapter rows to a NaN loss at step 50);
#   3. the demo's settings (Hyperformer++, frozen backbone) on all of SST-2 and RTE, on the shipped
#      backbone (reduction factors 8 and 16, learning rates 1e-3 to 1e-2) and on a random one of
#      its shape, scored on the test split (SST-2's official dev set);
#   4. the paper-shaped table (bench/table/run_table_gpu.sh), in fp32 if bf16 gave NaN in 2.
# Everything lands in $OUT/followup.tar.gz, written again after each part, so that a command stopped
# at its limit still returns what was done (on 2026-12-03 all four parts did not fit 433 s: run
# fewer). PARTS picks them (default "nan demo table"; the build and check always run), BF16=on|off
# forces the table's precision. Data: .device/table-data (bench/table/make_table_data.sh).
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$root/build-gpu
H=$build/bin/hyperformer
work=/tmp/followup
rm -rf "$work"; mkdir -p "$work/logs"
cd "$work"
backbone=$root/resources/backbones/t5-mini
data=$root/.device/table-data

prefix=$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)')
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$prefix" \
  -DHWB_BUILD_GUI=OFF -DHWB_BUILD_TESTS=OFF -DHWB_BUILD_BENCH=OFF -DCMAKE_CUDA_ARCHITECTURES=90 \
  >logs/configure.log 2>&1 && ninja -C "$build" hyperformer hwb_spm >logs/build.log 2>&1 ||
  { tail -40 logs/build.log; exit 1; }
python3 "$root/tools/pretrain/check_transformers.py" "$backbone" --hyperformer "$H" 2>&1 |
  grep -v Loading | tee logs/transformers-check.txt
parts=" ${PARTS:-nan demo table} "
save() { tar -czf "$OUT/followup.tar.gz" logs $(ls ./*.json ./*.db 2>/dev/null); }
save
bf16=${BF16:-on}

# 2. bf16 check.
mkconfig() {  # mkconfig NAME EDITS < base config; EDITS: python statements on the config c
  EDITS=$2 python3 -c "import json, os, re, sys; c = json.load(sys.stdin); c['name'] = '$1'
exec(re.sub(r'\n\s*', ' ', os.environ['EDITS'])); json.dump(c, open('$1.json', 'w'), indent=1)"
}
H=$H python3 "$root/bench/table/make_configs.py" --backbone "$backbone" --data "$data" --out base \
  --steps 2000 --seeds 1 --methods adapters --tasks sst2 >/dev/null
if [[ $parts == *" nan "* ]]; then
for mode in bf16-graphs bf16-eager fp32; do
  mkconfig "nan-$mode" "c['training'].update(steps=100, warmup_steps=10, log_every=5, eval_every=100,
    bf16='$mode'!='fp32', cuda_graphs='$mode'=='bf16-graphs'); c['data']['tasks'][0]['max_validation']=200" \
    <base/adapters-sst2-s1.json
  "$H" train --config "nan-$mode.json" --store "nan-$mode.db" >"logs/nan-$mode.log" 2>&1 &
done
wait
for mode in bf16-graphs bf16-eager fp32; do
  echo "$mode: $(tr '\r' '\n' <"logs/nan-$mode.log" | grep -E '^step|failed' | head -3 | tr '\n' ' ')"
done
[ -n "${BF16:-}" ] || { grep -q failed logs/nan-bf16-graphs.log && ! grep -q failed logs/nan-fp32.log && bf16=off; }
save
fi

# 3. The demo's settings on full SST-2 + RTE.
export OMP_NUM_THREADS=1
[[ $parts == *" demo "* ]] && for run in t5mini:8:1e-3 t5mini:8:3e-3 t5mini:8:1e-2 t5mini:16:1e-3 t5mini:16:3e-3 random:8:1e-3 \
  random:8:3e-3 random:8:1e-2; do
  IFS=: read -r kind rf lr <<<"$run"
  spec=$backbone; [ "$kind" = random ] && spec=random:$backbone
  name=demo-$kind-rf$rf-lr$lr
  mkconfig "$name" "c['backbone']='$spec'; c['variant']['reduction_factor']=$rf;
    c['variant']['train_backbone_matching']=[]; c['data']['glue_dir']='$data';
    c['training'].update(device='cuda', steps=1500, eval_every=250, learning_rate=$lr, bf16='$bf16'=='on');
    c['output']={'store':'$name.db','checkpoint_dir':'checkpoints'}" \
    <"$root/resources/presets/demo.json"
  ("$H" train --config "$name.json" >"logs/$name.log" 2>&1 &&
    "$H" eval --store "$name.db" --run 1 --checkpoint last --split test >"logs/$name.test.txt" 2>&1) &
done

# 4. The table, beside the demo runs (the GPU and the 16 cores have room for both).
[[ $parts == *" table "* ]] && H=$H BACKBONE=$backbone DATA=$data OUT=$work/table BF16=$bf16 \
  STEPS=2000 JOBS=${JOBS:-10} bash "$root/bench/table/run_table_gpu.sh" >logs/table.log 2>&1
wait
for f in logs/demo-*.test.txt; do echo "$f: $(grep -E 'sst2|rte' "$f" | tr '\n' ' ')"; done
if [ -d table ]; then
  tail -25 logs/table.log
  (cd table && cp table.md times.tsv commands.tsv "$work/logs/" && tar -czf "$work/logs/table-files.tar.gz" eval logs configs)
fi
save
ls -l "$OUT"
