#pragma once

#include <cstdint>
#include <filesystem>

#include "core/train/ExperimentConfig.h"

namespace hwb {

// Where a run's files go. Relative folders live next to the store, so a run resumes (and its
// checkpoints and cache are found) the same whichever folder the command line or the workbench
// was started from.
std::filesystem::path run_cache_dir(const ExperimentConfig& config);
std::filesystem::path run_checkpoint_dir(const ExperimentConfig& config, int64_t run);

}  // namespace hwb
