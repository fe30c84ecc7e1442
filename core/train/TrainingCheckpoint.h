#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <limits>
#include <string>

namespace hwb {

class AdamW;
class PeftModel;

// Training progress as a plain struct, saved with each checkpoint (STYLE.md point 9): with the
// trainable parameters and the optimiser moments it is everything a run needs to continue exactly.
struct TrainingState {
  int64_t step = 0;  // optimiser steps done
  double best_score = -std::numeric_limits<double>::infinity();
  int64_t best_step = 0;
  int64_t evaluations_since_best = 0;
  double elapsed_seconds = 0;
  nlohmann::json sampler;  // MultiTaskSampler::state()

  nlohmann::json to_json() const;
  static TrainingState from_json(const nlohmann::json& j);
};

// One safetensors file: "model/<name>" for every parameter the run trains, "optim/<name>.exp_avg"
// and ".exp_avg_sq", and in __metadata__ "hwb_training_state" (TrainingState JSON), "format" =
// "hwb-training-checkpoint" and "experiment" (the run's config JSON). Written atomically, so a
// crash mid-write leaves the previous checkpoint.
void save_training_checkpoint(const std::filesystem::path& file, PeftModel& model,
                              const AdamW& optimizer, const TrainingState& state,
                              const std::string& experiment_json);

// Restores the model's trained parameters and the optimiser; strict: a checkpoint from another
// experiment shape is refused with the names that differ. Throws hwb::Error naming the file.
TrainingState load_training_checkpoint(const std::filesystem::path& file, PeftModel& model,
                                       AdamW& optimizer);

}  // namespace hwb
