#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "core/data/Batch.h"
#include "core/data/TaskDataset.h"

namespace hwb {

// Padded batches from a TaskDataset: training batches from the sampler's rows, evaluation
// batches in length order so each batch pads little.
class Batcher {
 public:
  // Pads to the longest member of the batch, not to the task's maximum lengths.
  static Batch make(const TaskDataset& data, std::span<const std::size_t> rows);

  // `rows` ordered by source length, longest first (ties keep their order, so the result is
  // deterministic), cut into groups of `batch_size`. Longest first makes a run that does not fit
  // in memory fail on the first batch rather than at the end.
  static std::vector<std::vector<std::size_t>> evaluation_batches(const TaskDataset& data,
                                                                  std::span<const std::size_t> rows,
                                                                  std::size_t batch_size);
};

}  // namespace hwb
