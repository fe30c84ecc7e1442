#include "core/peft/AdapterGenerator.h"

#include <ATen/ATen.h>

namespace hwb {

AdapterGeneratorImpl::AdapterGeneratorImpl(const AdapterGeneratorOptions& options)
    : options_(options) {
  const int64_t in = options.input_dim, d = options.d_model, m = options.adapter_dim;
  down = register_module("down", torch::nn::Linear(in, m * d));
  down_bias = register_module("down_bias", torch::nn::Linear(in, m));
  up = register_module("up", torch::nn::Linear(in, d * m));
  up_bias = register_module("up_bias", torch::nn::Linear(in, d));
  if (options.post_norm) {
    gamma = register_module("gamma", torch::nn::Linear(in, d));
    beta = register_module("beta", torch::nn::Linear(in, d));
  }
  if (options.pre_norm) {
    pre_gamma = register_module("pre_gamma", torch::nn::Linear(in, d));
    pre_beta = register_module("pre_beta", torch::nn::Linear(in, d));
  }
}

AdapterWeights AdapterGeneratorImpl::forward(const at::Tensor& projected) {
  // projected: [n, input_dim]
  const int64_t n = projected.size(0), d = options_.d_model, m = options_.adapter_dim;
  AdapterWeights w;
  w.down = down(projected).view({n, m, d});
  w.down_bias = down_bias(projected);
  w.up = up(projected).view({n, d, m});
  w.up_bias = up_bias(projected);
  if (gamma) {
    w.post_weight = gamma(projected);
    w.post_bias = beta(projected);
  }
  if (pre_gamma) {
    w.pre_weight = pre_gamma(projected);
    w.pre_bias = pre_beta(projected);
  }
  return w;
}

std::vector<AdapterWeights> unbind_adapters(const AdapterWeights& batched) {
  std::vector<AdapterWeights> out(static_cast<std::size_t>(batched.down.size(0)));
  for (at::Tensor AdapterWeights::*field :
       {&AdapterWeights::down, &AdapterWeights::down_bias, &AdapterWeights::up,
        &AdapterWeights::up_bias, &AdapterWeights::pre_weight, &AdapterWeights::pre_bias,
        &AdapterWeights::post_weight, &AdapterWeights::post_bias}) {
    if (!(batched.*field).defined()) continue;
    const std::vector<at::Tensor> rows = (batched.*field).unbind(0);
    for (std::size_t i = 0; i < out.size(); ++i) out[i].*field = rows[i];
  }
  return out;
}

}  // namespace hwb
