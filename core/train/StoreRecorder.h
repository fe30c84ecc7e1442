#pragma once

#include <memory>

#include "core/train/TrainingObserver.h"

namespace hwb {

class RunStore;

// An evaluation's rows: each task's metrics and score and the average at (step, split), and, with
// `predictions`, every generated output. Buffered; the caller flushes. What the recorder and
// `hyperformer eval` both write.
void record_evaluation(RunStore& store, int64_t run, const EvaluationResult& result,
                       bool predictions);

// The run store as a training observer: scalars, evaluations (metrics, and predictions of the best
// one), weight statistics and task similarity, checkpoints, log lines and the run's status, written
// from the training thread in batched transactions.
class StoreRecorder : public TrainingObserver {
 public:
  StoreRecorder(std::shared_ptr<RunStore> store, int64_t run);

  int64_t run() const { return run_; }
  void on_started(int64_t run, int64_t resumed_from_step) override;
  void on_parameters(const ParameterReport& report) override;
  void on_progress(const TrainingProgress& progress) override;
  void on_scalars(int64_t step, double wall_time,
                  const std::vector<std::pair<std::string, double>>& values) override;
  void on_evaluation(const EvaluationResult& result, bool best) override;
  void on_weight_statistics(int64_t step, const WeightStatistics& stats) override;
  void on_checkpoint(int64_t step, const std::string& path, double score, bool best) override;
  void on_log(const std::string& level, const std::string& message) override;
  void on_finished(RunOutcome outcome, const std::string& message) override;

 private:
  std::shared_ptr<RunStore> store_;
  int64_t run_;
  bool paused_ = false;
};

}  // namespace hwb
