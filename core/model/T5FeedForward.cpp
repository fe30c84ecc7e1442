#include "core/model/T5FeedForward.h"

#include <ATen/ATen.h>

#include "core/model/Autocast.h"
#include "core/util/Error.h"

namespace hwb {

at::Tensor apply_activation(const at::Tensor& x, const std::string& name) {
  if (name == "relu") return at::relu(x);
  if (name == "gelu_new") return at::gelu(x, "tanh");
  if (name == "gelu") return at::gelu(x);
  if (name == "silu" || name == "swish") return at::silu(x);
  throw Error("Unknown activation '" + name + "': use relu, gelu, gelu_new or silu");
}

T5FeedForwardImpl::T5FeedForwardImpl(const T5Config& config)
    : activation_(config.activation()), dropout_(config.dropout_rate) {
  auto linear = [](int64_t in, int64_t out) {
    return torch::nn::Linear(torch::nn::LinearOptions(in, out).bias(false));
  };
  if (config.gated_ffn()) {
    wi_0 = register_module("wi_0", linear(config.d_model, config.d_ff));
    wi_1 = register_module("wi_1", linear(config.d_model, config.d_ff));
  } else {
    wi = register_module("wi", linear(config.d_model, config.d_ff));
  }
  wo = register_module("wo", linear(config.d_ff, config.d_model));
}

at::Tensor T5FeedForwardImpl::forward(const at::Tensor& x) {
  // x: [batch, seq, d_model]
  // The gated form's two products read one cast of x.
  const at::Tensor input = autocast_operand(x);
  at::Tensor h = wi ? apply_activation(wi(input), activation_)
                    : apply_activation(wi_0(input), activation_) * wi_1(input);
  h = at::dropout(h, dropout_, is_training());
  return wo(h);
}

}  // namespace hwb
