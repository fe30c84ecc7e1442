#pragma once

// Evaluation metrics on already post-processed predictions (LabelPostprocess.h turns generated text
// into these). Values are fractions as scikit-learn and SciPy return them (accuracy in [0, 1],
// correlations in [-1, 1]); TaskScore.h turns them into the percentages a run reports.
//
// Every function takes (predictions, golds) in that order, as the reference code does (scikit-learn
// takes y_true first). They throw hwb::Error when the two differ in length or are empty, and never
// return NaN: where a library would divide by zero the result is defined below.

#include <span>
#include <vector>

namespace hwb {

// A generated label that is none of the task's label strings. Any negative prediction is invalid;
// a negative gold is an error.
inline constexpr int kInvalidLabel = -1;

// Fraction of predictions equal to their gold. An invalid prediction never equals a gold.
double accuracy(std::span<const int> predictions, std::span<const int> golds);

// F1 of the positive class 1 (GLUE's MRPC and QQP), every other class counting as negative: with
// two classes this is scikit-learn's binary f1_score. An invalid prediction is flipped to the class
// that makes it wrong (negative for a positive gold, positive otherwise), as the reference code
// does. With no positive gold and no positive prediction (tp + fp + fn = 0) the result is 0,
// scikit-learn's zero_division=0.
double binary_f1(std::span<const int> predictions, std::span<const int> golds);

// Matthews correlation, scikit-learn's multi-class formula over the confusion matrix. Invalid
// predictions form one extra class that no gold has (what T5 and the reference code get by mapping
// them to -1), so they count as wrong without being forced onto a real class. 0 when either side
// has a single class (a zero denominator), as scikit-learn returns.
double matthews_corrcoef(std::span<const int> predictions, std::span<const int> golds);

// Pearson's r, computed as SciPy's pearsonr does (centred, normalised dot product, clipped to
// [-1, 1]). When either side is constant, or there is a single pair, r is undefined (SciPy: NaN);
// it is 0 here, as the reference code substitutes. Non-finite inputs are an error.
double pearson_corrcoef(std::span<const double> predictions, std::span<const double> golds);

// Spearman's rho: Pearson's r of the average ranks (SciPy's spearmanr, ties sharing their mean
// rank). Constant input gives 0, as for pearson_corrcoef.
double spearman_corrcoef(std::span<const double> predictions, std::span<const double> golds);

// 1-based ranks, tied values sharing the mean of the ranks they span (scipy.stats.rankdata's
// "average"): {10, 20, 20, 5} -> {2, 3.5, 3.5, 1}.
std::vector<double> average_ranks(std::span<const double> values);

}  // namespace hwb
