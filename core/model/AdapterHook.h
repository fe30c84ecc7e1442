#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>

#include "core/model/AdapterPlacement.h"

namespace hwb {

// The single point where adapters attach to the backbone: every T5 block passes the output of its
// self-attention and feed-forward sublayers through apply() before the residual add. Variants
// (plain adapters, hypernetwork-generated ones) implement this; the backbone knows none of them.
class AdapterHook {
 public:
  virtual ~AdapterHook() = default;
  // y: [batch, seq, d_model], the sublayer's output; returns the same shape.
  virtual at::Tensor apply(const at::Tensor& y, StackKind stack, int64_t layer,
                           SublayerKind where) = 0;
};

}  // namespace hwb
