#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <iostream>
#include <optional>

#include "core/cli/Commands.h"
#include "core/cli/ConsoleProgress.h"
#include "core/cli/LocalProcesses.h"
#include "core/cli/RunFollow.h"
#include "core/model/ComputeDevices.h"
#include "core/model/DeviceSpec.h"
#include "core/store/ProcessLiveness.h"
#include "core/store/RunStoreReader.h"
#include "core/train/DistributedGroup.h"
#include "core/train/ExperimentSettings.h"
#include "core/train/RunLauncher.h"
#include "core/train/StoredRun.h"
#include "core/util/Error.h"

namespace hwb::cli {

namespace {

struct TrainOptions {
  bool pretrain = false;  // `pretrain` rather than `train`
  std::string config;
  bool demo = false;                 // train --demo, or pretrain --recipe
  std::vector<std::string> corpora;  // pretrain --corpus FILE[:WEIGHT]
  std::string out;                   // pretrain --out DIR
  std::string store;
  std::string device;
  std::optional<int64_t> steps;
  std::string checkpoint_dir;
  std::vector<std::string> sets;  // --set PATH=VALUE, in order
  bool print_config = false;
  int nproc = 1;
};

// How long a rank waits for the others in one collective: rank 0 evaluates while the rest wait,
// so this bounds an evaluation, not a step.
constexpr std::chrono::minutes kCollectiveTimeout{60};

// This process's part in a data-parallel run started by torchrun or --nproc (WORLD_SIZE set), or
// none. The rendezvous happens here, before anything is recorded.
// The device of each of `per_host` processes on this host: "cuda" gives each its own GPU (by local
// rank), so there must be as many; a fixed "cuda:N" would put them all on one GPU.
c10::Device check_processes_fit(const std::string& device_text, int per_host) {
  const c10::Device device = parse_device(device_text);
  if (!device.is_cuda()) return device;
  if (device.has_index()) {
    throw Error("--device " + device_text + " names one GPU for " + std::to_string(per_host) +
                " processes: use --device cuda, and each process takes its own GPU");
  }
  const auto gpus = static_cast<int>(detect_compute_devices().size()) - 1;  // the first: the CPU
  if (per_host > gpus) {
    throw Error(std::to_string(per_host) + " processes with --device cuda need " +
                std::to_string(per_host) + " GPUs; this machine has " + std::to_string(gpus) +
                ": start at most " + std::to_string(gpus) + " per host (or train on the CPU)");
  }
  return device;
}

DistributedPart join_distributed(const std::string& device_text) {
  const std::optional<DistributedEnv> env = DistributedEnv::from_environment();
  if (!env || env->world_size == 1) return {};
  c10::Device device = check_processes_fit(device_text, env->local_rank + 1);
  if (device.is_cuda())
    device = c10::Device(c10::kCUDA, static_cast<c10::DeviceIndex>(env->local_rank));
  DistributedPart part;
  part.group = DistributedGroup::join(*env, device, kCollectiveTimeout);
  return part;
}

// The run that process `pid` of this host recorded in `store` (rank 0 of a --nproc run), if any.
std::optional<int64_t> run_written_by(const std::string& store, pid_t pid) {
  std::error_code ec;
  if (!std::filesystem::exists(store, ec)) return std::nullopt;
  const std::string host = current_host_name();
  for (const RunInfo& r : RunStoreReader::open(store)->runs()) {
    if (r.pid == pid && r.host == host) return r.id;
  }
  return std::nullopt;
}

std::string resume_command(const std::string& store, int64_t run, int nproc) {
  return "hyperformer resume --store " + store + " --run " + std::to_string(run) + " --nproc " +
         std::to_string(nproc);
}

// Only rank 0 talks to the terminal; the others speak up when they fail.
std::vector<std::shared_ptr<TrainingObserver>> console_for(const DistributedPart& part) {
  if (!part.writes()) return {};
  return {std::make_shared<ConsoleProgress>()};
}

// "FILE" or "FILE:WEIGHT" (a path that itself ends in ':<number>' can be written "FILE:1").
CorpusSource parse_corpus(const std::string& text) {
  CorpusSource s;
  s.path = text;
  const std::size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) return s;
  try {
    std::size_t used = 0;
    const double weight = std::stod(text.substr(colon + 1), &used);
    if (used == text.size() - colon - 1) {
      s.path = text.substr(0, colon);
      s.weight = weight;
    }
  } catch (const std::exception&) {
  }
  return s;
}

ExperimentConfig read_pretraining_config(const TrainOptions& o) {
  if (o.demo == !o.config.empty()) throw Error("Give exactly one of --config FILE or --recipe");
  ExperimentConfig c =
      o.demo ? ExperimentConfig::pretraining_recipe() : ExperimentConfig::load(o.config);
  if (!c.pretraining) {
    throw Error("'" + o.config +
                "' has no pretraining section: train it with 'hyperformer train', or start a "
                "pretraining config from 'hyperformer pretrain --recipe --print-config'");
  }
  if (!o.corpora.empty()) {
    c.pretraining->corpora.clear();
    for (const std::string& text : o.corpora) c.pretraining->corpora.push_back(parse_corpus(text));
  }
  if (!o.out.empty()) c.pretraining->output = o.out;
  return c;
}

ExperimentConfig read_config(const TrainOptions& o) {
  ExperimentConfig c;
  if (o.pretrain) {
    c = read_pretraining_config(o);
  } else {
    if (o.demo == !o.config.empty()) throw Error("Give exactly one of --config FILE or --demo");
    c = o.demo ? ExperimentConfig::demo() : ExperimentConfig::load(o.config);
  }
  if (!o.store.empty()) c.store = o.store;
  if (!o.device.empty()) c.device = o.device;
  if (o.steps) {
    c.steps = *o.steps;
    // A short trial run of a preset keeps the schedule's shape rather than being refused.
    if (c.warmup_steps >= c.steps) c.warmup_steps = c.steps / 10;
  }
  if (!o.checkpoint_dir.empty()) c.checkpoint_dir = o.checkpoint_dir;
  for (const std::string& assignment : o.sets) apply_setting(experiment_settings(), c, assignment);
  // The overrides are checked like the file: --steps 0 is refused with its path, not ignored.
  c.validate();
  return c;
}

// Runs until the session ends; Ctrl-C stops it with a checkpoint.
int follow(LaunchedRun launched, const DistributedPart& part) {
  if (part.writes())
    std::cout << "run " << launched.run << " in " << launched.store.string() << std::endl;
  const auto state = follow_run(launched);
  if (!part.writes()) {
    if (state == TrainingSession::State::kFailed) {
      std::cerr << "rank " << part.group->rank() << ": " << launched.session->error() << std::endl;
    }
    return state == TrainingSession::State::kFailed ? 1 : 0;
  }
  if (state == TrainingSession::State::kStopped) {
    std::cout << "stopped; continue with: hyperformer resume --store " << launched.store.string()
              << " --run " << launched.run
              << (part.group ? " --nproc " + std::to_string(part.group->world_size()) : "")
              << std::endl;
  }
  return state == TrainingSession::State::kFailed ? 1 : 0;
}

}  // namespace

