#include "core/model/T5Attention.h"

#include <ATen/ATen.h>
#include <torch/version.h>

#include <cmath>

#include "core/model/Autocast.h"

// Fused attention (scaled_dot_product_attention with an explicit scale) exists from LibTorch 2.1;
// Debian ships 1.13, the GPU machine 2.11.
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 1)
#define HWB_FUSED_ATTENTION 1
#endif

namespace hwb {

bool uses_fused_attention(const at::Tensor& x) {
#ifdef HWB_FUSED_ATTENTION
  return x.is_cuda();
#else
  (void)x;
  return false;
#endif
}

at::Tensor relative_position_bucket(const at::Tensor& relative_position, bool bidirectional,
                                    int64_t num_buckets, int64_t max_distance) {
  at::Tensor buckets = at::zeros_like(relative_position);
  at::Tensor distance;
  if (bidirectional) {
    num_buckets /= 2;
    buckets = buckets + (relative_position > 0).to(at::kLong) * num_buckets;
    distance = relative_position.abs();
  } else {
    distance = -at::clamp_max(relative_position, 0);
  }
  const int64_t max_exact = num_buckets / 2;
  const at::Tensor is_small = distance < max_exact;
  // Clamp to 1 first: log(0) would be -inf; those positions take the exact branch anyway.
  at::Tensor large =
      max_exact + (at::log(distance.to(at::kFloat).clamp_min(1) / static_cast<double>(max_exact)) /
                   std::log(static_cast<double>(max_distance) / static_cast<double>(max_exact)) *
                   static_cast<double>(num_buckets - max_exact))
                      .to(at::kLong);
  large = at::clamp_max(large, num_buckets - 1);
  return buckets + at::where(is_small, distance, large);
}

T5AttentionImpl::T5AttentionImpl(const T5Config& config, bool has_relative_attention_bias,
                                 bool bidirectional)
    : num_heads_(config.num_heads),
      d_kv_(config.d_kv),
      num_buckets_(config.relative_attention_num_buckets),
      max_distance_(config.relative_attention_max_distance),
      bidirectional_(bidirectional),
      dropout_(config.dropout_rate) {
  const int64_t inner = config.num_heads * config.d_kv;
  auto linear = [](int64_t in, int64_t out) {
    return torch::nn::Linear(torch::nn::LinearOptions(in, out).bias(false));
  };
  q = register_module("q", linear(config.d_model, inner));
  k = register_module("k", linear(config.d_model, inner));
  v = register_module("v", linear(config.d_model, inner));
  o = register_module("o", linear(inner, config.d_model));
  if (has_relative_attention_bias) {
    relative_attention_bias = register_module(
        "relative_attention_bias",
        torch::nn::Embedding(torch::nn::EmbeddingOptions(num_buckets_, num_heads_)));
  }
}

at::Tensor T5AttentionImpl::split_heads(const at::Tensor& x) const {
  // [batch, len, heads * d_kv] -> [batch, heads, len, d_kv]
  return x.view({x.size(0), x.size(1), num_heads_, d_kv_}).transpose(1, 2);
}

at::Tensor T5AttentionImpl::compute_bias(int64_t q_len, int64_t k_len, int64_t q_offset) const {
  const auto device = relative_attention_bias->weight.device();
  const auto opts = at::TensorOptions().dtype(at::kLong).device(device);
  const at::Tensor context = at::arange(q_offset, q_offset + q_len, opts).unsqueeze(1);
  const at::Tensor memory = at::arange(k_len, opts).unsqueeze(0);
  const at::Tensor buckets =
      relative_position_bucket(memory - context, bidirectional_, num_buckets_, max_distance_);
  // [q_len, k_len, heads] -> [1, heads, q_len, k_len]
  return at::embedding(relative_attention_bias->weight, buckets).permute({2, 0, 1}).unsqueeze(0);
}

at::Tensor T5AttentionImpl::forward(const at::Tensor& x, const at::Tensor& kv_source,
                                    const at::Tensor& bias, AttentionCache* cache) {
  // x: [batch, q_len, d_model]
  const bool cross = kv_source.defined();
  // Self-attention's three projections read one cast of x, cross-attention's keys and values one
  // cast of the encoder output.
  const at::Tensor input = autocast_operand(x);
  const at::Tensor query = split_heads(q(input));
  at::Tensor key, value;
  if (cross && cache && cache->key.defined()) {
    key = cache->key;
    value = cache->value;
  } else {
    const at::Tensor source = cross ? autocast_operand(kv_source) : input;
    key = split_heads(k(source));
    value = split_heads(v(source));
    if (cache && !cross && cache->key.defined()) {
      key = at::cat({cache->key, key}, 2);
      value = at::cat({cache->value, value}, 2);
    }
    if (cache) {
      cache->key = key;
      cache->value = value;
    }
  }
  at::Tensor context;
#ifdef HWB_FUSED_ATTENTION
  if (uses_fused_attention(query)) {
    // The memory-efficient kernel takes T5's additive bias (relative positions and masks) and
    // never materialises the [batch, heads, q, k] scores, their softmax or the dropout mask in
    // device memory, forward or backward. T5 does not scale scores: scale 1.
    const at::Tensor b =
        bias.scalar_type() == query.scalar_type() ? bias : bias.to(query.scalar_type());
    context = at::scaled_dot_product_attention(query, key.to(query.scalar_type()),
                                               value.to(query.scalar_type()), b,
                                               is_training() ? dropout_ : 0.0, false, 1.0);
    context = context.transpose(1, 2).reshape({x.size(0), x.size(1), num_heads_ * d_kv_});
    return o(context);
  }
#endif
  // T5 does not scale scores by 1/sqrt(d_kv).
  at::Tensor scores = at::matmul(query, key.transpose(-1, -2)) + bias;
  at::Tensor weights = scores.to(at::kFloat).softmax(-1).to(scores.scalar_type());
  weights = at::dropout(weights, dropout_, is_training());
  context = at::matmul(weights.to(value.scalar_type()), value);
  // [batch, heads, q_len, d_kv] -> [batch, q_len, heads * d_kv]
  context = context.transpose(1, 2).reshape({x.size(0), x.size(1), num_heads_ * d_kv_});
  return o(context);
}

}  // namespace hwb
