#pragma once

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/data/PretrainingCorpus.h"
#include "core/data/SpanCorruption.h"
#include "core/data/TaskDefinition.h"
#include "core/model/T5Config.h"
#include "core/peft/PeftConfig.h"

namespace hwb {

// One task of an experiment: a GLUE task read from the experiment's GLUE folder, or a custom task
// defined in full. Caps keep a seeded subsample of a split (0 = everything).
struct ExperimentTask {
  std::string glue;                      // "sst2", ...; empty for a custom task
  std::optional<TaskDefinition> custom;  // set for a custom task
  std::size_t max_train = 0;
  std::size_t max_validation = 0;
  std::size_t max_test = 0;

  std::string name() const { return custom ? custom->name : glue; }
};

// A pretraining run (`hyperformer pretrain`, docs/PRETRAINING.md): T5's span corruption on
// plain-text corpora instead of tasks. The model starts from `architecture` with fresh weights
// drawn from training.seed, trains whole (variant finetune), and is written as a Hugging Face
// folder to `output` when the run finishes.
struct PretrainingConfig {
  std::vector<CorpusSource> corpora;  // relative paths: from the working folder
  SpanCorruptionOptions corruption;
  std::size_t validation_lines = 1000;  // per corpus file, held out (at most 10% of its lines)
  T5Config architecture;
  std::string output = "pretrained-t5";  // the exported folder (config.json, model.safetensors,
                                         // spiece.model)
  bool output_bf16 = true;               // exported weights in bf16 (half the size), else fp32
};

// Everything a run needs, as one plain struct that round-trips through one versioned JSON schema:
// the setup form edits it, presets are files of it, the command line reads it, and every run
// stores it verbatim (DESIGN.md "The one configuration"). Defaults are the paper's recipe
// (METHOD.md section 6).
struct ExperimentConfig {
  static constexpr int kSchemaVersion = 1;
  // Bundled GLUE samples for the demo (resources/demo/glue), usable as data.glue_dir.
  static constexpr std::string_view kBuiltinDemoData = "builtin:demo";
  static constexpr std::string_view kBuiltinTinyBackbone = "builtin:tiny";
  // The backbone pretrained with `hyperformer pretrain --recipe`, shipped in
  // resources/backbones/t5-mini (docs/PRETRAINING.md).
  static constexpr std::string_view kBuiltinPretrainedBackbone = "builtin:t5-mini";

  std::string name = "experiment";
  // A Hugging Face T5 folder, "builtin:tiny" (a small T5 made on the spot from `seed`) or a
  // shipped pretrained one ("builtin:t5-mini"); empty in a pretraining run.
  std::string backbone = std::string(kBuiltinTinyBackbone);
  // The variant and its sizes; its task list is filled from `tasks` (in that order).
  PeftConfig peft;

  // --- data
  std::vector<ExperimentTask> tasks;  // empty in a pretraining run
  std::optional<PretrainingConfig> pretraining;
  std::string glue_dir = std::string(kBuiltinDemoData);  // GLUE's download layout (SST-2/, ...)
  bool skip_bad_rows = false;  // false: a bad row refuses its task; true: skipped and counted
  bool reference_compatible = false;  // METHOD.md section 5's quirks, all at once
  int max_source_length = 128;
  uint64_t data_seed = 42;  // splits and caps (the reference code's seed)
  std::string cache_dir;    // tokenised datasets; empty: "cache"; relative: next to the store
  // The paper's single-task methods: each task is a run of its own. A study expands such a config
  // into one run per task, and the results table combines them into one row (docs/STUDIES.md);
  // one run holds one task, so `train` refuses it with several.
  bool single_task = false;

  // --- training
  std::string device = "cpu";  // "cpu", "cuda", "cuda:N"
  bool bf16 = true;            // autocast on CUDA; ignored on the CPU (fp32 there)
  // On CUDA, training steps and evaluation's decoding replayed as CUDA graphs (one per task and
  // padded batch shape; batches padded to multiples of 32 source / 8 target tokens). Training
  // steps with gradient accumulation run eagerly; runs of several processes use no graphs.
  bool cuda_graphs = true;
  int64_t steps = 65536;
  int64_t batch_size = 32;
  int64_t gradient_accumulation = 1;  // batches per optimiser step (each from one task)
  double learning_rate = 3e-4;
  int64_t warmup_steps = 500;  // linear warm-up, then linear decay to 0 at `steps`
  double weight_decay = 0.0;
  double max_grad_norm = 1.0;  // 0 = no clipping
  double label_smoothing = 0.1;
  double temperature = 10.0;  // task sampling: p ~ n^(1/T)
  uint64_t seed = 42;         // model init, dropout, sampling
  int64_t log_every = 10;     // steps between recorded scalars
  int64_t eval_every = 1000;  // steps between evaluations (and checkpoints)
  int64_t eval_batch_size = 64;
  int64_t early_stopping_patience = 0;  // evaluations without a better average; 0 = off
  // When the run ends (not when it is stopped), the best checkpoint is scored on the test split of
  // the tasks that have one, and the scores and predictions go into the store.
  bool test_at_end = true;

  // --- output
  std::string store = "runs.db";  // the SQLite run store
  std::string checkpoint_dir =
      "checkpoints";  // one folder per run inside; relative: next to the store

  // Every problem at once, each as "path.to.field: what is wrong (and the fix)". Only the config
  // itself is checked here; files and devices are checked when a session starts.
  std::vector<std::string> problems() const;
  // Throws hwb::Error listing problems().
  void validate() const;

  nlohmann::json to_json() const;
  // Unknown keys, wrong types and bad values are all reported together, with their paths.
  static ExperimentConfig from_json(const nlohmann::json& json, std::string_view source = "config");
  static ExperimentConfig load(const std::filesystem::path& file);
  void save(const std::filesystem::path& file) const;

  // The built-in demo: Hyperformer++ on the shipped pretrained builtin:t5-mini, frozen, with SST-2
  // and RTE samples bundled with the program. Trains on two CPU cores in under 10 minutes.
  static ExperimentConfig demo();
  // The recipe builtin:t5-mini was pretrained with (docs/PRETRAINING.md), reading the corpus that
  // tools/corpus/make_pretraining_corpus.py writes to build-corpus/.
  static ExperimentConfig pretraining_recipe();
  // The task names, in order (a pretraining run's one task: span_corruption).
  std::vector<std::string> task_names() const;
};

}  // namespace hwb
