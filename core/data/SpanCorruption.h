#pragma once

#include <cstddef>
#include <cstdint>
#include <random>
#include <span>
#include <vector>

#include "core/data/Batch.h"
#include "core/data/TaskDataset.h"

namespace hwb {

// T5's span-corruption objective (Raffel et al. 2020, section 3.1.4; docs/PRETRAINING.md): about
// `noise_density` of a chunk's tokens, in spans of mean length `mean_span_length`, are cut out.
// The input keeps the other tokens with one sentinel in place of each span; the target lists
// each sentinel followed by the tokens it replaced. Sentinels count down from the vocabulary's
// last id (<extra_id_0> = 32099 for T5). Both end with EOS.
struct SpanCorruptionOptions {
  double noise_density = 0.15;
  double mean_span_length = 3.0;
  std::int64_t input_length = 128;  // packed inputs are exactly this long (padded when shorter)
};

class SpanCorruption {
 public:
  // Throws hwb::Error for options the objective cannot use (a density outside (0, 1), a span
  // length below 1, an input length too short, more spans than sentinels).
  SpanCorruption(SpanCorruptionOptions options, std::int64_t first_sentinel_id,
                 std::int64_t sentinel_count = 100);

  const SpanCorruptionOptions& options() const { return options_; }
  // How many corpus tokens a chunk holds so that its corrupted input is at most input_length
  // (T5's random_spans_helper: 568 raw tokens for 512-token inputs at 0.15 and 3), and how long
  // its target then is (114 for those).
  std::int64_t raw_length() const { return raw_length_; }
  std::int64_t target_length() const { return target_length_; }

  // T5's random_spans_noise_mask: exactly round(length * density) noise tokens (at least 1, at
  // most length - 1) in round(noise / mean_span_length) spans, the span lengths a seeded random
  // segmentation, starting with a kept span.
  static std::vector<bool> noise_mask(std::int64_t length, double noise_density,
                                      double mean_span_length, std::mt19937_64& rng);

  // The input and target ids of one chunk under `mask`.
  void corrupt(std::span<const std::int32_t> tokens, const std::vector<bool>& mask,
               std::vector<std::int64_t>& input, std::vector<std::int64_t>& target) const;

  // A batch of `rows` of `chunks` (source ids = raw tokens), each corrupted with its own engine
  // seeded from (`seed`, position in the batch): a seed per step makes a run's noise repeat on
  // resume and change from pass to pass. Inputs pad to input_length, targets to target_length,
  // so every batch has one shape.
  Batch batch(const TaskDataset& chunks, std::span<const std::size_t> rows,
              std::uint64_t seed) const;

 private:
  SpanCorruptionOptions options_;
  std::int64_t first_sentinel_;
  std::int64_t sentinel_count_;
  std::int64_t raw_length_ = 0;
  std::int64_t target_length_ = 0;
};

}  // namespace hwb
