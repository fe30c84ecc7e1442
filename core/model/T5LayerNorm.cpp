#include "core/model/T5LayerNorm.h"

#include <ATen/ATen.h>
#include <torch/version.h>

// at::rms_norm exists from LibTorch 2.4 (Debian ships 1.13); on CUDA recent versions run it as
// one fused kernel forward and backward instead of five elementwise passes.
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
#define HWB_HAS_RMS_NORM 1
#endif

namespace hwb {

T5LayerNormImpl::T5LayerNormImpl(int64_t d_model, double eps) : eps_(eps) {
  weight = register_parameter("weight", at::ones({d_model}));
}

at::Tensor T5LayerNormImpl::forward(const at::Tensor& x) {
  // x: [..., d_model]
#ifdef HWB_HAS_RMS_NORM
  // Same arithmetic as below when x and the weight share a dtype (fp32 under autocast: the
  // residual stream stays fp32): x * rsqrt(mean(x^2) + eps) * weight, computed in fp32.
  if (x.is_cuda() && x.scalar_type() == at::kFloat && weight.scalar_type() == at::kFloat) {
    return at::rms_norm(x, {x.size(-1)}, weight, eps_);
  }
#endif
  const at::Tensor variance = x.to(at::kFloat).pow(2).mean(-1, /*keepdim=*/true);
  at::Tensor normed = x * at::rsqrt(variance + eps_);
  if (weight.scalar_type() == at::kHalf || weight.scalar_type() == at::kBFloat16) {
    normed = normed.to(weight.scalar_type());
  }
  return weight * normed;
}

}  // namespace hwb
