#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/embedding.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

#include "core/model/T5Config.h"

namespace hwb {

// Keys and values kept between generation steps: [batch, heads, length, d_kv].
struct AttentionCache {
  at::Tensor key;
  at::Tensor value;
};

// Multi-head attention as T5 has it: no bias terms, no 1/sqrt(d_kv) scaling (folded into the
// initialisation), an additive bias carrying relative positions and masks. The first block of each
// stack owns the relative-position embedding; the other blocks reuse the bias it computes.
class T5AttentionImpl : public torch::nn::Module {
 public:
  T5AttentionImpl(const T5Config& config, bool has_relative_attention_bias, bool bidirectional);

  // x: [batch, q_len, d_model]; kv_source: [batch, k_len, d_model] for cross-attention, undefined
  // for self-attention; bias: broadcastable to [batch, heads, q_len, k_len_total].
  // With a cache, self-attention appends this step's keys/values, cross-attention computes them
  // once and reuses them.
  at::Tensor forward(const at::Tensor& x, const at::Tensor& kv_source, const at::Tensor& bias,
                     AttentionCache* cache = nullptr);

  // The learned relative-position bias for queries at positions [q_offset, q_offset + q_len) and
  // keys [0, k_len): [1, heads, q_len, k_len].
  at::Tensor compute_bias(int64_t q_len, int64_t k_len, int64_t q_offset = 0) const;

  torch::nn::Linear q{nullptr}, k{nullptr}, v{nullptr}, o{nullptr};
  torch::nn::Embedding relative_attention_bias{nullptr};

 private:
  at::Tensor split_heads(const at::Tensor& x) const;

  int64_t num_heads_;
  int64_t d_kv_;
  int64_t num_buckets_;
  int64_t max_distance_;
  bool bidirectional_;
  double dropout_;
};
TORCH_MODULE(T5Attention);

// Whether attention on `x`'s device runs the fused kernel (LibTorch 2.1 or later, CUDA). Its bias
// should then come in the compute dtype, converted once per stack rather than once per block.
bool uses_fused_attention(const at::Tensor& x);

// T5's bucketing of key - query offsets: exact for small offsets, log-spaced up to max_distance;
// bidirectional buckets split the range by sign. relative_position: int64 tensor.
at::Tensor relative_position_bucket(const at::Tensor& relative_position, bool bidirectional,
                                    int64_t num_buckets, int64_t max_distance);

}  // namespace hwb
