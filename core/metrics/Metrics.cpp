#include "core/metrics/Metrics.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <map>
#include <numeric>
#include <string>
#include <string_view>

#include "core/util/Error.h"

namespace hwb {
namespace {

template <typename T>
void check_pairs(std::string_view metric, std::span<const T> predictions,
                 std::span<const T> golds) {
  if (predictions.size() != golds.size()) {
    throw Error(std::string(metric) + ": " + std::to_string(predictions.size()) +
                " predictions but " + std::to_string(golds.size()) +
                " golds; each prediction needs the gold of the same example");
  }
  if (golds.empty()) {
    throw Error(std::string(metric) + ": no examples to score (the evaluation split is empty)");
  }
}

void check_labels(std::string_view metric, std::span<const int> predictions,
                  std::span<const int> golds) {
  check_pairs(metric, predictions, golds);
  for (std::size_t i = 0; i < golds.size(); ++i) {
    if (golds[i] < 0) {
      throw Error(std::string(metric) + ": gold label of example " + std::to_string(i) + " is " +
                  std::to_string(golds[i]) + "; golds must be class indices (>= 0)");
    }
  }
}

void check_scores(std::string_view metric, std::span<const double> predictions,
                  std::span<const double> golds) {
  check_pairs(metric, predictions, golds);
  for (std::size_t i = 0; i < golds.size(); ++i) {
    if (!std::isfinite(predictions[i]) || !std::isfinite(golds[i])) {
      throw Error(std::string(metric) + ": example " + std::to_string(i) +
                  " has a non-finite value (prediction " + std::to_string(predictions[i]) +
                  ", gold " + std::to_string(golds[i]) +
                  "); invalid predictions must be mapped to a number first");
    }
  }
}

bool is_constant(std::span<const double> values) {
  return std::all_of(values.begin(), values.end(), [&](double v) { return v == values.front(); });
}

double mean(std::span<const double> values) {
  return std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(values.size());
}

// Assumes validated, equally long inputs.
double pearson_unchecked(std::span<const double> x, std::span<const double> y) {
  // Exact constancy, not a tolerance: SciPy's NaN case. A nearly constant side still has a defined
  // r.
  if (x.size() < 2 || is_constant(x) || is_constant(y)) return 0.0;
  const double x_mean = mean(x);
  const double y_mean = mean(y);
  double xx = 0.0, yy = 0.0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    xx += (x[i] - x_mean) * (x[i] - x_mean);
    yy += (y[i] - y_mean) * (y[i] - y_mean);
  }
  // Normalising before the dot product (as SciPy does) keeps the sum in [-1, 1] up to rounding.
  const double x_norm = std::sqrt(xx);
  const double y_norm = std::sqrt(yy);
  double r = 0.0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    r += ((x[i] - x_mean) / x_norm) * ((y[i] - y_mean) / y_norm);
  }
  return std::clamp(r, -1.0, 1.0);
}

}  // namespace

double accuracy(std::span<const int> predictions, std::span<const int> golds) {
  check_labels("accuracy", predictions, golds);
  std::size_t correct = 0;
  for (std::size_t i = 0; i < golds.size(); ++i) correct += predictions[i] == golds[i] ? 1 : 0;
  return static_cast<double>(correct) / static_cast<double>(golds.size());
}

double binary_f1(std::span<const int> predictions, std::span<const int> golds) {
  check_labels("f1", predictions, golds);
  constexpr int kPositive = 1;
  std::size_t tp = 0, fp = 0, fn = 0;
  for (std::size_t i = 0; i < golds.size(); ++i) {
    const bool gold_positive = golds[i] == kPositive;
    const bool predicted_positive =
        predictions[i] < 0 ? !gold_positive : predictions[i] == kPositive;
    if (predicted_positive && gold_positive) ++tp;
    if (predicted_positive && !gold_positive) ++fp;
    if (!predicted_positive && gold_positive) ++fn;
  }
  // 2PR/(P+R) rewritten without the two ratios, so only one denominator can vanish.
  const std::size_t denominator = 2 * tp + fp + fn;
  return denominator == 0 ? 0.0 : 2.0 * static_cast<double>(tp) / static_cast<double>(denominator);
}

double matthews_corrcoef(std::span<const int> predictions, std::span<const int> golds) {
  check_labels("mcc", predictions, golds);
  // Row/column sums of the confusion matrix and its trace are all the formula needs.
  std::map<int, double> gold_counts;
  std::map<int, double> predicted_counts;
  double correct = 0.0;
  for (std::size_t i = 0; i < golds.size(); ++i) {
    const int predicted = predictions[i] < 0 ? kInvalidLabel : predictions[i];
    gold_counts[golds[i]] += 1.0;
    predicted_counts[predicted] += 1.0;
    if (predicted == golds[i]) correct += 1.0;
  }
  const double n = static_cast<double>(golds.size());
  double gold_dot_predicted = 0.0, gold_dot_gold = 0.0, predicted_dot_predicted = 0.0;
  for (const auto& [label, count] : gold_counts) {
    gold_dot_gold += count * count;
    if (auto it = predicted_counts.find(label); it != predicted_counts.end()) {
      gold_dot_predicted += count * it->second;
    }
  }
  for (const auto& [label, count] : predicted_counts) predicted_dot_predicted += count * count;
  // Counts are exact in double up to 2^53; their squares stay exact for any realistic split size.
  const double cov_gold_predicted = correct * n - gold_dot_predicted;
  const double cov_predicted = n * n - predicted_dot_predicted;
  const double cov_gold = n * n - gold_dot_gold;
  if (cov_predicted * cov_gold == 0.0) return 0.0;
  return cov_gold_predicted / std::sqrt(cov_gold * cov_predicted);
}

double pearson_corrcoef(std::span<const double> predictions, std::span<const double> golds) {
  check_scores("pearson", predictions, golds);
  return pearson_unchecked(predictions, golds);
}

double spearman_corrcoef(std::span<const double> predictions, std::span<const double> golds) {
  check_scores("spearman", predictions, golds);
  const std::vector<double> prediction_ranks = average_ranks(predictions);
  const std::vector<double> gold_ranks = average_ranks(golds);
  return pearson_unchecked(prediction_ranks, gold_ranks);
}

std::vector<double> average_ranks(std::span<const double> values) {
  std::vector<std::size_t> order(values.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return values[a] < values[b]; });
  std::vector<double> ranks(values.size());
  for (std::size_t begin = 0; begin < order.size();) {
    std::size_t end = begin + 1;
    while (end < order.size() && values[order[end]] == values[order[begin]]) ++end;
    // Positions begin..end-1 hold equal values: ranks begin+1..end, whose mean is below.
    const double shared_rank = 0.5 * static_cast<double>(begin + 1 + end);
    for (std::size_t k = begin; k < end; ++k) ranks[order[k]] = shared_rank;
    begin = end;
  }
  return ranks;
}

}  // namespace hwb
