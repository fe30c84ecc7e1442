#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/train/RunLauncher.h"

namespace hwb {

// Where a study worker trains: its device, and what the runs list shows for it ("cuda (GPU 1)").
struct StudyWorkerDevice {
  std::string device;  // empty: each run's own
  std::string label;   // empty: the device
};

// One worker of a study (docs/STUDIES.md "Several at once"): claims the study's next queued run, in
// cell order, and starts it; several workers (processes, or threads) share one study this way,
// each run claimed by exactly one of them. A run that cannot start is marked failed, reported
// to `refused` and skipped. nullopt when no queued run is left.
std::optional<LaunchedRun> start_next_study_run(
    const std::filesystem::path& store, int64_t study,
    const std::vector<std::shared_ptr<TrainingObserver>>& observers,
    const StudyWorkerDevice& where = {},
    const std::function<void(int64_t run, const std::string& why)>& refused = {});

}  // namespace hwb
