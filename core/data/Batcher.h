#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "core/data/Batch.h"
#include "core/data/TaskDataset.h"

namespace hwb {

// Rounds a batch's padded lengths up to a few fixed values, so that batches come in few shapes (a
// CUDA graph is captured per shape). Padding changes nothing but the cost: masked source positions
// and -100 target positions take no part in the loss.
struct LengthBuckets {
  std::int64_t source_multiple = 1;  // the source length becomes a multiple of this ...
  std::int64_t source_cap = 0;       // ... but no longer than this (0: no cap) or the longest row
  std::int64_t target_multiple = 1;

  std::int64_t source(std::int64_t longest) const;
  std::int64_t target(std::int64_t longest) const;
};

// Padded batches from a TaskDataset: training batches from the sampler's rows, evaluation
// batches in length order so each batch pads little.
class Batcher {
 public:
  // Pads to the longest member of the batch (rounded up by `buckets`), not to the task's maximum
  // lengths.
  static Batch make(const TaskDataset& data, std::span<const std::size_t> rows,
                    const LengthBuckets& buckets = {});

  // `rows` ordered by source length, longest first (ties keep their order, so the result is
  // deterministic), cut into groups of `batch_size`. Longest first makes a run that does not fit
  // in memory fail on the first batch rather than at the end.
  static std::vector<std::vector<std::size_t>> evaluation_batches(const TaskDataset& data,
                                                                  std::span<const std::size_t> rows,
                                                                  std::size_t batch_size);
};

}  // namespace hwb
