#pragma once

#include <filesystem>
#include <memory>
#include <vector>

#include "core/data/TaskLoader.h"
#include "core/train/ExperimentConfig.h"

namespace hwb {

class Tokenizer;

// The task definitions an experiment names: GLUE ones from its GLUE folder (builtin:demo is the
// bundled sample), custom ones as written. Throws hwb::Error naming the folder and the fix when a
// GLUE folder lacks a task's files, before anything is read.
std::vector<TaskDefinition> experiment_task_definitions(const ExperimentConfig& config);

// Reads, tokenises (or takes from the cache) and splits every task of the experiment.
std::vector<LoadedTask> load_experiment_tasks(const ExperimentConfig& config,
                                              const Tokenizer& tokenizer,
                                              const std::filesystem::path& cache_dir);

}  // namespace hwb
