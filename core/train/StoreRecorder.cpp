#include "core/train/StoreRecorder.h"

#include <chrono>
#include <cmath>

#include <nlohmann/json.hpp>

#include "core/store/RunStore.h"

namespace hwb {

namespace {

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

const char* stack_name(StackKind s) {
  return s == StackKind::kEncoder ? "encoder" : "decoder";
}
const char* position_name(SublayerKind p) {
  return p == SublayerKind::kFeedForward ? "feed_forward" : "self_attention";
}

}  // namespace

StoreRecorder::StoreRecorder(std::shared_ptr<RunStore> store, int64_t run)
    : store_(std::move(store)), run_(run) {}

void StoreRecorder::on_started(int64_t, int64_t resumed_from_step) {
  // Resuming: rows after the checkpoint's step were never part of the saved state; dropping them
  // makes the resumed curve continue without duplicates.
  store_->truncate_after(run_, resumed_from_step);
  store_->set_status(run_, "running");
  store_->heartbeat(run_);
  store_->flush();
}

void StoreRecorder::on_parameters(const ParameterReport& report) {
  store_->set_parameters(run_, report.to_json().dump());
}

void StoreRecorder::on_progress(const TrainingProgress& progress) {
  if (progress.paused != paused_) {
    paused_ = progress.paused;
    store_->set_status(run_, paused_ ? "paused" : "running");
    store_->flush();
  }
  store_->heartbeat(run_);
}

void StoreRecorder::on_scalars(int64_t step, double wall_time,
                               const std::vector<std::pair<std::string, double>>& values) {
  if (paused_) {
    paused_ = false;
    store_->set_status(run_, "running");
  }
  store_->add_scalars(run_, step, wall_time, values);
}

void record_evaluation(RunStore& store, int64_t run, const EvaluationResult& result,
                       bool predictions) {
  std::vector<MetricPoint> rows;
  for (const TaskEvaluation& t : result.tasks) {
    for (const auto& [metric, value] : t.metrics) {
      rows.push_back({result.step, t.task, result.split, metric, value});
    }
    rows.push_back({result.step, t.task, result.split, "score", t.score});
  }
  rows.push_back({result.step, "", result.split, "average", result.average});
  store.add_metrics(run, rows);
  if (!predictions) return;
  std::vector<Prediction> outputs;
  for (const TaskEvaluation& t : result.tasks) {
    for (std::size_t i = 0; i < t.predictions.size(); ++i) {
      outputs.push_back({result.step, t.task, result.split, static_cast<int64_t>(i), t.inputs[i],
                         t.golds[i], t.predictions[i]});
    }
  }
  store.add_predictions(run, outputs);
}

void StoreRecorder::on_evaluation(const EvaluationResult& result, bool best) {
  // Validation predictions of the best evaluation; test predictions whenever the split is scored.
  record_evaluation(*store_, run_, result, best || result.split != "validation");
  store_->flush();
}

void StoreRecorder::on_weight_statistics(int64_t step, const WeightStatistics& stats) {
  std::vector<WeightStat> rows;
  rows.reserve(stats.entries.size() * 3);
  for (const WeightStatistics::Entry& e : stats.entries) {
    const std::string base = e.tensor + "_";
    for (auto [name, value] :
         {std::pair{"norm", e.norm}, std::pair{"mean", e.mean}, std::pair{"std", e.std}}) {
      rows.push_back(
          {step, e.task, stack_name(e.stack), e.layer, position_name(e.where), base + name, value});
    }
  }
  store_->add_weight_stats(run_, rows);
  // Variants without task embeddings (plain adapters) have tasks but no similarities.
  if (!stats.tasks.empty() && !stats.similarity_raw.empty())
    store_->add_similarity(run_, {step, "raw", stats.tasks, stats.similarity_raw});
  if (!stats.tasks.empty() && !stats.similarity_projected.empty())
    store_->add_similarity(run_, {step, "projected", stats.tasks, stats.similarity_projected});
  store_->flush();
}

void StoreRecorder::on_checkpoint(int64_t step, const std::string& path, double score, bool best) {
  store_->add_checkpoint(run_, {step, path, std::isfinite(score) ? score : 0.0, best, now_ms()});
  store_->flush();
}

void StoreRecorder::on_log(const std::string& level, const std::string& message) {
  store_->log(run_, level, message);
}

void StoreRecorder::on_finished(RunOutcome outcome, const std::string& message) {
  store_->log(run_, outcome == RunOutcome::kFailed ? "error" : "info",
              std::string("run ") + to_string(outcome) + (message.empty() ? "" : ": " + message));
  store_->set_status(run_, to_string(outcome), message);
  store_->flush();
}

}  // namespace hwb
