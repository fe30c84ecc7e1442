#include "core/peft/Adapter.h"

#include <ATen/ATen.h>

#include "core/model/Autocast.h"
#include "core/model/T5Config.h"
#include "core/peft/PeftConfig.h"
#include "core/util/Error.h"

namespace hwb {
namespace {

at::Tensor activate(const at::Tensor& x, AdapterActivation act) {
  switch (act) {
    case AdapterActivation::kGeluNew:
      return at::gelu(x, "tanh");
    case AdapterActivation::kRelu:
      return at::relu(x);
    case AdapterActivation::kSwish:
      return at::silu(x);
  }
  return x;
}

}  // namespace

std::vector<AdapterSite> adapter_sites(const PeftConfig& config, const T5Config& backbone) {
  std::vector<AdapterSite> sites;
  for (StackKind stack : {StackKind::kEncoder, StackKind::kDecoder}) {
    if (!config.adapters_in_stack(stack)) continue;
    const int64_t layers =
        stack == StackKind::kEncoder ? backbone.num_layers : backbone.num_decoder_layers;
    for (int64_t layer = 0; layer < layers; ++layer) {
      for (SublayerKind where : {SublayerKind::kFeedForward, SublayerKind::kSelfAttention}) {
        sites.push_back({stack, layer, where});
      }
    }
  }
  return sites;
}

std::string_view stack_name(StackKind stack) {
  return stack == StackKind::kEncoder ? "encoder" : "decoder";
}

std::string_view position_name(SublayerKind where) {
  return where == SublayerKind::kFeedForward ? "feed_forward" : "self_attention";
}

std::string site_name(const AdapterSite& site) {
  return std::string(stack_name(site.stack)) + "." + std::to_string(site.layer) + "." +
         std::string(position_name(site.where));
}

AdapterActivation parse_adapter_activation(std::string_view name) {
  if (name == "gelu_new") return AdapterActivation::kGeluNew;
  if (name == "relu") return AdapterActivation::kRelu;
  if (name == "swish" || name == "silu") return AdapterActivation::kSwish;
  throw Error("non_linearity '" + std::string(name) + "' is unknown: use gelu_new, relu or swish");
}

at::Tensor apply_adapter(const at::Tensor& y, const AdapterWeights& w, AdapterActivation act) {
  // y: [..., d]. Computed in y's dtype, the layer norms too: LibTorch's kernels accumulate half
  // types in fp32 anyway, and autocast's fp32 copies in and out of each norm cost more than the
  // rest of the adapter (bf16 on CUDA: its forward and backward passes over [tokens, d]).
  const auto type = y.scalar_type();
  const int64_t d = y.size(-1);
  auto norm = [&](const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias) {
    AutocastExcludedGuard in_own_dtype;
    return at::layer_norm(x.to(type), {d}, weight.to(type), bias.to(type), kAdapterLayerNormEps);
  };
  at::Tensor z = y;
  if (w.pre_weight.defined()) z = norm(z, w.pre_weight, w.pre_bias);
  z = activate(at::linear(z, w.down.to(type), w.down_bias.to(type)), act);
  z = at::linear(z, w.up.to(type), w.up_bias.to(type));
  if (w.post_weight.defined()) z = norm(z, w.post_weight, w.post_bias);
  return z + y;
}

}  // namespace hwb
