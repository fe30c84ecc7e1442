#!/usr/bin/env python3
"""Writes the ExperimentConfig JSON files of a Table-1-shaped comparison (Karimi Mahabadi et al.
2021, Table 1) on the five English GLUE-format tasks of make_table_data.sh:

  row            variant (config "variant.variant")  runs
  Fine-tuning    full_finetune, all 5 tasks together  1 per seed     (T5 multi-task, paper's T5†)
  Adapters       adapters, ONE task per run           5 per seed     (the project refuses variant
                                                                      "adapters" with >1 task)
  Adapters†      adapters_shared_norms, 5 tasks       1 per seed
  Hyperformer    hyperformer, 5 tasks                 1 per seed
  Hyperformer++  hyperformer_pp, 5 tasks              1 per seed

One file per run, named <method>-s<seed>.json or adapters-<task>-s<seed>.json; the run's name is the
file's stem. configs/runs.txt lists the stems, longest runs first (for xargs -P).

Usage: make_configs.py --backbone SPEC --data DIR --out DIR [--steps N] [--seeds 1,2,3]
                       [--device cuda] [--eval-every N] [--reduction-factor R] [--hyperformer H]
"""
import argparse
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# Paper order (CoLA, SST-2, MRPC, [QQP], STS-B, [MNLI, QNLI], RTE); QQP, MNLI and QNLI have no English
# copy in ../shared/data.
TASKS = ["cola", "sst2", "mrpc", "stsb", "rte"]

# Methods: (key, variant, multi-task?). The key names the config files and the runs.
METHODS = [
    ("finetune", "full_finetune", True),
    ("adapters", "adapters", False),
    ("adapters_dagger", "adapters_shared_norms", True),
    ("hyperformer", "hyperformer", True),
    ("hyperformer_pp", "hyperformer_pp", True),
]

# The adapters' bottleneck m = d_model / reduction_factor. The paper uses reduction factor 32: m = 24
# for T5-base (d_model 768), m = 16 for T5-small (512). Keeping 32 on t5-mini (d_model 192) would
# leave m = 6, a bottleneck too narrow to learn a task in 2000 steps and far below anything the paper
# tried; we keep the paper's smallest bottleneck instead, m = 16, i.e. reduction factor 12 for
# d_model 192 (4 for builtin:tiny's 64). The same m for every adapter and hypernetwork row, as in the
# paper, so the rows differ only in how the adapters are made.
ADAPTER_DIM = 16
# The task embedding z_t (64), the projector's hidden layer (128) and the projected task dimension
# (64) are the paper's: they are the hypernetworks' input side and do not scale with d_model (the
# generators' output side, d_model x m, already shrinks 12x from T5-base). Smaller would shrink the
# generators' input below the 5 tasks' need for distinct embeddings for no real saving: with
# d_model 192 and m 16 one generator is 64 x 3072 weights either way.
TASK_EMBEDDING_DIM = 64
PROJECTOR_HIDDEN_DIM = 128
PROJECTED_TASK_DIM = 64

# Learning rates. Full fine-tuning keeps the paper's 3e-4 (AdamW, all methods in the paper). The
# adapter and hypernetwork rows train only small, freshly initialised modules on a frozen backbone
# and here get 2000 steps instead of the paper's 65,536 (about 3% of its updates): at 3e-4 they are
# still far from converged when the run ends, whereas 1e-3 (the usual adapter rate, Houlsby et al.
# 2019; the project's demo) gets them there. 3e-3 was not chosen: the hypernetworks generate
# every adapter weight from one matrix, so a step moves all layers at once, and with bf16 autocast
# such a rate risks loss spikes; 1e-3 is the safer of the two.
LR_FINETUNE = 3e-4
LR_ADAPTERS = 1e-3


def d_model_of(spec, hyperformer):
    """The backbone's d_model: builtin:tiny is 64 (T5Config::tiny), a folder or a shipped
    builtin:NAME (resources/backbones/NAME) has a config.json; else ask `hyperformer inspect`."""
    if spec == "builtin:tiny":
        return 64
    candidates = []
    if spec.startswith("builtin:"):
        candidates.append(os.path.join(ROOT, "resources", "backbones", spec[len("builtin:"):]))
    else:
        candidates.append(spec)
    for folder in candidates:
        config = os.path.join(folder, "config.json")
        if os.path.isfile(config):
            with open(config) as f:
                return int(json.load(f)["d_model"])
    if hyperformer:
        out = subprocess.run([hyperformer, "inspect", "--model", spec, "--json"], check=True,
                             capture_output=True, text=True).stdout
        return int(json.loads(out)["config"]["d_model"])
    sys.exit(f"make_configs.py: cannot find the d_model of backbone '{spec}': give --reduction-factor "
             "or --hyperformer (or $H) so that `hyperformer inspect` can tell")


