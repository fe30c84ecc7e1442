#include "core/data/SpanCorruption.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "core/data/Tokenizer.h"
#include "core/util/Error.h"

namespace hwb {

namespace {

struct Counts {
  std::int64_t noise = 0;
  std::int64_t spans = 0;
};

// Python's round() on the products T5's helper rounds (halves to even, as numpy does).
std::int64_t round_half_even(double x) {
  return static_cast<std::int64_t>(std::nearbyint(x));
}

Counts noise_counts(std::int64_t length, double density, double mean_span) {
  Counts c;
  c.noise = std::clamp<std::int64_t>(round_half_even(static_cast<double>(length) * density), 1,
                                     std::max<std::int64_t>(1, length - 1));
  c.spans = std::max<std::int64_t>(1, round_half_even(static_cast<double>(c.noise) / mean_span));
  // Each span and each gap before it needs at least one token.
  c.spans = std::min({c.spans, c.noise, std::max<std::int64_t>(1, length - c.noise)});
  return c;
}

// A uniform integer in [0, n): rejection sampling on the engine's raw output, so a seed draws
// the same numbers with any standard library (std::uniform_int_distribution may differ).
std::uint64_t below(std::mt19937_64& rng, std::uint64_t n) {
  const std::uint64_t limit = UINT64_MAX - UINT64_MAX % n;
  std::uint64_t x = 0;
  do {
    x = rng();
  } while (x >= limit);
  return x % n;
}

// `items` split into `segments` non-empty runs at random: segments - 1 distinct cut points
// among the items - 1 gaps.
std::vector<std::int64_t> random_segmentation(std::int64_t items, std::int64_t segments,
                                              std::mt19937_64& rng) {
  std::vector<char> cut(static_cast<std::size_t>(std::max<std::int64_t>(0, items - 1)), 0);
  std::fill(cut.begin(), cut.begin() + (segments - 1), 1);
  for (std::size_t i = cut.size(); i > 1; --i) std::swap(cut[i - 1], cut[below(rng, i)]);
  std::vector<std::int64_t> lengths;
  std::int64_t run = 1;
  for (char c : cut) {
    if (c) {
      lengths.push_back(run);
      run = 1;
    } else {
      ++run;
    }
  }
  lengths.push_back(run);
  return lengths;
}

}  // namespace

SpanCorruption::SpanCorruption(SpanCorruptionOptions options, std::int64_t first_sentinel_id,
                               std::int64_t sentinel_count)
    : options_(options), first_sentinel_(first_sentinel_id), sentinel_count_(sentinel_count) {
  if (!(options_.noise_density > 0 && options_.noise_density < 1)) {
    throw Error("span corruption: noise_density must be in (0, 1), got " +
                std::to_string(options_.noise_density));
  }
  if (!(options_.mean_span_length >= 1)) {
    throw Error("span corruption: mean_span_length must be at least 1, got " +
                std::to_string(options_.mean_span_length));
  }
  if (options_.input_length < 8) {
    throw Error("span corruption: input_length must be at least 8, got " +
                std::to_string(options_.input_length));
  }
  // The longest chunk whose input (kept tokens, one sentinel per span, EOS) still fits.
  auto input_of = [&](std::int64_t n) {
    const Counts c = noise_counts(n, options_.noise_density, options_.mean_span_length);
    return n - c.noise + c.spans + 1;
  };
  raw_length_ = options_.input_length - 1;
  while (input_of(raw_length_ + 1) <= options_.input_length) ++raw_length_;
  const Counts c = noise_counts(raw_length_, options_.noise_density, options_.mean_span_length);
  target_length_ = c.noise + c.spans + 1;
  if (c.spans > sentinel_count_) {
    throw Error("span corruption: " + std::to_string(c.spans) + " spans per input need more than " +
                "the vocabulary's " + std::to_string(sentinel_count_) +
                " sentinels; shorten input_length or lengthen mean_span_length");
  }
}

std::vector<bool> SpanCorruption::noise_mask(std::int64_t length, double noise_density,
                                             double mean_span_length, std::mt19937_64& rng) {
  std::vector<bool> mask(static_cast<std::size_t>(std::max<std::int64_t>(length, 0)), false);
  if (length < 2) return mask;
  const Counts c = noise_counts(length, noise_density, mean_span_length);
  const std::vector<std::int64_t> noise = random_segmentation(c.noise, c.spans, rng);
  const std::vector<std::int64_t> kept = random_segmentation(length - c.noise, c.spans, rng);
  std::size_t at = 0;
  for (std::size_t s = 0; s < noise.size(); ++s) {
    at += static_cast<std::size_t>(kept[s]);
    for (std::int64_t k = 0; k < noise[s]; ++k) mask[at++] = true;
  }
  return mask;
}

void SpanCorruption::corrupt(std::span<const std::int32_t> tokens, const std::vector<bool>& mask,
                             std::vector<std::int64_t>& input,
                             std::vector<std::int64_t>& target) const {
  input.clear();
  target.clear();
  std::int64_t sentinel = first_sentinel_;
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    if (!mask[i]) {
      input.push_back(tokens[i]);
      continue;
    }
    if (i == 0 || !mask[i - 1]) {
      input.push_back(sentinel);
      target.push_back(sentinel);
      --sentinel;
    }
    target.push_back(tokens[i]);
  }
  input.push_back(Tokenizer::kEosId);
  target.push_back(Tokenizer::kEosId);
}

Batch SpanCorruption::batch(const TaskDataset& chunks, std::span<const std::size_t> rows,
                            std::uint64_t seed) const {
  Batch b;
  b.size = static_cast<std::int64_t>(rows.size());
  b.source_length = options_.input_length;
  b.target_length = target_length_;
  b.source_ids.assign(static_cast<std::size_t>(b.size * b.source_length), 0);
  b.source_mask.assign(b.source_ids.size(), 0);
  b.target_ids.assign(static_cast<std::size_t>(b.size * b.target_length), 0);
  b.target_lengths.reserve(rows.size());
  b.examples.assign(rows.begin(), rows.end());
  std::vector<std::int64_t> input, target;
  for (std::size_t r = 0; r < rows.size(); ++r) {
    std::mt19937_64 rng(seed * 0x9E3779B97F4A7C15ULL + r);
    const std::span<const std::int32_t> tokens = chunks.source_ids(rows[r]);
    const std::vector<bool> mask =
        noise_mask(static_cast<std::int64_t>(tokens.size()), options_.noise_density,
                   options_.mean_span_length, rng);
    corrupt(tokens, mask, input, target);
    // A short chunk (a corpus's last) corrupts to fewer ids; a full one fits by construction.
    const std::size_t in = std::min(input.size(), static_cast<std::size_t>(b.source_length));
    const std::size_t out = std::min(target.size(), static_cast<std::size_t>(b.target_length));
    std::copy_n(input.begin(), in, b.source_ids.begin() + r * b.source_length);
    std::fill_n(b.source_mask.begin() + r * b.source_length, in, 1);
    std::copy_n(target.begin(), out, b.target_ids.begin() + r * b.target_length);
    b.target_lengths.push_back(static_cast<std::int64_t>(out));
  }
  return b;
}

}  // namespace hwb
