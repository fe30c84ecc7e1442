"""Writes the experiment files run_multi_gpu.sh trains, from the demo's config and the T5-base
Hyperformer++ preset: tiny_b64/tiny_b32 (parity), tiny_b32_long (kill), base_b32/base_b128 (scaling).
Usage: make_configs.py demo.json t5_base_hyperformer_pp.json OUT_DIR"""
import copy
import json
import sys
from pathlib import Path

demo = json.load(open(sys.argv[1]))
preset = json.load(open(sys.argv[2]))
out = Path(sys.argv[3])


def write(name, config):
    (out / f"{name}.json").write_text(json.dumps(config, indent=1))


def tiny(batch, steps, eval_every):
    c = copy.deepcopy(demo)
    c["name"] = f"tiny_b{batch}"
    c["training"].update(device="cuda", bf16=True, batch_size=batch, steps=steps, warmup_steps=30,
                         log_every=10, eval_every=eval_every)
    return c


write("tiny_b64", tiny(64, 300, 300))
write("tiny_b32", tiny(32, 300, 300))
other_seed = tiny(64, 300, 300)
other_seed["name"] = "tiny_b64_seed43"
other_seed["training"]["seed"] = 43
write("tiny_b64_seed43", other_seed)
long_run = tiny(32, 600, 100)
long_run["name"] = "tiny_b32_long"
write("tiny_b32_long", long_run)

for batch in (32, 128):
    c = copy.deepcopy(preset)
    c["name"] = f"base_hpp_b{batch}"
    c["backbone"] = str((out / "t5-base-random").resolve())
    c["data"] = copy.deepcopy(demo["data"])  # the built-in SST-2 and RTE samples
    c["data"]["max_source_length"] = 128
    c["training"].update(batch_size=batch, steps=400 if batch == 32 else 300, warmup_steps=10,
                         log_every=10, eval_every=100000)
    write(f"base_b{batch}", c)