def custom_tasks(data):
    """The partial copies whose layout GLUE's readers do not take, as custom tasks reading the
    files as they are. Same names, templates, label texts, split rules (halve_dev, like GLUE's small
    tasks) and metrics as the built-in GLUE definitions (core/data/GlueTasks.cpp)."""
    def files(folder):
        return {"train": os.path.join(data, folder, "train.tsv"),
                "dev": os.path.join(data, folder, "dev.tsv")}
    return {
        # 2 columns (sentence, label), no header; GLUE's CoLA has 4 (source, label, mark, sentence).
        "cola": {"name": "cola", "format": "tsv", "header": False, "columns": 2,
                 "files": files("CoLA"), "split": "halve_dev",
                 "fields": [{"name": "sentence", "column": 0}], "label_column": 1,
                 "input_template": "cola sentence: {sentence}", "labels": ["0", "1"],
                 "metrics": ["mcc"], "max_source_length": 128, "max_target_length": 8},
        # GLUE's 5 columns (Quality, #1 ID, #2 ID, #1 String, #2 String) without the header line.
        "mrpc": {"name": "mrpc", "format": "tsv", "header": False, "columns": 5,
                 "files": files("MRPC"), "split": "halve_dev",
                 "fields": [{"name": "sentence1", "column": 3}, {"name": "sentence2", "column": 4}],
                 "label_column": 0,
                 "input_template": "mrpc sentence1: {sentence1} sentence2: {sentence2}",
                 "labels": ["0", "1"], "metrics": ["f1", "accuracy"],
                 "max_source_length": 128, "max_target_length": 8},
        # GLUE's 10 columns (index ... sentence1, sentence2, score) without the header line; targets
        # rounded to 0.2 (T5's 26 classes), as the built-in stsb does.
        "stsb": {"name": "stsb", "format": "tsv", "header": False, "columns": 10,
                 "files": files("STS-B"), "split": "halve_dev",
                 "fields": [{"name": "sentence1", "column": 7}, {"name": "sentence2", "column": 8}],
                 "label_column": 9,
                 "input_template": "stsb sentence1: {sentence1} sentence2: {sentence2}",
                 "regression": {"min": 0.0, "max": 5.0, "resolution": 0.2, "decimals": 1},
                 "metrics": ["pearson", "spearman"],
                 "max_source_length": 128, "max_target_length": 8},
    }


def task_entry(task, customs):
    # SST-2 (official) and RTE (official layout) go through the built-in GLUE readers.
    return {"custom": customs[task]} if task in customs else {"glue": task}


