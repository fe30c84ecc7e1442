#include "core/model/T5Stack.h"

#include <ATen/ATen.h>

#include <limits>

namespace hwb {

at::Tensor padding_bias(const at::Tensor& mask) {
  const at::Tensor keep = mask.to(at::kFloat).unsqueeze(1).unsqueeze(1);
  return (1.0 - keep) * std::numeric_limits<float>::lowest();
}

T5StackImpl::T5StackImpl(const T5Config& config, StackKind kind) : dropout_(config.dropout_rate) {
  const bool is_decoder = kind == StackKind::kDecoder;
  const int64_t n = is_decoder ? config.num_decoder_layers : config.num_layers;
  for (int64_t i = 0; i < n; ++i) {
    blocks_.emplace_back(config, is_decoder, /*has_relative_attention_bias=*/i == 0, kind, i);
    block->push_back(blocks_.back());
  }
  block = register_module("block", block);
  final_layer_norm = register_module("final_layer_norm",
                                     T5LayerNorm(config.d_model, config.layer_norm_epsilon));
}

at::Tensor T5StackImpl::encode(const at::Tensor& embeds, const at::Tensor& mask,
                               AdapterHook* adapters) {
  // embeds: [batch, src, d_model]; mask: [batch, src]
  const int64_t len = embeds.size(1);
  // The first block's relative-position bias serves every block of the stack.
  const at::Tensor bias = blocks_.front()->self_attention()->compute_bias(len, len) +
                          padding_bias(mask).to(embeds.device());
  at::Tensor h = at::dropout(embeds, dropout_, is_training());
  for (T5Block& b : blocks_) h = b(h, bias, at::Tensor(), at::Tensor(), nullptr, adapters);
  return at::dropout(final_layer_norm(h), dropout_, is_training());
}

at::Tensor T5StackImpl::decode(const at::Tensor& embeds, const at::Tensor& encoder_hidden,
                               const at::Tensor& encoder_mask, DecoderCache* cache,
                               AdapterHook* adapters) {
  // embeds: [batch, new, d_model]
  const int64_t past = cache ? cache->length : 0;
  const int64_t q_len = embeds.size(1);
  const int64_t k_len = past + q_len;
  at::Tensor self_bias = blocks_.front()->self_attention()->compute_bias(q_len, k_len, past);
  if (q_len > 1) {
    // Causal: query at position past + i sees keys up to past + i.
    const auto opts = at::TensorOptions().dtype(at::kLong).device(embeds.device());
    const at::Tensor q_pos = at::arange(past, k_len, opts).unsqueeze(1);
    const at::Tensor k_pos = at::arange(k_len, opts).unsqueeze(0);
    const at::Tensor future = (k_pos > q_pos).to(at::kFloat) * std::numeric_limits<float>::lowest();
    self_bias = self_bias + future;
  }
  const at::Tensor cross_bias = padding_bias(encoder_mask).to(embeds.device());
  if (cache && cache->blocks.empty()) cache->blocks.resize(blocks_.size());
  at::Tensor h = at::dropout(embeds, dropout_, is_training());
  for (std::size_t i = 0; i < blocks_.size(); ++i) {
    h = blocks_[i](h, self_bias, encoder_hidden, cross_bias, cache ? &cache->blocks[i] : nullptr,
                   adapters);
  }
  if (cache) cache->length = k_len;
  return at::dropout(final_layer_norm(h), dropout_, is_training());
}

}  // namespace hwb
