#pragma once

// A task's metric values and scores, and the run average that picks the best checkpoint
// (METHOD.md section 5). Everything here is in percentages: 100 x the fractions of Metrics.h.

#include <functional>
#include <map>
#include <span>
#include <string>
#include <string_view>

namespace hwb {

enum class MetricKind { kAccuracy, kF1, kMatthews, kPearson, kSpearman };

// The name a metric is stored and shown under: "accuracy", "f1", "mcc", "pearson", "spearman".
std::string_view metric_name(MetricKind kind);

// The inverse of metric_name; an unknown name is an error that lists the known ones.
MetricKind metric_from_name(std::string_view name);

// Pearson and Spearman score numbers; the others score class labels.
bool is_correlation_metric(MetricKind kind);

// Metric name -> percentage.
using MetricValues = std::map<std::string, double, std::less<>>;

enum class RunAverage {
  kMeanOfTaskScores,        // METHOD.md: every task weighs the same. The default.
  kReferenceMeanOfMetrics,  // Reference code: plain mean of all metric values, so a task with two
                            // metrics (MRPC, QQP, STS-B) weighs twice. Reference-compatible mode.
};

// Scores class labels (LabelPostprocess.h: prediction_labels, gold_labels). A correlation metric in
// the list, an empty list or a metric listed twice is an error.
MetricValues classification_metrics(std::span<const int> predictions, std::span<const int> golds,
                                    std::span<const MetricKind> metrics);

// Scores numbers (prediction_scores, gold_scores). A classification metric in the list, an empty
// list or a metric listed twice is an error.
MetricValues regression_metrics(std::span<const double> predictions, std::span<const double> golds,
                                std::span<const MetricKind> metrics);

// Scores generated text against gold text: classification metrics through the task's label strings
// (a prediction that is none of them counts as wrong), correlation metrics through the numbers the
// texts spell (a prediction that is not one becomes kInvalidScore). A gold that is not a label or
// not a number, as its metrics need, is an error.
MetricValues task_metrics(std::span<const std::string> predictions,
                          std::span<const std::string> golds, std::span<const std::string> labels,
                          std::span<const MetricKind> metrics);

// Mean of a task's metric values: MRPC scores (F1 + accuracy) / 2. No values is an error.
double task_score(const MetricValues& values);

// The run's score over its tasks, by the rule. No tasks, or a task without values, is an error.
double run_average(std::span<const MetricValues> tasks,
                   RunAverage rule = RunAverage::kMeanOfTaskScores);

}  // namespace hwb
