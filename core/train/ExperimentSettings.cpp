#include "core/train/ExperimentSettings.h"

#include "core/peft/PeftSettings.h"

namespace hwb {

const SettingsTable<ExperimentConfig>& experiment_settings() {
  using C = ExperimentConfig;
  static const SettingsTable<C> table = [] {
    const SettingRange positive = SettingRange::positive();
    const SettingRange non_negative = SettingRange::non_negative();
    SettingsTable<C> t = {
        setting("name", &C::name, "Name", "The run's name in the runs list"),
        setting("backbone", &C::backbone, "Backbone",
                "A Hugging Face T5 folder (config.json, model.safetensors), builtin:t5-mini (a "
                "small T5 pretrained for this program) or builtin:tiny (random weights, for quick "
                "trials)"),
    };
    for (auto& row : nested_settings(peft_settings(), "variant", &C::peft)) t.push_back(row);
    const SettingsTable<C> rest = {
        setting("data.glue_dir", &C::glue_dir, "GLUE data folder",
                "GLUE's download layout (SST-2/train.tsv, ...) or builtin:demo"),
        setting("data.max_source_length", &C::max_source_length, "Max source tokens",
                "Inputs are cut to this many tokens", SettingRange::at_least(8)),
        setting("data.skip_bad_rows", &C::skip_bad_rows,
                "Skip bad rows (else a bad row refuses its task)",
                "A malformed data row is skipped and counted instead of refusing its task"),
        setting("data.reference_compatible", &C::reference_compatible,
                "Reference-code compatible (its formatting quirks)",
                "The reference code's quirks, all at once (docs/METHOD.md)"),
        setting("data.single_task", &C::single_task, "Single-task: one run per task",
                "The paper's single-task methods (Adapters, single-task fine-tuning): a study "
                "runs each task alone and the results table combines them into one row "
                "(docs/STUDIES.md)"),
        setting("data.data_seed", &C::data_seed, "Data seed",
                "Seeds the splits and caps (the reference code's seed)"),
        setting("data.cache_dir", &C::cache_dir, "Dataset cache",
                "Tokenised datasets; empty: 'cache'; relative: next to the store"),
        setting("training.device", &C::device, "Device", "cpu, cuda or cuda:N"),
        setting("training.bf16", &C::bf16, "bf16 autocast on CUDA",
                "Autocast to bf16 on CUDA; the CPU always computes in fp32"),
        setting("training.cuda_graphs", &C::cuda_graphs,
                "CUDA graphs (one per task and padded batch shape)",
                "On CUDA, each training step and each evaluation batch's decoding is replayed as "
                "one captured graph instead of thousands of kernel launches. Batches are padded "
                "to multiples of 32 source and 8 target tokens. Training steps with gradient "
                "accumulation run eagerly; runs of several processes use no graphs."),
        setting("training.steps", &C::steps, "Steps", "Optimiser steps of the run", positive),
        setting("training.batch_size", &C::batch_size, "Batch size",
                "Examples per batch (per process in a data-parallel run)", positive),
        setting("training.gradient_accumulation", &C::gradient_accumulation,
                "Gradient accumulation", "Batches per optimiser step (each from one task)",
                positive),
        setting("training.learning_rate", &C::learning_rate, "Learning rate",
                "AdamW's peak learning rate", positive),
        setting("training.warmup_steps", &C::warmup_steps, "Warm-up steps",
                "Linear warm-up, then linear decay to 0 at the last step", non_negative),
        setting("training.weight_decay", &C::weight_decay, "Weight decay",
                "AdamW's decoupled weight decay", non_negative),
        setting("training.max_grad_norm", &C::max_grad_norm, "Gradient clipping norm",
                "0 = no clipping", non_negative),
        setting("training.label_smoothing", &C::label_smoothing, "Label smoothing",
                "Of the target tokens' cross-entropy", SettingRange{0, 1, false, true}),
        setting("training.temperature", &C::temperature, "Sampling temperature",
                "Task sampling: p ~ n^(1/T); 1 = proportional, large = uniform", positive),
        setting("training.seed", &C::seed, "Seed", "Model initialisation, dropout, sampling"),
        setting("training.log_every", &C::log_every, "Log every (steps)",
                "Steps between recorded scalars", positive),
        setting("training.eval_every", &C::eval_every, "Evaluate every (steps)",
                "Steps between evaluations (and checkpoints)", positive),
        setting("training.eval_batch_size", &C::eval_batch_size, "Evaluation batch size",
                "Examples per batch when evaluating", positive),
        setting("training.early_stopping_patience", &C::early_stopping_patience,
                "Early stopping patience", "Evaluations without a better average; 0 = off",
                non_negative),
        setting("training.test_at_end", &C::test_at_end,
                "Score the best checkpoint on the test split at the end",
                "When the run ends, its best checkpoint is evaluated on each task's test split "
                "(docs/METHOD.md's reference splits for GLUE) and the scores and predictions are "
                "stored; a stopped run is not tested"),
        setting("output.store", &C::store, "Run store",
                "The SQLite run store the run is recorded in"),
        setting("output.checkpoint_dir", &C::checkpoint_dir, "Checkpoint folder",
                "One folder per run inside; relative: next to the store"),
    };
    t.insert(t.end(), rest.begin(), rest.end());
    return t;
  }();
  return table;
}

}  // namespace hwb
