"""Joins the JSON of bench_gpu_train (ours: eager LibTorch; ours_graph: the step as one CUDA graph)
and peer_hf_train.py (peer_eager, peer_compiled) into one table. On peer rows, the ratio columns
are ours/peer with ours = ours_graph where it ran (else ours) for training and memory, and the eager
LibTorch row for evaluation (generation is not graphed). Peer MFU uses our FLOP count for the same
run (same model and step) over the same dense bf16 peak.

  python3 compare.py FILE.json...
"""

import json
import sys

rows = {}
for path in sys.argv[1:]:
    try:
        for r in json.load(open(path)):
            rows[(r["impl"], r["model"], r["method"], r["batch"])] = r
    except FileNotFoundError:
        print(f"(missing {path})")

keys = sorted({k[1:] for k in rows}, key=lambda k: (k[0] != "small", k[1], k[2]))
peak = 989.4e12
print("\n| model | method | batch | impl | steps/s | ex/s | peak MiB | MFU % | eval ex/s | ours/peer train | ours/peer mem | ours/peer eval |")
print("| --- | --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
for k in keys:
    eager = rows.get(("ours",) + k)
    best = rows.get(("ours_graph",) + k) or eager
    tflop = (eager or best or {}).get("step_tflop", 0)
    for impl in ("ours", "ours_graph", "peer_eager", "peer_compiled"):
        r = rows.get((impl,) + k)
        if not r:
            continue
        mfu = 100 * tflop * 1e12 * r["steps_per_s"] / peak
        ev = f"{r['eval_examples_per_s']:.0f}" if r.get("eval_examples_per_s") else "-"
        ratios = "| | |"
        if impl.startswith("peer") and best:
            ev_ratio = (f"{eager['eval_examples_per_s'] / r['eval_examples_per_s']:.2f}"
                        if eager and r.get("eval_examples_per_s") else "")
            ratios = (f"{best['steps_per_s'] / r['steps_per_s']:.2f} | "
                      f"{best['peak_bytes'] / r['peak_bytes']:.2f} | {ev_ratio} |")
        flag = "" if r["ok"] else " WRONG"
        print(f"| {k[0]} | {k[1]} | {k[2]} | {impl}{flag} | {r['steps_per_s']:.2f} | {r['examples_per_s']:.0f} | "
              f"{r['peak_bytes'] / 2**20:.0f} | {mfu:.1f} | {ev} | {ratios}")
