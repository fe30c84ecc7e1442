#pragma once

// A TrainingObserver that keeps what a run reports, thread-safely, and a helper that trains one
// run to its end with it: for the tests of the training engine (tst_trainer, tst_pretraining).
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <tuple>
#include <vector>

#include <QtGlobal>

#include "core/train/TrainingSession.h"

namespace hwb::test {

class Recorder : public TrainingObserver {
 public:
  void on_started(int64_t, int64_t resumed_from_step) override {
    std::lock_guard lock(mutex_);
    resumed_from = resumed_from_step;
  }
  void on_scalars(int64_t step, double,
                  const std::vector<std::pair<std::string, double>>& values) override {
    std::lock_guard lock(mutex_);
    for (const auto& [tag, v] : values) {
      if (tag == "loss") losses[step] = v;
    }
  }
  void on_progress(const TrainingProgress& p) override {
    std::lock_guard lock(mutex_);
    last_step = p.step;
    paused = p.paused;
  }
  void on_evaluation(const EvaluationResult& r, bool) override {
    std::lock_guard lock(mutex_);
    evaluations.push_back(r);
  }
  void on_checkpoint(int64_t step, const std::string& path, double, bool best) override {
    std::lock_guard lock(mutex_);
    checkpoints.emplace_back(step, path, best);
  }
  void on_finished(RunOutcome o, const std::string& m) override {
    std::lock_guard lock(mutex_);
    outcome = o;
    message = m;
  }
  int64_t step() {
    std::lock_guard lock(mutex_);
    return last_step;
  }
  // Whether the trainer said it is held by a pause: it reports that from between two steps, once
  // the step in flight has finished, and then waits.
  bool held() {
    std::lock_guard lock(mutex_);
    return paused;
  }

  std::mutex mutex_;
  std::map<int64_t, double> losses;
  std::vector<EvaluationResult> evaluations;
  std::vector<std::tuple<int64_t, std::string, bool>> checkpoints;
  RunOutcome outcome = RunOutcome::kFailed;
  std::string message;
  int64_t last_step = 0;
  int64_t resumed_from = -1;  // the step a resumed run continued from (0: a fresh start)
  bool paused = false;
};

// Trains `c` to its end on this thread's behalf; a failed run is printed, the Recorder says how
// it ended.
inline std::shared_ptr<Recorder> record_run(const ExperimentConfig& c, const TrainerSetup& s) {
  auto rec = std::make_shared<Recorder>();
  auto session = TrainingSession::start(c, s, {rec});
  session->wait();
  if (session->state() == TrainingSession::State::kFailed) qWarning("%s", session->error().c_str());
  return rec;
}

}  // namespace hwb::test
