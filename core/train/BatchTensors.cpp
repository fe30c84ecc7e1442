#include "core/train/BatchTensors.h"

#include <ATen/ATen.h>

namespace hwb {

BatchTensors to_tensors(const Batch& batch, const c10::Device& device) {
  const auto cpu_long = at::TensorOptions().dtype(at::kLong);
  auto from = [&](const std::vector<int64_t>& v, int64_t cols) {
    return at::from_blob(const_cast<int64_t*>(v.data()), {batch.size, cols}, cpu_long).clone();
  };
  BatchTensors t;
  t.input_ids = from(batch.source_ids, batch.source_length);
  t.attention_mask = from(batch.source_mask, batch.source_length);
  at::Tensor labels = from(batch.target_ids, batch.target_length);
  const at::Tensor lengths =
      at::from_blob(const_cast<int64_t*>(batch.target_lengths.data()), {batch.size, 1}, cpu_long);
  const at::Tensor positions = at::arange(batch.target_length, cpu_long).unsqueeze(0);
  t.labels = labels.masked_fill(positions >= lengths, -100);
  if (!device.is_cuda()) return t;
  // A copy from pageable memory makes LibTorch synchronise the stream, so the host would wait for
  // the previous step to finish on the GPU before it could queue the next one (and, in a
  // data-parallel run, for the slowest rank). From pinned memory the copy is queued like a kernel;
  // LibTorch's pinned allocator keeps each buffer until its copy has run.
  t.input_ids = t.input_ids.pin_memory().to(device, /*non_blocking=*/true);
  t.attention_mask = t.attention_mask.pin_memory().to(device, /*non_blocking=*/true);
  t.labels = t.labels.pin_memory().to(device, /*non_blocking=*/true);
  return t;
}

}  // namespace hwb
