#pragma once

#include <vector>

#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

#include <cstdint>

#include "core/peft/Adapter.h"

namespace hwb {

struct AdapterGeneratorOptions {
  int64_t input_dim = 64;    // the projected task embedding I
  int64_t d_model = 768;     // d
  int64_t adapter_dim = 24;  // m
  bool pre_norm = false;     // generate LN_pre's gamma/beta
  bool post_norm = true;     // generate LN_post's gamma/beta
};

// The linear generators of METHOD.md section 4, each one linear layer from I:
//   D = reshape(G_D I, m x d), b_D = G_bD I, U = reshape(G_U I, d x m), b_U = G_bU I,
//   gamma = G_gamma I, beta = G_beta I (LN_post), and pre_gamma / pre_beta for LN_pre.
// Reshapes are row-major: D[i][j] = (G_D I)[i * d + j]. Checkpoint names "down", "down_bias",
// "up", "up_bias", "gamma", "beta", "pre_gamma", "pre_beta" (each ".weight" [out, input_dim] and
// ".bias" [out]); the norm generators exist only when that norm is generated.
class AdapterGeneratorImpl : public torch::nn::Module {
 public:
  explicit AdapterGeneratorImpl(const AdapterGeneratorOptions& options);

  // I: [n, input_dim] -> weights with a leading n: down [n, m, d], down_bias [n, m], ...
  AdapterWeights forward(const at::Tensor& projected);

  const AdapterGeneratorOptions& options() const { return options_; }

  torch::nn::Linear down{nullptr}, down_bias{nullptr}, up{nullptr}, up_bias{nullptr};
  torch::nn::Linear gamma{nullptr}, beta{nullptr}, pre_gamma{nullptr}, pre_beta{nullptr};

 private:
  AdapterGeneratorOptions options_;
};
TORCH_MODULE(AdapterGenerator);

// The rows of weights that carry a leading batch dimension (as AdapterGenerator returns them), one
// AdapterWeights per row. Unbinding, not selecting row by row: the backward of n selects builds n
// zero tensors of the whole batch and adds them up, that of one unbind stacks the n gradients.
std::vector<AdapterWeights> unbind_adapters(const AdapterWeights& batched);

}  // namespace hwb
