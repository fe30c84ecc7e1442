"""Joins the JSON of bench_gpu_train (ours) and peer_hf_train.py (peer_eager, peer_compiled) into
one table with ours/peer ratios. Peer MFU uses our FLOP count for the same run (same model, same
step), over the same dense bf16 peak.

  python3 compare.py ours.json [peer_eager.json] [peer_compiled.json]
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
    ours = rows.get(("ours",) + k)
    for impl in ("ours", "peer_eager", "peer_compiled"):
        r = rows.get((impl,) + k)
        if not r:
            continue
        tflop = ours["step_tflop"] if ours else 0
        mfu = 100 * tflop * 1e12 * r["steps_per_s"] / peak
        ev = f"{r['eval_examples_per_s']:.0f}" if r.get("eval_examples_per_s") else "-"
        if impl == "ours" or not ours:
            ratios = "| | |"
        else:
            ev_ratio = (f"{ours['eval_examples_per_s'] / r['eval_examples_per_s']:.2f}"
                        if r.get("eval_examples_per_s") else "")
            ratios = (f"{ours['steps_per_s'] / r['steps_per_s']:.2f} | "
                      f"{ours['peak_bytes'] / r['peak_bytes']:.2f} | {ev_ratio} |")
        flag = "" if r["ok"] else " WRONG"
        print(f"| {k[0]} | {k[1]} | {k[2]} | {impl}{flag} | {r['steps_per_s']:.2f} | {r['examples_per_s']:.0f} | "
              f"{r['peak_bytes'] / 2**20:.0f} | {mfu:.1f} | {ev} | {ratios}")
