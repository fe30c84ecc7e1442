#include "core/train/RunLauncher.h"

#include <nlohmann/json.hpp>

#include "core/model/BuiltinBackbones.h"
#include "core/model/DeviceSpec.h"
#include "core/store/RunStore.h"
#include "core/train/DistributedGroup.h"
#include "core/train/ExperimentData.h"
#include "core/train/RunFolders.h"
#include "core/train/StoreRecorder.h"
#include "core/train/StoredRun.h"
#include "core/util/BuildInfo.h"
#include "core/util/Error.h"

namespace hwb {
namespace fs = std::filesystem;

std::string versions_json() {
  const BuildInfo info = build_info();
  return nlohmann::json{{"hyperformer_workbench", info.program},
                        {"libtorch", info.libtorch},
                        {"sqlite", info.sqlite},
                        {"sentencepiece", info.sentencepiece}}
      .dump();
}

bool DistributedPart::writes() const {
  return !group || group->rank() == 0;
}

namespace {

// The device column of the run's record: a data-parallel run says how many processes it spans.
std::string recorded_device(const ExperimentConfig& config, const DistributedPart& part) {
  if (!part.group) return config.device;
  return config.device + " (" + std::to_string(part.group->world_size()) + " processes, " +
         part.group->backend() + ")";
}

TrainerSetup distributed_setup(TrainerSetup setup, const DistributedPart& part) {
  setup.group = part.group;
  return setup;
}

}  // namespace

std::vector<std::string> launch_problems(const ExperimentConfig& config) {
  std::vector<std::string> problems = config.problems();
  if (config.single_task && config.tasks.size() > 1) {
    problems.push_back("data.single_task: " + std::to_string(config.tasks.size()) + " tasks make " +
                       std::to_string(config.tasks.size()) +
                       " single-task runs; start them with 'hyperformer study --config FILE' "
                       "(or the Study page), or keep one task");
  }
  try {
    parse_device(config.device);
  } catch (const std::exception& e) {
    problems.push_back(std::string("training.device: ") + e.what());
  }
  if (!config.backbone.empty() && !config.pretraining) {
    try {
      backbone_spec_config(config.backbone);
    } catch (const std::exception& e) {
      problems.push_back(std::string("backbone: ") + e.what());
    }
  }
  if (!config.tasks.empty() && !config.glue_dir.empty()) {
    try {
      experiment_task_definitions(config);
    } catch (const std::exception& e) {
      problems.push_back(std::string("data: ") + e.what());
    }
  }
  return problems;
}

namespace {

void refuse_launch_problems(const ExperimentConfig& config) {
  const std::vector<std::string> problems = launch_problems(config);
  if (!problems.empty()) {
    std::string message = "The experiment '" + config.name + "' cannot start:";
    for (const std::string& p : problems) message += "\n  " + p;
    throw Error(message);
  }
}

}  // namespace

LaunchedRun launch_run(const ExperimentConfig& config,
                       std::vector<std::shared_ptr<TrainingObserver>> observers,
                       const DistributedPart& part) {
  refuse_launch_problems(config);
  LaunchedRun launched;
  launched.store = config.store;
  TrainerSetup setup;
  setup.cache_dir = run_cache_dir(config);
  if (part.writes()) {
    std::shared_ptr<RunStore> store = RunStore::open(config.store);
    launched.run = store->create_run(config.name, config.name, config.to_json().dump(),
                                     recorded_device(config, part), versions_json());
    setup.checkpoint_dir = run_checkpoint_dir(config, launched.run);
    observers.insert(observers.begin(), std::make_shared<StoreRecorder>(store, launched.run));
  }
  launched.session =
      TrainingSession::start(config, distributed_setup(setup, part), std::move(observers));
  return launched;
}

LaunchedRun start_queued_run(const fs::path& store_file, int64_t run,
                             std::vector<std::shared_ptr<TrainingObserver>> observers,
                             const std::string& device, const std::string& device_label) {
  StoredRun stored = load_stored_run(store_file, run);
  if (stored.info.status != "queued") {
    throw Error("Run " + std::to_string(run) + " of " + store_file.string() + " is " +
                stored.info.status + ", not queued: it has been started already");
  }
  ExperimentConfig& config = stored.config;
  if (!device.empty()) config.device = device;
  std::shared_ptr<RunStore> store = RunStore::open(store_file);
  // The config as it was queued, with the device it runs on: what `runs show` and a resume read.
  nlohmann::json recorded = nlohmann::json::parse(stored.info.config_json);
  recorded["training"]["device"] = config.device;
  if (!store->claim_queued_run(run, recorded.dump(),
                               device_label.empty() ? config.device : device_label,
                               versions_json())) {
    throw Error("Run " + std::to_string(run) + " of " + store_file.string() +
                " was started by another process a moment ago");
  }
  // Claimed first, so that of several workers only one marks it failed.
  try {
    refuse_launch_problems(config);
  } catch (const Error& e) {
    store->set_status(run, "failed", e.what());
    throw;
  }
  TrainerSetup setup;
  setup.cache_dir = run_cache_dir(config);
  setup.checkpoint_dir = run_checkpoint_dir(config, run);
  const fs::path last = setup.checkpoint_dir / "last.safetensors";
  // Only a requeued run resumes: it has recorded steps. A fresh one whose folder holds a file of
  // an earlier store's run of the same id starts from the start (and overwrites it).
  std::error_code ec;
  if (stored.info.last_step > 0 && fs::exists(last, ec)) setup.resume_from = last;
  observers.insert(observers.begin(), std::make_shared<StoreRecorder>(store, run));
  LaunchedRun launched;
  launched.run = run;
  launched.store = store_file;
  launched.session = TrainingSession::start(config, setup, std::move(observers));
  return launched;
}

LaunchedRun resume_run(const fs::path& store_file, int64_t run,
                       std::vector<std::shared_ptr<TrainingObserver>> observers,
                       const DistributedPart& part) {
  StoredRun stored = load_stored_run(store_file, run);
  const RunInfo& info = stored.info;
  if (info.status == "queued") {
    throw Error("Run " + std::to_string(run) +
                " is queued and has not started yet: start it with its study (hyperformer study)");
  }
  if (info.status == "finished") {
    throw Error("Run " + std::to_string(run) +
                " has finished; start a new run from its config "
                "instead (hyperformer runs show --run " +
                std::to_string(run) + " prints it)");
  }
  // Rank 0 may already have marked it running: only the writer checks.
  if (part.writes() && (info.status == "running" || info.status == "paused")) {
    throw Error("Run " + std::to_string(run) + " is " + info.status + " in process " +
                std::to_string(info.pid) + " on " + info.host +
                "; stop it there first (two writers would interleave its curves)");
  }
  const ExperimentConfig& config = stored.config;
  TrainerSetup setup;
  setup.checkpoint_dir = run_checkpoint_dir(config, run);
  setup.cache_dir = run_cache_dir(config);
  const fs::path last = setup.checkpoint_dir / "last.safetensors";
  if (!fs::exists(last)) {
    throw Error("Run " + std::to_string(run) + " has no checkpoint to resume from ('" +
                last.string() + "' is missing): it stopped before its first checkpoint");
  }
  setup.resume_from = last;
  if (part.writes()) {
    std::shared_ptr<RunStore> store = RunStore::open(store_file);
    observers.insert(observers.begin(), std::make_shared<StoreRecorder>(store, run));
  }
  LaunchedRun launched;
  launched.run = run;
  launched.store = store_file;
  launched.session =
      TrainingSession::start(config, distributed_setup(setup, part), std::move(observers));
  return launched;
}

}  // namespace hwb
