"""Sums the GPU kernels of a Chrome trace (LibTorch's or PyTorch's Kineto profiler): total kernel
time, kernel count, the wall span of the kernels, the time by class (matrix products, attention,
everything else: the element-wise and reduction work that memory bandwidth bounds), and the
kernels taking the most time.

  python3 kernel_summary.py TRACE.json [top]
"""

import collections
import json
import re
import sys

CLASSES = [
    ("matrix products", re.compile(r"nvjet|gemm|cutlass|xmma|sm90_.*_tn|splitK", re.I)),
    ("attention", re.compile(r"sdpa|fmha|flash|attention", re.I)),
]


def kernel_class(name):
    for label, pattern in CLASSES:
        if pattern.search(name):
            return label
    return "other"


trace = json.load(open(sys.argv[1]))
top = int(sys.argv[2]) if len(sys.argv) > 2 else 15
events = trace["traceEvents"] if isinstance(trace, dict) else trace
by_name = collections.defaultdict(lambda: [0.0, 0])
by_class = collections.defaultdict(float)
start, end, total, count = float("inf"), 0.0, 0.0, 0
for e in events:
    if e.get("cat") not in ("kernel", "gpu_memcpy", "gpu_memset") or "dur" not in e:
        continue
    name = e["name"][:90]
    by_name[name][0] += e["dur"]
    by_name[name][1] += 1
    by_class[kernel_class(e["name"])] += e["dur"]
    total += e["dur"]
    count += 1
    start, end = min(start, e["ts"]), max(end, e["ts"] + e["dur"])
print(f"{sys.argv[1]}: {count} kernels, {total / 1e3:.2f} ms of kernel time, span {(end - start) / 1e3:.2f} ms")
for label in [c for c, _ in CLASSES] + ["other"]:
    print(f"  {by_class[label] / 1e3:8.2f} ms {100 * by_class[label] / total:5.1f}%  {label}")
for name, (dur, n) in sorted(by_name.items(), key=lambda kv: -kv[1][0])[:top]:
    print(f"  {dur / 1e3:8.2f} ms {100 * dur / total:5.1f}% {n:6d}x  {name}")
