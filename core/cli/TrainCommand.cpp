#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <csignal>
#include <iostream>

#include "core/cli/Commands.h"
#include "core/cli/ConsoleProgress.h"
#include "core/train/RunLauncher.h"
#include "core/util/Error.h"

namespace hwb::cli {

namespace {

struct TrainOptions {
  std::string config;
  bool demo = false;
  std::string store;
  std::string device;
  int64_t steps = 0;
  std::string checkpoint_dir;
  bool print_config = false;
};

// Ctrl-C asks the session to stop (checkpoint saved); a second Ctrl-C ends the process at once.
std::atomic<TrainingSession*> g_session{nullptr};
void on_interrupt(int) {
  if (TrainingSession* s = g_session.load()) {
    s->stop();
    std::signal(SIGINT, SIG_DFL);
  }
}

ExperimentConfig read_config(const TrainOptions& o) {
  if (o.demo == !o.config.empty()) throw Error("Give exactly one of --config FILE or --demo");
  ExperimentConfig c = o.demo ? ExperimentConfig::demo() : ExperimentConfig::load(o.config);
  if (!o.store.empty()) c.store = o.store;
  if (!o.device.empty()) c.device = o.device;
  if (o.steps > 0) {
    c.steps = o.steps;
    // A short trial run of a preset keeps the schedule's shape rather than being refused.
    if (c.warmup_steps >= c.steps) c.warmup_steps = c.steps / 10;
  }
  if (!o.checkpoint_dir.empty()) c.checkpoint_dir = o.checkpoint_dir;
  return c;
}

// Runs until the session ends; Ctrl-C stops it with a checkpoint.
int follow(LaunchedRun launched) {
  std::cout << "run " << launched.run << " in " << launched.store.string() << std::endl;
  g_session = launched.session.get();
  std::signal(SIGINT, on_interrupt);
  launched.session->wait();
  g_session = nullptr;
  std::signal(SIGINT, SIG_DFL);
  const auto state = launched.session->state();
  if (state == TrainingSession::State::kStopped) {
    std::cout << "stopped; continue with: hyperformer resume --store " << launched.store.string()
              << " --run " << launched.run << std::endl;
  }
  return state == TrainingSession::State::kFailed ? 1 : 0;
}

}  // namespace

void add_train_command(CLI::App& app) {
  auto o = std::make_shared<TrainOptions>();
  CLI::App* cmd = app.add_subcommand(
      "train", "Train an experiment; progress on the terminal, everything into the run store");
  cmd->add_option("--config", o->config,
                  "Experiment JSON (a preset from resources/presets, or "
                  "one saved by the workbench)");
  cmd->add_flag(
      "--demo", o->demo,
      "The built-in demo: tiny T5, Hyperformer++, SST-2 and RTE samples (no files needed)");
  cmd->add_option("--store", o->store, "Run store file (overrides output.store)");
  cmd->add_option("--device", o->device, "cpu, cuda or cuda:N (overrides training.device)");
  cmd->add_option("--steps", o->steps,
                  "Training steps (overrides training.steps; a warm-up that would not fit becomes "
                  "a tenth of them)");
  cmd->add_option("--checkpoint-dir", o->checkpoint_dir, "Overrides output.checkpoint_dir");
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
    const int rc = follow(launch_run(config, {std::make_shared<ConsoleProgress>()}));
    if (rc != 0) throw CLI::RuntimeError(rc);
  });
}

void add_resume_command(CLI::App& app) {
  auto store = std::make_shared<std::string>("runs.db");
  auto run = std::make_shared<int64_t>(0);
  CLI::App* cmd = app.add_subcommand(
      "resume", "Continue a stopped or interrupted run from its last checkpoint, same curves");
  cmd->add_option("--store", *store, "Run store file")->capture_default_str();
  cmd->add_option("--run", *run, "Run id (hyperformer runs list)")->required();
  cmd->callback([store, run] {
    const int rc = follow(resume_run(*store, *run, {std::make_shared<ConsoleProgress>()}));
    if (rc != 0) throw CLI::RuntimeError(rc);
  });
}

}  // namespace hwb::cli
