#include "core/metrics/TaskScore.h"

#include <array>
#include <cstddef>
#include <utility>
#include <vector>

#include "core/metrics/LabelPostprocess.h"
#include "core/metrics/Metrics.h"
#include "core/util/Error.h"

namespace hwb {
namespace {

constexpr std::array<std::pair<MetricKind, std::string_view>, 5> kMetricNames{{
    {MetricKind::kAccuracy, "accuracy"},
    {MetricKind::kF1, "f1"},
    {MetricKind::kMatthews, "mcc"},
    {MetricKind::kPearson, "pearson"},
    {MetricKind::kSpearman, "spearman"},
}};

void check_metric_list(std::span<const MetricKind> metrics) {
  if (metrics.empty()) throw Error("a task needs at least one metric");
  for (std::size_t i = 0; i < metrics.size(); ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      if (metrics[i] == metrics[j]) {
        throw Error("metric \"" + std::string(metric_name(metrics[i])) +
                    "\" is listed twice for one task");
      }
    }
  }
}

double mean_of(const MetricValues& values) {
  double sum = 0.0;
  for (const auto& [name, value] : values) sum += value;
  return sum / static_cast<double>(values.size());
}

}  // namespace

std::string_view metric_name(MetricKind kind) {
  for (const auto& [k, name] : kMetricNames) {
    if (k == kind) return name;
  }
  throw Error("unknown metric kind " + std::to_string(static_cast<int>(kind)));
}

MetricKind metric_from_name(std::string_view name) {
  std::string known;
  for (const auto& [kind, known_name] : kMetricNames) {
    if (known_name == name) return kind;
    known += (known.empty() ? "" : ", ") + std::string(known_name);
  }
  throw Error("unknown metric \"" + std::string(name) + "\"; known metrics: " + known);
}

bool is_correlation_metric(MetricKind kind) {
  return kind == MetricKind::kPearson || kind == MetricKind::kSpearman;
}

MetricValues classification_metrics(std::span<const int> predictions, std::span<const int> golds,
                                    std::span<const MetricKind> metrics) {
  check_metric_list(metrics);
  MetricValues values;
  for (MetricKind kind : metrics) {
    double fraction = 0.0;
    switch (kind) {
      case MetricKind::kAccuracy:
        fraction = accuracy(predictions, golds);
        break;
      case MetricKind::kF1:
        fraction = binary_f1(predictions, golds);
        break;
      case MetricKind::kMatthews:
        fraction = matthews_corrcoef(predictions, golds);
        break;
      case MetricKind::kPearson:
      case MetricKind::kSpearman:
        throw Error("metric \"" + std::string(metric_name(kind)) +
                    "\" needs numeric scores, not class labels");
    }
    values.emplace(metric_name(kind), 100.0 * fraction);
  }
  return values;
}

MetricValues regression_metrics(std::span<const double> predictions, std::span<const double> golds,
                                std::span<const MetricKind> metrics) {
  check_metric_list(metrics);
  MetricValues values;
  for (MetricKind kind : metrics) {
    double fraction = 0.0;
    switch (kind) {
      case MetricKind::kPearson:
        fraction = pearson_corrcoef(predictions, golds);
        break;
      case MetricKind::kSpearman:
        fraction = spearman_corrcoef(predictions, golds);
        break;
      case MetricKind::kAccuracy:
      case MetricKind::kF1:
      case MetricKind::kMatthews:
        throw Error("metric \"" + std::string(metric_name(kind)) +
                    "\" needs class labels, not numeric scores");
    }
    values.emplace(metric_name(kind), 100.0 * fraction);
  }
  return values;
}

MetricValues task_metrics(std::span<const std::string> predictions,
                          std::span<const std::string> golds, std::span<const std::string> labels,
                          std::span<const MetricKind> metrics) {
  check_metric_list(metrics);
  std::vector<MetricKind> label_metrics;
  std::vector<MetricKind> score_metrics;
  for (MetricKind kind : metrics) {
    (is_correlation_metric(kind) ? score_metrics : label_metrics).push_back(kind);
  }
  MetricValues values;
  if (!label_metrics.empty()) {
    if (labels.empty()) {
      throw Error("metric \"" + std::string(metric_name(label_metrics.front())) +
                  "\" needs the task's label strings, and the task has none");
    }
    values.merge(classification_metrics(prediction_labels(predictions, labels),
                                        gold_labels(golds, labels), label_metrics));
  }
  if (!score_metrics.empty()) {
    values.merge(
        regression_metrics(prediction_scores(predictions), gold_scores(golds), score_metrics));
  }
  return values;
}

double task_score(const MetricValues& values) {
  if (values.empty()) throw Error("a task score needs at least one metric value");
  return mean_of(values);
}

double run_average(std::span<const MetricValues> tasks, RunAverage rule) {
  if (tasks.empty()) throw Error("a run average needs at least one task");
  double sum = 0.0;
  std::size_t count = 0;
  for (std::size_t i = 0; i < tasks.size(); ++i) {
    if (tasks[i].empty()) {
      throw Error("task " + std::to_string(i) + " of the run has no metric values");
    }
    if (rule == RunAverage::kMeanOfTaskScores) {
      sum += mean_of(tasks[i]);
      ++count;
    } else {
      for (const auto& [name, value] : tasks[i]) sum += value;
      count += tasks[i].size();
    }
  }
  return sum / static_cast<double>(count);
}

}  // namespace hwb
