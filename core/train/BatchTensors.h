#pragma once

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

#include "core/data/Batch.h"

namespace hwb {

// A Batch's buffers as tensors on `device`: input ids and mask [size, source_length], labels
// [size, target_length] with padding as -100 (ignored by the loss).
struct BatchTensors {
  at::Tensor input_ids;
  at::Tensor attention_mask;
  at::Tensor labels;
};

BatchTensors to_tensors(const Batch& batch, const c10::Device& device);

}  // namespace hwb
