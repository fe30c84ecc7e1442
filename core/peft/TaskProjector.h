#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>
#include <torch/nn/pimpl.h>

#include <cstdint>

namespace hwb {

// The task projector h_I of METHOD.md section 4:
//   I = LayerNorm(W2 relu(W1 x + b1) + b2), widths in -> hidden -> out,
// with x = z_t (per-layer Hyperformer), [z_t ; l_i] (layer-conditioned) or [z_t ; l_i ; p_j]
// (Hyperformer++). Checkpoint names "fc1", "fc2", "layer_norm" (absent without the norm).
class TaskProjectorImpl : public torch::nn::Module {
 public:
  TaskProjectorImpl(int64_t in, int64_t hidden, int64_t out, bool layer_norm);

  // x: [n, in] -> [n, out]
  at::Tensor forward(const at::Tensor& x);

  torch::nn::Linear fc1{nullptr}, fc2{nullptr};
  torch::nn::LayerNorm layer_norm{nullptr};  // null when off
};
TORCH_MODULE(TaskProjector);

// The reference code's projector norm uses T5's epsilon, not torch's default.
inline constexpr double kProjectorLayerNormEps = 1e-6;

}  // namespace hwb