// `train` and `pretrain`: one run of an experiment, the same options and the same run; they
// differ in the config they start from.
void add_run_command(CLI::App& app, bool pretrain) {
  auto o = std::make_shared<TrainOptions>();
  o->pretrain = pretrain;
  CLI::App* cmd = nullptr;
  if (pretrain) {
    cmd = app.add_subcommand(
        "pretrain",
        "Pretrain a T5 with span corruption on plain-text corpora (a run like any other), then "
        "write it as a Hugging Face folder");
    cmd->add_option("--config", o->config,
                    "Experiment JSON with a pretraining section (start from --recipe "
                    "--print-config)");
    cmd->add_flag("--recipe", o->demo,
                  "The recipe builtin:t5-mini was made with (docs/PRETRAINING.md): corpora in "
                  "build-corpus/ from tools/corpus/make_pretraining_corpus.py");
    cmd->add_option("--corpus", o->corpora,
                    "A text file, one document or sentence a line, as FILE or FILE:WEIGHT; "
                    "repeat for several (replaces pretraining.corpora)");
    cmd->add_option("--out", o->out,
                    "The Hugging Face folder written at the end (overrides pretraining.output)");
  } else {
    cmd = app.add_subcommand(
        "train", "Train an experiment; progress on the terminal, everything into the run store");
    cmd->add_option("--config", o->config,
                    "Experiment JSON (a preset from resources/presets, or "
                    "one saved by the workbench)");
    cmd->add_flag("--demo", o->demo,
                  "The built-in demo: Hyperformer++ on builtin:t5-mini, frozen; SST-2 and RTE "
                  "samples (no files "
                  "needed)");
  }
  cmd->add_option("--store", o->store, "Run store file (overrides output.store)");
  cmd->add_option("--device", o->device, "cpu, cuda or cuda:N (overrides training.device)");
  cmd->add_option("--steps", o->steps,
                  "Training steps (overrides training.steps; a warm-up that would not fit becomes "
                  "a tenth of them)");
  cmd->add_option("--checkpoint-dir", o->checkpoint_dir, "Overrides output.checkpoint_dir");
  cmd->add_option("--set", o->sets,
                  "PATH=VALUE: any setting, e.g. --set training.learning_rate=1e-3 or --set "
                  "variant.reduction_factor=16; repeat for several ('hyperformer settings' lists "
                  "them)");
  cmd->add_option("--nproc", o->nproc,
                  "Data-parallel training on this host: start N processes (one per GPU with "
                  "--device cuda; Gloo on CPU), training.batch_size per process. torchrun's "
                  "RANK/WORLD_SIZE/MASTER_ADDR/MASTER_PORT are honoured without it")
      ->check(CLI::Range(1, 64));
  cmd->add_flag("--print-config", o->print_config,
                "Validate, print the experiment JSON (overrides applied) and exit: a start for a "
                "config file of your own");
  cmd->callback([o] {
    const ExperimentConfig config = read_config(*o);
    if (o->print_config) {
      config.validate();
      std::cout << config.to_json().dump(2) << std::endl;
      return;
    }
    if (o->nproc > 1) {
      config.validate();
      check_processes_fit(config.device, o->nproc);
      const int rc = run_local_processes(o->nproc, arguments_without_nproc(), [&](pid_t rank0) {
        const std::optional<int64_t> run = run_written_by(config.store, rank0);
        return run ? resume_command(config.store, *run, o->nproc) : std::string();
      });
      if (rc != 0) throw CLI::RuntimeError(rc);
      return;
    }
    const DistributedPart part = join_distributed(config.device);
    const int rc = follow(launch_run(config, console_for(part), part), part);
    if (rc != 0) throw CLI::RuntimeError(rc);
  });
}

