#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/metrics/TaskScore.h"
#include "core/peft/ParameterReport.h"
#include "core/peft/WeightStatistics.h"

namespace hwb {

// A moment of a running session, for progress bars and status lines.
struct TrainingProgress {
  int64_t step = 0;
  int64_t total_steps = 0;
  double loss = 0;  // mean training loss since the previous report
  double learning_rate = 0;
  double examples_per_second = 0;
  double eta_seconds = 0;
  int64_t memory_bytes = 0;  // device memory in use (CUDA) or resident memory (CPU)
  bool paused = false;
};

struct TaskEvaluation {
  std::string task;
  MetricValues metrics;  // percentages
  double score = 0;      // mean of the task's metrics
  std::size_t examples = 0;
  std::vector<std::string> inputs, golds, predictions;  // in evaluation order
};

struct EvaluationResult {
  int64_t step = 0;
  std::string split = "validation";
  std::vector<TaskEvaluation> tasks;
  double average = 0;  // the run's score (METHOD.md section 5), used to pick the best checkpoint
};

// How a run ended.
enum class RunOutcome { kFinished, kStopped, kEarlyStopped, kFailed };
const char* to_string(RunOutcome outcome);

// Everything a session reports, through one interface with no-op defaults (STYLE.md point 9): the
// run store writer and the UI bridge are two observers; the trainer knows neither. Calls come from
// the session's thread; implementations that touch other threads' data synchronise themselves.
class TrainingObserver {
 public:
  virtual ~TrainingObserver() = default;
  // The run's id in the store (or 0) and the experiment's JSON; `resumed_from` > 0 on resume.
  virtual void on_started(int64_t /*run*/, int64_t /*resumed_from_step*/) {}
  // Once the model is built (also on resume): what it has and what trains.
  virtual void on_parameters(const ParameterReport& /*report*/) {}
  virtual void on_progress(const TrainingProgress& /*progress*/) {}
  // Named scalars of one step: "loss", "learning_rate", "examples_per_second", "loss/<task>", ...
  virtual void on_scalars(int64_t /*step*/, double /*wall_time*/,
                          const std::vector<std::pair<std::string, double>>& /*values*/) {}
  virtual void on_evaluation(const EvaluationResult& /*result*/, bool /*best*/) {}
  virtual void on_weight_statistics(int64_t /*step*/, const WeightStatistics& /*stats*/) {}
  virtual void on_checkpoint(int64_t /*step*/, const std::string& /*path*/, double /*score*/,
                             bool /*best*/) {}
  virtual void on_log(const std::string& /*level*/, const std::string& /*message*/) {}
  virtual void on_finished(RunOutcome /*outcome*/, const std::string& /*message*/) {}
};

}  // namespace hwb
