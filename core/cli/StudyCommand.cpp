#include <CLI/CLI.hpp>

#include <unistd.h>

#include <iostream>
#include <string>

#include "core/cli/Commands.h"
#include "core/cli/ConsoleProgress.h"
#include "core/cli/RunFollow.h"
#include "core/store/RunStore.h"
#include "core/study/StudyQueue.h"
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
  return command;
}

// Runs every cell that needs it, one at a time. Returns the number of failed runs, or -1 when the
// person stopped the study (Ctrl-C).
int run_study(StudyState& state, const StudyOptions& o) {
  int failed = 0;
  const std::size_t total = state.entries.size();
  for (std::size_t i = 0; i < total; ++i) {
    StudyEntry& entry = state.entries[i];
    const StudyAction action = study_action(entry.run);
    if (action == StudyAction::kFailed) ++failed;
    if (action != StudyAction::kStart && action != StudyAction::kResume) continue;
    std::cout << "[" << i + 1 << "/" << total << "] run " << entry.run.id << " \""
              << entry.cell.name << "\"" << (action == StudyAction::kResume ? " (resumed)" : "")
              << std::endl;
    std::vector<std::shared_ptr<TrainingObserver>> console = {std::make_shared<ConsoleProgress>()};
    LaunchedRun launched;
    try {
      launched = action == StudyAction::kStart
                     ? start_queued_run(state.store, entry.run.id, console, o.device)
                     : resume_run(state.store, entry.run.id, console);
    } catch (const Error& e) {
      // A run that cannot start (its data is missing, its device absent) fails alone; the study
      // goes on with the others, and the reason stays with the run.
      std::cerr << "run " << entry.run.id << " could not start: " << e.what() << std::endl;
      RunStore::open(state.store)->set_status(entry.run.id, "failed", e.what());
      ++failed;
      continue;
    }
    const TrainingSession::State end = follow_run(launched);
    if (end == TrainingSession::State::kStopped) return -1;
    if (end == TrainingSession::State::kFailed) {
      std::cerr << "run " << entry.run.id << " failed: " << launched.session->error() << std::endl;
      ++failed;
    }
  }
  return failed;
}

void study(const StudyOptions& o) {
  const StudySpec spec = read_spec(o);
  const std::vector<StudyCell> cells = spec.expand();
  if (o.dry_run) {
    std::cout << "study '" << spec.name << "' (nothing started):\n";
    print_grid(cells);
    return;
  }
  confirm_size(cells.size(), o);
  StudyState state = queue_study(spec, spec.base.store, o.retry_failed);
  std::map<StudyAction, int> counts;
  for (const StudyEntry& e : state.entries) ++counts[study_action(e.run)];
  std::cout << "study '" << state.name << "' in " << state.store.string() << ": "
            << state.entries.size() << " run(s)";
  for (const auto& [action, n] : counts) std::cout << ", " << n << " " << to_string(action);
  std::cout << std::endl;

  const int failed = run_study(state, o);
  const std::string store = state.store.string();
  if (failed < 0) {
    std::cout << "study stopped; continue with: " << continue_command(o, store) << std::endl;
    return;
  }
  std::cout << "study '" << state.name << "' done";
  if (failed > 0) {
    std::cout << ": " << failed << " run(s) failed (hyperformer runs list --store " << store
              << "; run them again with " << continue_command(o, store) << " --retry-failed)";
  }
  std::cout << "\nresults: hyperformer runs table --store " << store << " --study '" << state.name
            << "'" << std::endl;
  if (failed > 0) throw CLI::RuntimeError(1);
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
  cmd->add_flag("--retry-failed", o->retry_failed, "Run failed runs again, from the start");
  cmd->add_flag("--dry-run", o->dry_run, "Validate and list the runs; start nothing");
  cmd->add_flag("--yes", o->yes,
                "Start a grid of more than " + std::to_string(StudySpec::kConfirmAbove) +
                    " runs without asking");
  cmd->callback([o] { study(*o); });
}

}  // namespace hwb::cli