void add_train_command(CLI::App& app) {
  add_run_command(app, false);
}

void add_pretrain_command(CLI::App& app) {
  add_run_command(app, true);
}

void add_resume_command(CLI::App& app) {
  auto store = std::make_shared<std::string>("runs.db");
  auto run = std::make_shared<int64_t>(0);
  auto nproc = std::make_shared<int>(1);
  CLI::App* cmd = app.add_subcommand(
      "resume", "Continue a stopped or interrupted run from its last checkpoint, same curves");
  cmd->add_option("--store", *store, "Run store file")->capture_default_str();
  cmd->add_option("--run", *run, "Run id (hyperformer runs list)")->required();
  cmd->add_option("--nproc", *nproc,
                  "Processes of a data-parallel run: as many as it was trained with")
      ->check(CLI::Range(1, 64));
  cmd->callback([store, run, nproc] {
    if (*nproc > 1) {
      check_processes_fit(load_stored_run(*store, *run).config.device, *nproc);
      const int rc = run_local_processes(*nproc, arguments_without_nproc(), [&](pid_t) {
        return resume_command(*store, *run, *nproc);
      });
      if (rc != 0) throw CLI::RuntimeError(rc);
      return;
    }
    // The rendezvous needs the run's device before the run is opened for training.
    const DistributedPart part = DistributedEnv::from_environment()
                                     ? join_distributed(load_stored_run(*store, *run).config.device)
                                     : DistributedPart{};
    const int rc = follow(resume_run(*store, *run, console_for(part), part), part);
    if (rc != 0) throw CLI::RuntimeError(rc);
  });
}

}  // namespace hwb::cli
