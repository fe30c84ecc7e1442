#include "core/metrics/LabelPostprocess.h"

#include <array>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <system_error>

#include "core/metrics/Metrics.h"
#include "core/util/Error.h"

namespace hwb {
namespace {

std::string_view trim(std::string_view text) {
  constexpr std::string_view kSpace = " \t\n\r\f\v";
  const std::size_t begin = text.find_first_not_of(kSpace);
  if (begin == std::string_view::npos) return {};
  const std::size_t end = text.find_last_not_of(kSpace);
  return text.substr(begin, end - begin + 1);
}

std::string quoted_list(std::span<const std::string> labels) {
  std::string list;
  for (const std::string& label : labels) list += (list.empty() ? "\"" : ", \"") + label + "\"";
  return list;
}

// Half to even, independent of the floating-point environment's rounding mode.
double round_half_even(double value) {
  if (std::abs(value - std::trunc(value)) == 0.5) return 2.0 * std::round(value / 2.0);
  return std::round(value);
}

}  // namespace

int label_index(std::string_view text, std::span<const std::string> labels) {
  const std::string_view trimmed = trim(text);
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] == trimmed) return static_cast<int>(i);
  }
  return kInvalidLabel;
}

std::vector<int> prediction_labels(std::span<const std::string> texts,
                                   std::span<const std::string> labels) {
  std::vector<int> indices;
  indices.reserve(texts.size());
  for (const std::string& text : texts) indices.push_back(label_index(text, labels));
  return indices;
}

std::vector<int> gold_labels(std::span<const std::string> texts,
                             std::span<const std::string> labels) {
  std::vector<int> indices;
  indices.reserve(texts.size());
  for (std::size_t i = 0; i < texts.size(); ++i) {
    const int index = label_index(texts[i], labels);
    if (index == kInvalidLabel) {
      throw Error("gold label \"" + texts[i] + "\" of example " + std::to_string(i) +
                  " is not one of the task's labels (" + quoted_list(labels) + ")");
    }
    indices.push_back(index);
  }
  return indices;
}

std::optional<double> parse_score(std::string_view text) {
  std::string_view number = trim(text);
  // from_chars takes no leading '+', Python's float() does; a second sign stays an error.
  if (number.size() > 1 && number.front() == '+' && number[1] != '-' && number[1] != '+') {
    number.remove_prefix(1);
  }
  if (number.empty()) return std::nullopt;
  double value = 0.0;
  const char* const end = number.data() + number.size();
  const auto [stop, error] = std::from_chars(number.data(), end, value);
  if (error != std::errc() || stop != end || !std::isfinite(value)) return std::nullopt;
  return value;
}

std::vector<double> prediction_scores(std::span<const std::string> texts) {
  std::vector<double> scores;
  scores.reserve(texts.size());
  for (const std::string& text : texts) scores.push_back(parse_score(text).value_or(kInvalidScore));
  return scores;
}

std::vector<double> gold_scores(std::span<const std::string> texts) {
  std::vector<double> scores;
  scores.reserve(texts.size());
  for (std::size_t i = 0; i < texts.size(); ++i) {
    const std::optional<double> score = parse_score(texts[i]);
    if (!score) {
      throw Error("gold score \"" + texts[i] + "\" of example " + std::to_string(i) +
                  " is not a finite number");
    }
    scores.push_back(*score);
  }
  return scores;
}

double round_stsb(double score, StsbRounding rounding) {
  if (!std::isfinite(score)) {
    throw Error("STS-B score " + std::to_string(score) + " is not a finite number");
  }
  // Multiply, round, divide: the same operations as NumPy, so the results match it bit for bit.
  const double steps = rounding == StsbRounding::kT5Fifth ? 5.0 : 10.0;
  return round_half_even(score * steps) / steps;
}

std::string format_stsb_target(double rounded_score) {
  if (!std::isfinite(rounded_score)) {
    throw Error("STS-B score " + std::to_string(rounded_score) + " is not a finite number");
  }
  std::array<char, 64> buffer{};
  const auto [end, error] = std::to_chars(buffer.data(), buffer.data() + buffer.size(),
                                          rounded_score, std::chars_format::fixed, 1);
  if (error != std::errc()) {
    throw Error("STS-B score " + std::to_string(rounded_score) + " is too large to format");
  }
  std::string text(buffer.data(), end);
  // -0.04 rounds to "-0.0"; a target of "-0.0" would be a token sequence no gold ever has.
  if (text == "-0.0") text = "0.0";
  return text;
}

std::string stsb_target(double score, StsbRounding rounding) {
  return format_stsb_target(round_stsb(score, rounding));
}

}  // namespace hwb
