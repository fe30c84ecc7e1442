#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace hwb::cli {

// One worker process of a study run several at once (docs/STUDIES.md "Several at once").
struct StudyWorker {
  std::string name;                      // "GPU 1", "worker 2": for messages
  std::vector<std::string> arguments;    // this program's arguments for it
  std::vector<std::string> environment;  // NAME=VALUE set for it (CUDA_VISIBLE_DEVICES=1, ...)
  std::filesystem::path log;             // its output, appended
};

// Starts every worker as this program again and waits for all of them, calling `poll` about once
// a second meanwhile (the caller reports progress from the store). Ctrl-C or SIGTERM to this
// process is passed on once as SIGTERM, so each worker stops its run with a checkpoint; a second
// one kills them. A worker that fails does not stop the others. Returns how many workers ended
// badly.
int run_study_workers(const std::vector<StudyWorker>& workers, const std::function<void()>& poll);

}  // namespace hwb::cli
