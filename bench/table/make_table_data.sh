#!/usr/bin/env bash
# Assembles the data folder the Table 1 configs read (make_configs.py --data DEST): copies, byte for
# byte, of the English GLUE-format files in ../shared/data (relative to the repository root; SRC or
# $SHARED_DATA names another), about 7.5 MB, small enough to carry to a GPU machine.
#
#   DEST/SST-2/{train,dev}.tsv   official GLUE SST-2 (header sentence/label): read by the built-in
#                                GLUE task "sst2"; its dev file (872 rows) is the test split.
#   DEST/RTE/{train,dev}.tsv     partial copy (official layout index/sentence1/sentence2/label,
#                                1244 + 139 rows): read by the built-in GLUE task "rte".
#   DEST/CoLA/{train,dev}.tsv    partial copy, 2 columns sentence/label, no header, tokenised and
#                                lower-cased (8551 + 516 rows): GLUE "cola" expects 4 columns, so a
#                                custom task reads it.
#   DEST/MRPC/{train,dev}.tsv    partial copy, GLUE's 5 columns but no header (2576 + 1500 rows):
#                                GLUE "mrpc" would take its first row for a header and drop it, so
#                                a custom task (header false, 5 columns) reads it.
#   DEST/STS-B/{train,dev}.tsv   partial copy, GLUE's 10 columns but no header (4249 + 1500 rows):
#                                a custom task, as for MRPC.
# DEST/DATA.md records where each file came from, its rows and sha256.
# Usage: bench/table/make_table_data.sh DEST [SRC]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
dest=${1:?usage: make_table_data.sh DEST [SRC]}
src=${2:-${SHARED_DATA:-$root/../shared/data}}
[ -d "$src/glue/SST-2" ] || { echo "no $src/glue/SST-2: give the shared data folder as SRC" >&2; exit 1; }
mkdir -p "$dest"
dest=$(cd "$dest" && pwd)
{
  echo "# Data of the Table 1 runs (copies of $src/glue, unmodified)"
  echo
  echo "| file | copied from | lines | sha256 |"
  echo "| --- | --- | --- | --- |"
} >"$dest/DATA.md"
copy() {  # copy TASK FROM_DIR (relative to $src/glue)
  local task=$1 from=$2 f
  mkdir -p "$dest/$task"
  for f in train.tsv dev.tsv; do
    cp "$src/glue/$from/$f" "$dest/$task/$f"
    chmod u+w "$dest/$task/$f"
    printf '| %s/%s | glue/%s/%s | %s | `%s` |\n' "$task" "$f" "$from" "$f" \
      "$(wc -l <"$dest/$task/$f")" "$(sha256sum "$dest/$task/$f" | cut -c1-16)…" >>"$dest/DATA.md"
  done
}
copy SST-2 SST-2
copy CoLA partial/CoLA
copy MRPC partial/MRPC
copy STS-B partial/STS-B
copy RTE partial/RTE
cat >>"$dest/DATA.md" <<'EOF'

SST-2 is the official GLUE task (train 67,349 rows, dev 872). CoLA, MRPC, STS-B and RTE are partial
copies found in other projects (../shared/data/README.md), NOT the official GLUE splits: CoLA's dev
has 516 rows (the official in-domain dev has 527), MRPC's train + dev (2576 + 1500) re-cut the
official 4076 training pairs, STS-B's train has 4249 of 5749 rows, RTE's 1244 + 139 of 2490 + 277.
Splits follow core/data/Splits.cpp: SST-2 validation = 1000 seeded train rows (removed from
training), test = its dev file; the others' validation and test are the two seeded halves of their
dev files (CoLA 258 + 258, MRPC 750 + 750, STS-B 750 + 750, RTE 69 + 70).
EOF
du -sh "$dest" | awk '{print "data folder " $2 ": " $1}'
