"""Attributes the GPU kernel time of an eager Chrome trace (Kineto) to the CPU operators that
launched them: kernel -> its launch (by correlation id) -> the operators open on that thread at
the launch, outermost first. Prints the (outermost, innermost) pairs with the most kernel time.

  python3 kernel_by_op.py TRACE.json [top]
"""

import collections
import json
import sys

trace = json.load(open(sys.argv[1]))
top = int(sys.argv[2]) if len(sys.argv) > 2 else 25
events = trace["traceEvents"]
kernels = {}
launches = collections.defaultdict(list)
ops = collections.defaultdict(list)
for e in events:
    cat = e.get("cat")
    if cat in ("kernel", "gpu_memcpy", "gpu_memset") and "dur" in e:
        kernels[e["args"].get("correlation")] = kernels.get(e["args"].get("correlation"), 0) + e["dur"]
    elif cat == "cuda_runtime":
        launches[e["tid"]].append((e["ts"], e["args"].get("correlation")))
    elif cat in ("cpu_op", "user_annotation") and "dur" in e:
        ops[e["tid"]].append((e["ts"], e["ts"] + e["dur"], e["name"]))
total = defaultdict_total = sum(kernels.values())
by_pair = collections.defaultdict(float)
for tid, ls in launches.items():
    items = [(ts, 1, end, name) for ts, end, name in ops.get(tid, [])] + [(ts, 2, c, None) for ts, c in ls]
    items.sort(key=lambda x: (x[0], x[1], -x[2] if x[1] == 1 else 0))
    stack = []
    for ts, kind, val, name in items:
        while stack and stack[-1][0] < ts:
            stack.pop()
        if kind == 1:
            stack.append((val, name))
        else:
            dur = kernels.get(val, 0)
            if not dur:
                continue
            chain = [n for _, n in stack]
            outer = next((n for n in chain if "evaluate_function" in n), chain[0] if chain else "?")
            by_pair[(outer.replace("autograd::engine::evaluate_function: ", "bwd "), chain[-1] if chain else "?")] += dur
print(f"{sys.argv[1]}: {total / 1e3:.1f} ms kernel time")
for (outer, inner), dur in sorted(by_pair.items(), key=lambda kv: -kv[1])[:top]:
    print(f"  {dur / 1e3:8.2f} ms {100 * dur / total:5.1f}%  {outer[:60]} > {inner[:40]}")