def config(name, variant, tasks, seed, args, reduction_factor, customs):
    finetune = variant == "full_finetune"
    steps = args.steps
    eval_every = min(args.eval_every, steps)
    return {
        "schema_version": 1,
        "name": name,
        "backbone": args.backbone,
        "variant": {
            "variant": variant,
            "reduction_factor": reduction_factor,
            "non_linearity": "gelu_new",
            "task_embedding_dim": TASK_EMBEDDING_DIM,
            "projector_hidden_dim": PROJECTOR_HIDDEN_DIM,
            "projected_task_dim": PROJECTED_TASK_DIM,
            # Hyperformer (per-layer hypernetworks, the reference code) has no projector layer norm;
            # Hyperformer++ has one (METHOD.md section 4; the t5_*_hyperformer*.json presets).
            "projector_layer_norm": variant != "hyperformer",
            # Task-conditional adapter layer norms for the hypernetworks (the paper's); the plain
            # adapter rows have plain adapter layer norms.
            "conditional_layer_norm": variant in ("hyperformer", "hyperformer_pp"),
            "adapter_layer_norm_before": False,
            "adapter_layer_norm_after": True,
            "adapters_in": "both",
            # Adapter and hypernetwork rows: the backbone frozen except its layer norms (the paper;
            # nothing else matched by name, no LM head). Full fine-tuning trains everything anyway.
            "unfreeze_layer_norms": True,
            "train_lm_head": False,
            "train_backbone_matching": [],
        },
        "data": {
            "tasks": [task_entry(t, customs) for t in tasks],
            "glue_dir": args.data,
            "skip_bad_rows": False,
            "reference_compatible": False,
            "max_source_length": 128,
            # The splits (and any caps) use data_seed, fixed across the 3 seeds: every seed is
            # scored on the same validation and test rows.
            "data_seed": 42,
            "cache_dir": "",
        },
        "training": {
            "device": args.device,
            "bf16": args.bf16 == "on",
            "cuda_graphs": True,
            "steps": steps,
            "batch_size": 32,
            "gradient_accumulation": 1,
            "learning_rate": LR_FINETUNE if finetune else LR_ADAPTERS,
            # The paper warms up 500 of 65,536 steps; a tenth of a 2000-step run (200) is as short
            # as Adam's statistics allow for the freshly initialised adapters.
            "warmup_steps": max(1, steps // 10),
            "weight_decay": 0.0,
            "max_grad_norm": 1.0,
            "label_smoothing": 0.1,
            "temperature": 10.0,  # the paper's task sampling, p ~ n^(1/10)
            "seed": seed,  # adapter / hypernetwork init, dropout and sampling order
            "log_every": min(50, eval_every),
            "eval_every": eval_every,
            "eval_batch_size": 128,
            "early_stopping_patience": 0,
        },
        "output": {"store": f"{name}.db", "checkpoint_dir": "checkpoints"},
    }


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--backbone", required=True, help="builtin:t5-mini, builtin:tiny or a T5 folder")
    p.add_argument("--data", required=True, help="the folder make_table_data.sh made")
    p.add_argument("--out", required=True, help="where the config files go")
    p.add_argument("--steps", type=int, default=2000)
    p.add_argument("--seeds", default="1,2,3")
    p.add_argument("--device", default="cuda")
    p.add_argument("--eval-every", type=int, default=500)
    p.add_argument("--bf16", choices=["on", "off"], default="on",
                   help="bf16 autocast on CUDA (training.bf16); off trains in fp32")
    p.add_argument("--reduction-factor", type=int, default=0,
                   help="default: d_model / 16 (adapter bottleneck 16)")
    p.add_argument("--hyperformer", default=os.environ.get("H", ""),
                   help="the hyperformer binary, to read d_model with `inspect` (default $H)")
    p.add_argument("--tasks", default=",".join(TASKS))
    p.add_argument("--methods", default=",".join(m[0] for m in METHODS))
    args = p.parse_args()
    args.data = os.path.abspath(args.data)
    seeds = [int(s) for s in args.seeds.split(",") if s]
    tasks = [t for t in args.tasks.split(",") if t]
    methods = [m for m in METHODS if m[0] in args.methods.split(",")]

    r = args.reduction_factor
    d_model = None
    if not r:
        d_model = d_model_of(args.backbone, args.hyperformer)
        if d_model % ADAPTER_DIM:
            sys.exit(f"make_configs.py: d_model {d_model} is not a multiple of {ADAPTER_DIM}: "
                     "give --reduction-factor")
        r = d_model // ADAPTER_DIM
    customs = custom_tasks(args.data)
    os.makedirs(args.out, exist_ok=True)
    multi, single = [], []
    for key, variant, multitask in methods:
        for seed in seeds:
            if multitask:
                name = f"{key}-s{seed}"
                multi.append(name)
                cfgs = [(name, tasks)]
            else:
                cfgs = [(f"{key}-{t}-s{seed}", [t]) for t in tasks]
                single.extend(n for n, _ in cfgs)
            for name, run_tasks in cfgs:
                with open(os.path.join(args.out, name + ".json"), "w") as f:
                    json.dump(config(name, variant, run_tasks, seed, args, r, customs), f, indent=2)
                    f.write("\n")
    # Longest first: the multi-task runs evaluate 5 tasks, then the single-task ones by task size.
    size = {t: i for i, t in enumerate(["sst2", "mrpc", "stsb", "cola", "rte"])}
    single.sort(key=lambda n: size.get(n.split("-")[1], 9))
    with open(os.path.join(args.out, "runs.txt"), "w") as f:
        f.write("\n".join(multi + single) + "\n")
    print(f"{len(multi) + len(single)} configs in {args.out} (backbone {args.backbone}"
          f"{f', d_model {d_model}' if d_model else ''}, reduction factor {r}, {args.steps} steps, "
          f"seeds {args.seeds}, device {args.device})")


if __name__ == "__main__":
    main()
