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
  const int64_t n = batched.down.size(0);
  auto rows = [n](const at::Tensor& t) {
    return t.defined() ? t.unbind(0) : std::vector<at::Tensor>(static_cast<std::size_t>(n));
  };
  const std::vector<at::Tensor> down = rows(batched.down), down_bias = rows(batched.down_bias),
                                up = rows(batched.up), up_bias = rows(batched.up_bias),
                                pre_weight = rows(batched.pre_weight),
                                pre_bias = rows(batched.pre_bias),
                                post_weight = rows(batched.post_weight),
                                post_bias = rows(batched.post_bias);
  std::vector<AdapterWeights> out;
  out.reserve(static_cast<std::size_t>(n));
  for (std::size_t i = 0; i < static_cast<std::size_t>(n); ++i) {
    out.push_back({down[i], down_bias[i], up[i], up_bias[i], pre_weight[i], pre_bias[i],
                   post_weight[i], post_bias[i]});
  }
  return out;
}

}  // namespace hwb
