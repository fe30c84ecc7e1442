#pragma once

// From generated text to what the metrics score, and the STS-B target text the model learns to
// generate. Generated text is compared after trimming surrounding whitespace (the reference code
// strips decoded strings); nothing else is normalised, so "01" is not the label "1".

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace hwb {

// Stands for an STS-B prediction that is not a number. -1 is what T5 and the reference code both
// substitute, so correlations stay comparable with published numbers; it lies outside the [0, 5]
// score range, so it is never right, and a run with many invalid outputs is visibly penalised
// (all invalid: a constant prediction, correlation 0). A per-example "most wrong" value was
// rejected: it would make the score depend on a rule no published number used.
inline constexpr double kInvalidScore = -1.0;

// How STS-B similarity scores (0..5, continuous) become target strings.
enum class StsbRounding {
  kT5Fifth,              // T5: round(x * 5) / 5, a 0.2 grid: 26 classes. The default.
  kReferenceOneDecimal,  // Reference code: np.round(x, 1), a 0.1 grid (its helper meant 0.2).
};

// Index of the trimmed text in labels, or kInvalidLabel (Metrics.h) when it is none of them.
int label_index(std::string_view text, std::span<const std::string> labels);

// Generated labels: texts that are not a label become kInvalidLabel and count as wrong.
std::vector<int> prediction_labels(std::span<const std::string> texts,
                                   std::span<const std::string> labels);

// Gold labels: a text that is not a label is a data error, reported with its example index and the
// valid labels.
std::vector<int> gold_labels(std::span<const std::string> texts,
                             std::span<const std::string> labels);

// A finite decimal number ("3.8", "-1", "4e-1", "+2.") after trimming, as Python's float() reads
// it except that "nan", "inf" and digit separators are rejected; std::nullopt otherwise.
std::optional<double> parse_score(std::string_view text);

// Generated scores: texts that are not a finite number become kInvalidScore.
std::vector<double> prediction_scores(std::span<const std::string> texts);

// Gold scores: a text that is not a finite number is a data error, reported with its example index.
std::vector<double> gold_scores(std::span<const std::string> texts);

// Rounds a similarity score to the rule's grid, ties to even as NumPy and TensorFlow do
// (2.5 -> 2.4 under kT5Fifth). Non-finite input is an error.
double round_stsb(double score, StsbRounding rounding = StsbRounding::kT5Fifth);

// A rounded score as target text with one decimal, as T5 writes it: 3.8 -> "3.8", 4 -> "4.0".
std::string format_stsb_target(double rounded_score);

// round_stsb, then format_stsb_target.
std::string stsb_target(double score, StsbRounding rounding = StsbRounding::kT5Fifth);

}  // namespace hwb
