#include "core/model/T5LayerNorm.h"

#include <ATen/ATen.h>

namespace hwb {

T5LayerNormImpl::T5LayerNormImpl(int64_t d_model, double eps) : eps_(eps) {
  weight = register_parameter("weight", at::ones({d_model}));
}

at::Tensor T5LayerNormImpl::forward(const at::Tensor& x) {
  // x: [..., d_model]
  const at::Tensor variance = x.to(at::kFloat).pow(2).mean(-1, /*keepdim=*/true);
  at::Tensor normed = x * at::rsqrt(variance + eps_);
  if (weight.scalar_type() == at::kHalf || weight.scalar_type() == at::kBFloat16) {
    normed = normed.to(weight.scalar_type());
  }
  return weight * normed;
}

}  // namespace hwb
