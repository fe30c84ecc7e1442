#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

#include "core/model/T5Config.h"

namespace hwb {

// T5's feed-forward ("DenseReluDense" in checkpoints): wo(dropout(act(wi x))) for v1.0, or the
// gated form wo(dropout(act(wi_0 x) * wi_1 x)) for v1.1 / FLAN-T5. Which one is a flag, not a
// class.
class T5FeedForwardImpl : public torch::nn::Module {
 public:
  explicit T5FeedForwardImpl(const T5Config& config);
  at::Tensor forward(const at::Tensor& x);

  torch::nn::Linear wi{nullptr}, wi_0{nullptr}, wi_1{nullptr}, wo{nullptr};

 private:
  std::string activation_;
  double dropout_;
};
TORCH_MODULE(T5FeedForward);

// The activations T5 configs name: "relu", "gelu" (exact), "gelu_new" (tanh approximation), "silu".
at::Tensor apply_activation(const at::Tensor& x, const std::string& name);

}  // namespace hwb
