#include "core/train/RunLauncher.h"

#include <nlohmann/json.hpp>

#include "core/model/DeviceSpec.h"
#include "core/store/RunStore.h"
#include "core/store/RunStoreReader.h"
#include "core/train/ExperimentData.h"
#include "core/train/RunFolders.h"
#include "core/train/StoreRecorder.h"
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

std::vector<std::string> launch_problems(const ExperimentConfig& config) {
  std::vector<std::string> problems = config.problems();
  try {
    parse_device(config.device);
  } catch (const std::exception& e) {
    problems.push_back(std::string("training.device: ") + e.what());
  }
  if (config.backbone != ExperimentConfig::kBuiltinTinyBackbone && !config.backbone.empty()) {
    const fs::path folder = config.backbone;
    std::error_code ec;
    if (!fs::is_regular_file(folder / "config.json", ec)) {
      problems.push_back("backbone: '" + config.backbone + "' " +
                         (fs::is_directory(folder, ec) ? "has no config.json" : "is not a folder") +
                         ": choose a Hugging Face T5 folder (config.json and model.safetensors) or "
                         "builtin:tiny");
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

LaunchedRun launch_run(const ExperimentConfig& config,
                       std::vector<std::shared_ptr<TrainingObserver>> observers) {
  const std::vector<std::string> problems = launch_problems(config);
  if (!problems.empty()) {
    std::string message = "The experiment '" + config.name + "' cannot start:";
    for (const std::string& p : problems) message += "\n  " + p;
    throw Error(message);
  }
  std::shared_ptr<RunStore> store = RunStore::open(config.store);
  LaunchedRun launched;
  launched.store = config.store;
  launched.run = store->create_run(config.name, config.name, config.to_json().dump(), config.device,
                                   versions_json());
  TrainerSetup setup;
  setup.checkpoint_dir = run_checkpoint_dir(config, launched.run);
  setup.cache_dir = run_cache_dir(config);
  observers.insert(observers.begin(), std::make_shared<StoreRecorder>(store, launched.run));
  launched.session = TrainingSession::start(config, setup, std::move(observers));
  return launched;
}

LaunchedRun resume_run(const fs::path& store_file, int64_t run,
                       std::vector<std::shared_ptr<TrainingObserver>> observers) {
  const auto reader = RunStoreReader::open(store_file);
  const std::optional<RunInfo> info = reader->run(run);
  if (!info) throw Error("Run " + std::to_string(run) + " is not in '" + store_file.string() + "'");
  if (info->status == "finished") {
    throw Error("Run " + std::to_string(run) +
                " has finished; start a new run from its config "
                "instead (hyperformer runs show --run " +
                std::to_string(run) + " prints it)");
  }
  if (info->status == "running" || info->status == "paused") {
    throw Error("Run " + std::to_string(run) + " is " + info->status + " in process " +
                std::to_string(info->pid) + " on " + info->host +
                "; stop it there first (two writers would interleave its curves)");
  }
  ExperimentConfig config = ExperimentConfig::from_json(nlohmann::json::parse(info->config_json),
                                                        "the config of run " + std::to_string(run));
  config.store = store_file.string();
  TrainerSetup setup;
  setup.checkpoint_dir = run_checkpoint_dir(config, run);
  setup.cache_dir = run_cache_dir(config);
  const fs::path last = setup.checkpoint_dir / "last.safetensors";
  if (!fs::exists(last)) {
    throw Error("Run " + std::to_string(run) + " has no checkpoint to resume from ('" +
                last.string() + "' is missing): it stopped before its first checkpoint");
  }
  setup.resume_from = last;
  std::shared_ptr<RunStore> store = RunStore::open(store_file);
  observers.insert(observers.begin(), std::make_shared<StoreRecorder>(store, run));
  LaunchedRun launched;
  launched.run = run;
  launched.store = store_file;
  launched.session = TrainingSession::start(config, setup, std::move(observers));
  return launched;
}

}  // namespace hwb
