#!/usr/bin/env python3
"""Copies the built-in demo's GLUE samples from ../shared/data into resources/demo/glue, byte for
byte, in GLUE's own layout: SST-2 (official English; the first 20000 training rows and the whole dev
set) and RTE (an English copy in the official layout; all of it). Run from anywhere:

    python3 resources/demo/make_demo_data.py
"""
import pathlib

HERE = pathlib.Path(__file__).resolve().parent
SHARED = HERE.parent.parent.parent / "shared" / "data" / "glue"
PLAN = [
    ("SST-2/train.tsv", "SST-2/train.tsv", 20000),
    ("SST-2/dev.tsv", "SST-2/dev.tsv", None),
    ("partial/RTE/train.tsv", "RTE/train.tsv", None),
    ("partial/RTE/dev.tsv", "RTE/dev.tsv", None),
]

for source, target, rows in PLAN:
    lines = (SHARED / source).read_bytes().split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    keep = lines if rows is None else lines[: rows + 1]  # + the header
    out = HERE / "glue" / target
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(b"\n".join(keep) + b"\n")
    print(out.relative_to(HERE), len(keep) - 1, "rows")
