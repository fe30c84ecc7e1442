#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "core/train/TrainingObserver.h"

namespace hwb {

struct StoredRunEvaluation {
  std::filesystem::path store;
  int64_t run = 0;
  std::string checkpoint = "best";  // "best", "last" or a file
  std::string split = "test";
  std::vector<std::string> tasks;  // empty: all of the run's tasks
  std::string device;              // empty: the run's
};

// Rebuilds a stored run's model from its config, loads one of its checkpoints and evaluates it.
// The result's step is the checkpoint's (0 for a file the store does not list). Throws hwb::Error
// naming the run, the file or the task that is wrong.
EvaluationResult evaluate_stored_run(const StoredRunEvaluation& request);

}  // namespace hwb
