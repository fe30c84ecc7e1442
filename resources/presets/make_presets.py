#!/usr/bin/env python3
"""Writes the bundled presets: the paper's recipe (METHOD.md section 6) for each variant on t5-small
and t5-base folders. Run from anywhere; rewrites the JSON files next to it. demo.json is the
built-in demo as the program itself writes it: `hyperformer train --demo --print-config`.

The backbone and GLUE paths are folder names the user points at their own copies (the setup form
and `hyperformer train --config` say which is missing); nothing here is downloaded."""
import json
import pathlib

HERE = pathlib.Path(__file__).resolve().parent
GLUE = ["cola", "sst2", "mrpc", "qqp", "stsb", "mnli", "qnli", "rte"]

TRAINING = {
    "batch_size": 32, "bf16": True, "cuda_graphs": True, "device": "cuda",
    "early_stopping_patience": 0,
    "eval_batch_size": 64, "eval_every": 1000, "gradient_accumulation": 1,
    "label_smoothing": 0.1, "learning_rate": 3e-4, "log_every": 10, "max_grad_norm": 1.0,
    "seed": 42, "steps": 65536, "temperature": 10.0, "test_at_end": True, "warmup_steps": 500,
    "weight_decay": 0.0,
}

HYPER = {"reduction_factor": 32, "task_embedding_dim": 64, "projector_hidden_dim": 128,
         "projected_task_dim": 64, "conditional_layer_norm": True, "non_linearity": "gelu_new",
         "adapter_layer_norm_before": False, "adapter_layer_norm_after": True,
         "adapters_in": "both", "unfreeze_layer_norms": True, "train_lm_head": False,
         "train_backbone_matching": []}

VARIANTS = {
    # name -> (variant block, description)
    "hyperformer_pp": dict(HYPER, variant="hyperformer_pp", projector_layer_norm=True),
    # The paper's per-layer Hyperformer: one generator set per layer and position, no projector norm.
    "hyperformer": dict(HYPER, variant="hyperformer", projector_layer_norm=False),
    # Adapters† of the paper's multi-task table: one adapter set per task, trained together.
    "adapters": dict(HYPER, variant="adapters_shared_norms", projector_layer_norm=True,
                     conditional_layer_norm=False),
    # T5† : the whole model, all tasks at once.
    "finetune": dict(HYPER, variant="full_finetune", projector_layer_norm=True,
                     conditional_layer_norm=False),
}


def experiment(name, backbone, variant):
    return {
        "schema_version": 1,
        "name": name,
        "backbone": backbone,
        "data": {"glue_dir": "glue", "cache_dir": "", "data_seed": 42, "max_source_length": 128,
                 "reference_compatible": False, "single_task": False, "skip_bad_rows": False,
                 "tasks": [{"glue": t} for t in GLUE]},
        "variant": variant,
        "training": TRAINING,
        "output": {"store": "runs.db", "checkpoint_dir": "checkpoints"},
    }


def main():
    for backbone in ["t5-small", "t5-base"]:
        for key, variant in VARIANTS.items():
            name = f"{backbone.replace('-', '_')}_{key}"
            write(name, experiment(name, backbone, variant))


def write(name, config):
    path = HERE / f"{name}.json"
    path.write_text(json.dumps(config, indent=2, sort_keys=True) + "\n")
    print(path)


if __name__ == "__main__":
    main()
