#pragma once

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace hwb {

class PeftModel;
struct PeftConfig;

// One parameter as the report sees it: its full name (backbone names as the checkpoint spells
// them, added ones under "peft."), its size and whether it trains.
struct ParameterCount {
  std::string name;
  int64_t numel = 0;
  bool trainable = false;
};

// Parameter counts of a model as the paper's Table 1 reports them.
//
// per_task is the number of trained parameters per task: trainable / tasks. Parameters shared by
// the tasks (hypernetworks, unfrozen T5 layer norms) are spread over them, as the paper does for
// its multi-task rows (T5-base† trains 100% / 8 tasks = 12.5% per task). Single-task variants
// (adapters, full fine-tuning with one task) have one task, so per_task is all they train.
// For T5-base with the 8 GLUE tasks and the default Hyperformer++ this gives
// (2 x 2,581,464 hypernetwork + 8 x 64 task embeddings + 47,616 layer norms) / 8
// = 651,382 = 0.292% of the 222,903,552 backbone parameters, the paper's "0.29% per task".
struct ParameterReport {
  std::string variant;
  int64_t num_tasks = 0;
  int64_t backbone = 0;            // the T5 model's parameters (shared embedding counted once)
  int64_t added = 0;               // what the variant adds (adapters, hypernetworks, embeddings)
  int64_t total = 0;               // backbone + added
  int64_t trainable = 0;           // requires_grad now
  int64_t trainable_backbone = 0;  // of which backbone parameters
  int64_t trainable_added = 0;     // of which added parameters
  // Trainable parameters that belong to one task alone (its task embedding or adapter set).
  std::map<std::string, int64_t> task_own;
  double per_task = 0;          // trainable / num_tasks
  double per_task_percent = 0;  // 100 * per_task / backbone
  // Counts by part: "backbone.layer_norms", "backbone.other", "task_embeddings", "hypernet",
  // "adapters", "adapter_norms" (parts the variant lacks are absent).
  std::map<std::string, int64_t> parts;

  static ParameterReport of(const PeftModel& model);
  // The same report from a list of parameters: what `of` does after reading the model, and what
  // estimate_parameters (ParameterEstimate.h) does with a list worked out from the configs.
  static ParameterReport tally(const PeftConfig& config, const std::vector<ParameterCount>& params);

  nlohmann::json to_json() const;
  // A few lines for a log or the CLI.
  std::string to_text() const;
};

}  // namespace hwb
