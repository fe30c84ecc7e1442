#include "core/data/Batcher.h"

#include <algorithm>

#include "core/util/Error.h"

namespace hwb {

namespace {

std::int64_t round_up(std::int64_t n, std::int64_t multiple) {
  return multiple > 1 ? (n + multiple - 1) / multiple * multiple : n;
}

}  // namespace

std::int64_t LengthBuckets::source(std::int64_t longest) const {
  const std::int64_t rounded = round_up(longest, source_multiple);
  return source_cap > 0 ? std::max(longest, std::min(rounded, source_cap)) : rounded;
}

std::int64_t LengthBuckets::target(std::int64_t longest) const {
  return round_up(longest, target_multiple);
}

Batch Batcher::make(const TaskDataset& data, std::span<const std::size_t> rows,
                    const LengthBuckets& buckets) {
  Batch batch;
  batch.size = static_cast<std::int64_t>(rows.size());
  for (std::size_t row : rows) {
    if (row >= data.size()) {
      throw Error("Batcher: row " + std::to_string(row) + " of a dataset of " +
                  std::to_string(data.size()));
    }
    batch.source_length =
        std::max(batch.source_length, static_cast<std::int64_t>(data.source_ids(row).size()));
    batch.target_length =
        std::max(batch.target_length, static_cast<std::int64_t>(data.target_ids(row).size()));
  }
  batch.source_length = buckets.source(batch.source_length);
  batch.target_length = buckets.target(batch.target_length);
  const auto source_width = static_cast<std::size_t>(batch.source_length);
  const auto target_width = static_cast<std::size_t>(batch.target_length);
  batch.source_ids.assign(rows.size() * source_width, 0);
  batch.source_mask.assign(rows.size() * source_width, 0);
  batch.target_ids.assign(rows.size() * target_width, 0);
  batch.target_lengths.reserve(rows.size());
  batch.examples.assign(rows.begin(), rows.end());
  for (std::size_t b = 0; b < rows.size(); ++b) {
    const auto source = data.source_ids(rows[b]);
    std::copy(source.begin(), source.end(), batch.source_ids.begin() + b * source_width);
    std::fill_n(batch.source_mask.begin() + b * source_width, source.size(), 1);
    const auto target = data.target_ids(rows[b]);
    std::copy(target.begin(), target.end(), batch.target_ids.begin() + b * target_width);
    batch.target_lengths.push_back(static_cast<std::int64_t>(target.size()));
  }
  return batch;
}

std::vector<std::vector<std::size_t>> Batcher::evaluation_batches(const TaskDataset& data,
                                                                  std::span<const std::size_t> rows,
                                                                  std::size_t batch_size) {
  if (batch_size == 0) throw Error("Batcher: batch size 0");
  std::vector<std::size_t> order(rows.begin(), rows.end());
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return data.source_ids(a).size() > data.source_ids(b).size();
  });
  std::vector<std::vector<std::size_t>> batches;
  for (std::size_t begin = 0; begin < order.size(); begin += batch_size) {
    const std::size_t end = std::min(order.size(), begin + batch_size);
    batches.emplace_back(order.begin() + static_cast<std::ptrdiff_t>(begin),
                         order.begin() + static_cast<std::ptrdiff_t>(end));
  }
  return batches;
}

}  // namespace hwb
