#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/train/TrainingSession.h"

namespace hwb {

class RunStore;
class DistributedGroup;

// This process's part in a data-parallel run (none: a run of its own). Rank 0 records the run and
// writes everything; the other ranks train alongside and write nothing.
struct DistributedPart {
  std::shared_ptr<DistributedGroup> group;
  bool writes() const;
};

// Starts a run the way both the command line and the workbench do: opens the store, records the
// run (config verbatim, device, versions), puts its checkpoints in <checkpoint_dir>/<name>-<id>,
// and attaches the store recorder next to the caller's observers. Resume continues a stored run
// from its last checkpoint, with the same id and curves.
struct LaunchedRun {
  int64_t run = 0;  // 0 on ranks other than 0 of a new data-parallel run
  std::filesystem::path store;
  std::unique_ptr<TrainingSession> session;
};

// Everything that would stop a run before its first step, as "path: reason (fix)": the config's
// own problems plus what only the machine can answer (the device exists, the backbone folder and
// every task's files are there). launch_run refuses with all of them before it records a run.
std::vector<std::string> launch_problems(const ExperimentConfig& config);

LaunchedRun launch_run(const ExperimentConfig& config,
                       std::vector<std::shared_ptr<TrainingObserver>> observers,
                       const DistributedPart& part = {});
// A queued run of a study (RunStore::queue_run, requeue_run) claimed by this process and started:
// from its last checkpoint when it has one (a requeued run), else from the start. `device`, when
// given, replaces the one it was queued with; `device_label` is what the runs list shows for it
// (default: the device). Refuses a run that is not queued or that another process claimed first;
// a claimed run that cannot start (its files or device are missing) is marked failed, with why.
LaunchedRun start_queued_run(const std::filesystem::path& store, int64_t run,
                             std::vector<std::shared_ptr<TrainingObserver>> observers,
                             const std::string& device = {}, const std::string& device_label = {});
LaunchedRun resume_run(const std::filesystem::path& store, int64_t run,
                       std::vector<std::shared_ptr<TrainingObserver>> observers,
                       const DistributedPart& part = {});

// Program and library versions, as JSON, for the run's record.
std::string versions_json();

}  // namespace hwb
