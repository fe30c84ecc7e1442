#include <CLI/CLI.hpp>

#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <map>
#include <set>
#include <string>
#include <thread>

#include "core/cli/Commands.h"
#include "core/cli/ConsoleProgress.h"
#include "core/cli/LocalProcesses.h"
#include "core/cli/RunFollow.h"
#include "core/cli/StudyWorkers.h"
#include "core/model/ComputeDevices.h"
#include "core/store/ProcessLiveness.h"
#include "core/store/RunStoreReader.h"
#include "core/study/StudyQueue.h"
#include "core/study/StudyWorker.h"
#include "core/train/ExperimentSettings.h"
#include "core/train/RunLauncher.h"
#include "core/util/Error.h"

namespace hwb::cli {

namespace {

struct StudyOptions {
  std::string config;
  std::string store;
  std::string device;
  std::vector<std::string> sets;
  std::vector<int> gpus;     // --gpus 0,1: one worker process per GPU
  int workers = 0;           // --workers N: N worker processes on the CPU (or --device)
  bool worker = false;       // this process is one of those workers
  std::string device_label;  // what a worker records as its runs' device
  bool retry_failed = false;
  bool dry_run = false;
  bool yes = false;
};

StudySpec read_spec(const StudyOptions& o) {
  StudySpec spec = StudySpec::load(o.config);
  for (const std::string& assignment : o.sets) {
    apply_setting(experiment_settings(), spec.base, assignment);
  }
  if (!o.store.empty()) spec.base.store = o.store;
  if (!o.device.empty()) spec.base.device = o.device;
  spec.base.validate();
  return spec;
}

// A large grid is started only when a person says so: asked on a terminal, --yes otherwise.
void confirm_size(std::size_t runs, const StudyOptions& o) {
  if (runs <= StudySpec::kConfirmAbove || o.yes) return;
  if (!isatty(STDIN_FILENO)) {
    throw Error("The study makes " + std::to_string(runs) +
                " runs; pass --yes to start them all (or --dry-run to list them first)");
  }
  std::cout << "The study makes " << runs << " runs. Start them? [y/N] " << std::flush;
  std::string answer;
  std::getline(std::cin, answer);
  if (answer != "y" && answer != "Y" && answer != "yes") {
    throw Error("Not started: " + std::to_string(runs) + " runs were not confirmed");
  }
}

void print_grid(const std::vector<StudyCell>& cells) {
  for (const StudyCell& cell : cells) {
    std::cout << "  " << cell.index + 1 << ". " << cell.name << "\n";
  }
  std::cout << cells.size() << " run(s)" << std::endl;
}

std::string continue_command(const StudyOptions& o, const std::string& store) {
  std::string command = "hyperformer study --config " + o.config + " --store " + store;
  for (const std::string& s : o.sets) command += " --set " + s;
  if (!o.device.empty()) command += " --device " + o.device;
  if (!o.gpus.empty()) {
    command += " --gpus ";
    for (std::size_t i = 0; i < o.gpus.size(); ++i)
      command += (i ? "," : "") + std::to_string(o.gpus[i]);
  }
  if (o.workers > 0) command += " --workers " + std::to_string(o.workers);
  return command;
}

// The study's runs by status, as the store has them now.
std::map<std::string, int> status_counts(const std::filesystem::path& store, int64_t study) {
  std::map<std::string, int> counts;
  for (const RunInfo& r : RunStoreReader::open(store)->runs()) {
    if (r.study_id == study) ++counts[r.status];
  }
  return counts;
}

// Trains the study's queued runs one at a time in this process, until none is left or the person
// stops it (Ctrl-C: returns false).
bool train_queued_runs(const std::filesystem::path& store, int64_t study, std::size_t total,
                       const StudyWorkerDevice& where) {
  const auto refused = [](int64_t run, const std::string& why) {
    std::cerr << "run " << run << " could not start: " << why << std::endl;
  };
  while (true) {
    std::vector<std::shared_ptr<TrainingObserver>> console = {std::make_shared<ConsoleProgress>()};
    std::optional<LaunchedRun> launched =
        start_next_study_run(store, study, console, where, refused);
    if (!launched) return true;
    if (const auto info = RunStoreReader::open(store)->run(launched->run)) {
      std::cout << "[" << info->study_cell + 1 << "/" << total << "] run " << info->id << " \""
                << info->name << "\"" << (info->last_step > 0 ? " (resumed)" : "") << std::endl;
    }
    const TrainingSession::State end = follow_run(*launched);
    if (end == TrainingSession::State::kStopped) return false;
    if (end == TrainingSession::State::kFailed) {
      std::cerr << "run " << launched->run << " failed: " << launched->session->error()
                << std::endl;
    }
  }
}

// The GPUs that live runs of this store on this host are using: a run recorded as "cuda:K",
// "cuda (GPU K)", "cuda" (GPU 0) or "cuda (N processes, ...)" (GPUs 0..N-1).
std::map<int, std::string> gpus_in_use(const std::filesystem::path& store) {
  std::map<int, std::string> used;
  std::error_code ec;
  if (!std::filesystem::exists(store, ec)) return used;
  const std::string host = current_host_name();
  for (const RunInfo& r : RunStoreReader::open(store)->runs()) {
    if ((r.status != "running" && r.status != "paused") || r.host != host) continue;
    if (r.device.rfind("cuda", 0) != 0) continue;
    const std::string who = "run " + std::to_string(r.id) + " (" + r.device + ")";
    int first = 0, count = 1;
    if (std::sscanf(r.device.c_str(), "cuda:%d", &first) == 1 ||
        std::sscanf(r.device.c_str(), "cuda (GPU %d)", &first) == 1) {
    } else if (std::sscanf(r.device.c_str(), "cuda (%d processes", &count) == 1) {
      first = 0;
    }
    for (int g = first; g < first + count; ++g) used[g] = who;
  }
  return used;
}

// Before anything starts: the GPUs exist, are named once, and no live run of the store (a
// data-parallel one, another study's worker) trains on them.
void check_gpus(const StudyOptions& o, const std::filesystem::path& store) {
  const int available = static_cast<int>(detect_compute_devices().size()) - 1;  // first: the CPU
  std::set<int> seen;
  for (int g : o.gpus) {
    if (g < 0 || g >= available) {
      throw Error("--gpus " + std::to_string(g) + ": this machine has " +
                  std::to_string(available) + " GPU(s)" +
                  (available > 0 ? " (0 to " + std::to_string(available - 1) + ")" : "") +
                  "; name only those");
    }
    if (!seen.insert(g).second) throw Error("--gpus names GPU " + std::to_string(g) + " twice");
  }
  const std::map<int, std::string> used = gpus_in_use(store);
  for (int g : o.gpus) {
    if (const auto it = used.find(g); it != used.end()) {
      throw Error("GPU " + std::to_string(g) + " is busy with " + it->second + " of " +
                  store.string() +
                  ": two runs on one GPU would fight over it; leave it out of --gpus, or wait "
                  "for that run");
    }
  }
}

// One worker process per GPU (pinned with CUDA_VISIBLE_DEVICES), or per --workers slot; each
// claims queued runs until none is left. Progress comes from the store.
void run_workers(const StudyOptions& o, const StudyState& state) {
  const std::size_t total = state.entries.size();
  std::vector<StudyWorker> workers;
  std::vector<std::string> args = arguments_without({"--gpus", "--workers", "--device"});
  args.push_back("--worker");
  const std::size_t count = o.gpus.empty() ? static_cast<std::size_t>(o.workers) : o.gpus.size();
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  const std::string threads =
      std::to_string(std::max<std::size_t>(1, cores / std::max<std::size_t>(1, count)));
  for (std::size_t i = 0; i < count; ++i) {
    StudyWorker w;
    w.arguments = args;
    w.environment = {"OMP_NUM_THREADS=" + threads};
    if (!o.gpus.empty()) {
      const std::string gpu = std::to_string(o.gpus[i]);
      w.name = "GPU " + gpu;
      w.environment.push_back("CUDA_VISIBLE_DEVICES=" + gpu);
      w.arguments.insert(w.arguments.end(),
                         {"--device", "cuda", "--device-label", "cuda (GPU " + gpu + ")"});
      w.log = state.store.string() + ".gpu" + gpu + ".log";
    } else {
      w.name = "worker " + std::to_string(i + 1);
      const std::string device = o.device.empty() ? std::string("cpu") : o.device;
      w.arguments.insert(w.arguments.end(), {"--device", device, "--device-label",
                                             device + " (worker " + std::to_string(i + 1) + ")"});
      w.log = state.store.string() + ".worker" + std::to_string(i + 1) + ".log";
    }
    workers.push_back(std::move(w));
  }
  std::map<int64_t, std::string> seen;
  const auto report = [&] {
    for (const RunInfo& r : RunStoreReader::open(state.store)->runs()) {
      if (r.study_id != state.study) continue;
      std::string& last = seen[r.id];
      if (last == r.status) continue;
      if (!last.empty() || r.status != "queued") {
        std::cout << "[" << r.study_cell + 1 << "/" << total << "] run " << r.id << " \"" << r.name
                  << "\": " << r.status
                  << (r.status == "running" ? " on " + r.device : std::string()) << std::endl;
      }
      last = r.status;
    }
  };
  report();
  run_study_workers(workers, report);
}

// Reports how the study stands and what to do next; throws for an exit status of 1 when runs
// failed.
void finish(const StudyOptions& o, const StudyState& state, bool stopped) {
  const std::string store = state.store.string();
  const std::map<std::string, int> counts = status_counts(state.store, state.study);
  const auto count = [&](const std::string& status) {
    const auto it = counts.find(status);
    return it == counts.end() ? 0 : it->second;
  };
  const int left = count("queued") + count("stopped") + count("interrupted");
  std::cout << "study '" << state.name << "': " << count("finished") << " of "
            << state.entries.size() << " run(s) finished";
  if (count("failed") > 0) std::cout << ", " << count("failed") << " failed";
  if (left > 0) std::cout << ", " << left << " to go";
  std::cout << std::endl;
  if (stopped || left > 0) {
    std::cout << "continue with: " << continue_command(o, store) << std::endl;
  }
  if (count("failed") > 0) {
    std::cout << "failed runs: hyperformer runs list --store " << store << "; run them again with "
              << continue_command(o, store) << " --retry-failed" << std::endl;
  }
  if (count("finished") > 0) {
    std::cout << "results: hyperformer runs table --store " << store << " --study '" << state.name
              << "'" << std::endl;
  }
  if (count("failed") > 0) throw CLI::RuntimeError(1);
}

void study(const StudyOptions& o) {
  if (!o.gpus.empty() && o.workers > 0) throw Error("Give --gpus or --workers, not both");
  const StudySpec spec = read_spec(o);
  if (o.worker) {
    // One of several: the parent queued the study; this process only claims and trains.
    const int64_t study = find_study(*RunStoreReader::open(spec.base.store), spec.name).id;
    train_queued_runs(spec.base.store, study, spec.run_count(), {o.device, o.device_label});
    return;
  }
  const std::vector<StudyCell> cells = spec.expand();
  if (o.dry_run) {
    std::cout << "study '" << spec.name << "' (nothing started):\n";
    print_grid(cells);
    return;
  }
  confirm_size(cells.size(), o);
  if (!o.gpus.empty()) check_gpus(o, spec.base.store);
  StudyState state = queue_study(spec, spec.base.store, o.retry_failed);
  std::map<StudyAction, int> counts;
  for (const StudyEntry& e : state.entries) ++counts[study_action(e.run)];
  std::cout << "study '" << state.name << "' in " << state.store.string() << ": "
            << state.entries.size() << " run(s)";
  for (const auto& [action, n] : counts) std::cout << ", " << n << " " << to_string(action);
  std::cout << std::endl;

  bool stopped = false;
  if (!o.gpus.empty() || o.workers > 0) {
    run_workers(o, state);
  } else {
    stopped = !train_queued_runs(state.store, state.study, state.entries.size(), {});
  }
  finish(o, state, stopped);
}

}  // namespace

void add_study_command(CLI::App& app) {
  auto o = std::make_shared<StudyOptions>();
  CLI::App* cmd = app.add_subcommand(
      "study",
      "Run a study: a base experiment and axes (any setting by its path, the seed too), every "
      "combination a run in one store; started again, it skips finished runs and resumes "
      "interrupted ones");
  cmd->add_option("--config", o->config,
                  "Study JSON ({\"study\", \"base\", \"axes\"}; docs/STUDIES.md), or an "
                  "experiment JSON (a study of one config; single-task: one run per task)")
      ->required();
  cmd->add_option("--store", o->store, "Run store file (overrides the base's output.store)");
  cmd->add_option("--device", o->device, "cpu, cuda or cuda:N (overrides training.device)");
  cmd->add_option("--set", o->sets,
                  "PATH=VALUE: a setting of the base experiment, e.g. --set training.steps=2000; "
                  "repeat for several");
  cmd->add_option("--gpus", o->gpus,
                  "Run several at once, one run per GPU: e.g. --gpus 0,1 (each worker pinned to "
                  "its GPU, the queue refilled as runs finish)")
      ->delimiter(',');
  cmd->add_option("--workers", o->workers,
                  "Run several at once in N worker processes on --device (default: the CPU), "
                  "each with its share of the cores")
      ->check(CLI::Range(1, 64));
  cmd->add_flag("--worker", o->worker, "(internal) one worker of --gpus or --workers")->group("");
  cmd->add_option("--device-label", o->device_label, "(internal) the device a worker records")
      ->group("");
  cmd->add_flag("--retry-failed", o->retry_failed, "Run failed runs again, from the start");
  cmd->add_flag("--dry-run", o->dry_run, "Validate and list the runs; start nothing");
  cmd->add_flag("--yes", o->yes,
                "Start a grid of more than " + std::to_string(StudySpec::kConfirmAbove) +
                    " runs without asking");
  cmd->callback([o] { study(*o); });
}

}  // namespace hwb::cli
