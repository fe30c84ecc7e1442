#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/model/AdapterHook.h"

namespace hwb {

struct PeftConfig;
struct T5Config;

// Where one adapter sits: a stack, a block and the sublayer whose output it adapts.
struct AdapterSite {
  StackKind stack = StackKind::kEncoder;
  int64_t layer = 0;
  SublayerKind where = SublayerKind::kFeedForward;

  bool operator==(const AdapterSite&) const = default;
};

// The adapter sites a configuration has on a backbone, in the one order used everywhere (site
// index): encoder before decoder, then by layer, then feed-forward before self-attention (the
// position-embedding order of METHOD.md section 4).
std::vector<AdapterSite> adapter_sites(const PeftConfig& config, const T5Config& backbone);

// "encoder" / "decoder" and "feed_forward" / "self_attention", as parameter names spell them.
std::string_view stack_name(StackKind stack);
std::string_view position_name(SublayerKind where);
// "encoder.3.self_attention"
std::string site_name(const AdapterSite& site);

enum class AdapterActivation { kGeluNew, kRelu, kSwish };
// "gelu_new", "relu", "swish" (or "silu"); throws hwb::Error otherwise.
AdapterActivation parse_adapter_activation(std::string_view name);

// The weights of one bottleneck adapter, plain parameters or a hypernetwork's output alike.
// A layer norm whose weight is undefined is off.
struct AdapterWeights {
  at::Tensor down;                    // D   [m, d]
  at::Tensor down_bias;               // b_D [m]
  at::Tensor up;                      // U   [d, m]
  at::Tensor up_bias;                 // b_U [d]
  at::Tensor pre_weight, pre_bias;    // LN_pre affine  [d]
  at::Tensor post_weight, post_bias;  // LN_post affine [d] (gamma, beta when generated)
};

// One task's adapters at every site of a model, in site order (see adapter_sites).
struct TaskAdapters {
  std::vector<AdapterWeights> sites;
  // Hypernetwork variants: the projected embedding I each site's weights were generated from,
  // [sites, projected_task_dim]; undefined for plain adapters.
  at::Tensor projected;
};

// The layer norms inside adapters are standard (mean and bias) ones with torch's default epsilon,
// as nn.LayerNorm in the reference code; only the backbone uses T5's RMS norm.
inline constexpr double kAdapterLayerNormEps = 1e-5;

// A(y) = LN_post(U act(D LN_pre(y) + b_D) + b_U) + y  (METHOD.md section 2).
// y: [..., d]; returns y's shape and dtype; weights are cast to y's dtype.
at::Tensor apply_adapter(const at::Tensor& y, const AdapterWeights& w, AdapterActivation act);

}  // namespace hwb
