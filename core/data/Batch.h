#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace hwb {

// One task's examples as padded row-major buffers, ready to become tensors on the model side
// (which also turns target padding into the -100 its loss ignores). Padding id is 0, T5's pad.
struct Batch {
  std::int64_t size = 0;                     // examples
  std::int64_t source_length = 0;            // the longest source (rounded up to a bucket)
  std::int64_t target_length = 0;            // the longest target (rounded up to a bucket)
  std::vector<std::int64_t> source_ids;      // [size, source_length], 0-padded
  std::vector<std::int64_t> source_mask;     // [size, source_length], 1 for ids, 0 for padding
  std::vector<std::int64_t> target_ids;      // [size, target_length], 0-padded, each ends in EOS
  std::vector<std::int64_t> target_lengths;  // [size], ids before the padding
  std::vector<std::size_t> examples;         // the dataset rows, for predictions and metrics
};

}  // namespace hwb
