#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <fstream>
#include <iostream>

#include "core/cli/Commands.h"
#include "core/store/RunStore.h"
#include "core/train/CheckpointEvaluation.h"
#include "core/train/StoreRecorder.h"
#include "core/util/AtomicFileWriter.h"
#include "core/util/Error.h"

namespace hwb::cli {

namespace {

struct EvalOptions {
  std::string store = "runs.db";
  int64_t run = 0;
  std::string checkpoint = "best";
  std::string split = "test";
  std::vector<std::string> tasks;
  std::string device;
  std::string out;
  bool no_store = false;
};

void run_eval(const EvalOptions& o) {
  StoredRunEvaluation request;
  request.store = o.store;
  request.run = o.run;
  request.checkpoint = o.checkpoint;
  request.split = o.split;
  request.tasks = o.tasks;
  request.device = o.device;
  const EvaluationResult result = evaluate_stored_run(request);
  std::cout << "run " << o.run << ", " << o.checkpoint << " checkpoint, " << o.split
            << " split: average " << result.average << "\n";
  for (const TaskEvaluation& t : result.tasks) {
    std::cout << "  " << t.task << ": score " << t.score;
    for (const auto& [metric, value] : t.metrics) std::cout << ", " << metric << " " << value;
    std::cout << " (" << t.examples << " examples)\n";
  }
  // The run's own checkpoints are scored at their step, as the run would have stored them; a
  // checkpoint file from elsewhere has no step in this run and is only printed.
  const bool stored_checkpoint = o.checkpoint == "best" || o.checkpoint == "last";
  if (!o.no_store && stored_checkpoint && result.step > 0) {
    const auto store = RunStore::open(o.store);
    record_evaluation(*store, o.run, result, true);
    store->flush();
    std::cout << "scores and predictions stored with run " << o.run << " at step " << result.step
              << " (" << o.split << ")\n";
  }
  if (!o.out.empty()) {
    AtomicFileWriter out(o.out);
    for (const TaskEvaluation& t : result.tasks) {
      for (std::size_t i = 0; i < t.predictions.size(); ++i) {
        out.write(nlohmann::json{{"task", t.task},
                                 {"split", o.split},
                                 {"index", i},
                                 {"input", t.inputs[i]},
                                 {"target", t.golds[i]},
                                 {"prediction", t.predictions[i]}}
                      .dump() +
                  "\n");
      }
    }
    out.commit();
    std::cout << "predictions written to " << o.out << "\n";
  }
}

}  // namespace

void add_eval_command(CLI::App& app) {
  auto o = std::make_shared<EvalOptions>();
  CLI::App* cmd = app.add_subcommand(
      "eval",
      "Evaluate a stored run's checkpoint on chosen tasks and a split, writing predictions");
  cmd->add_option("--store", o->store, "Run store file")->capture_default_str();
  cmd->add_option("--run", o->run, "Run id")->required();
  cmd->add_option("--checkpoint", o->checkpoint,
                  "best (the best evaluation's adapters), last (the resumable checkpoint), or a "
                  "file")
      ->capture_default_str();
  cmd->add_option("--split", o->split, "validation or test")
      ->check(CLI::IsMember({"validation", "test"}))
      ->capture_default_str();
  cmd->add_option("--tasks", o->tasks, "Only these tasks (default: all of the run's)")
      ->delimiter(',');
  cmd->add_option("--device", o->device, "cpu, cuda or cuda:N (default: the run's)");
  cmd->add_option("--out", o->out, "Write predictions as JSON lines to this file");
  cmd->add_flag("--no-store", o->no_store,
                "Only print: do not store the scores and predictions with the run (they are "
                "stored for its best and last checkpoints otherwise)");
  cmd->callback([o] { run_eval(*o); });
}

}  // namespace hwb::cli
