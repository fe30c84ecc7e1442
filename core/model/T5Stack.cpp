#include "core/model/T5Stack.h"

#include <ATen/ATen.h>

#include <limits>

#include "core/model/Autocast.h"
#include "core/model/T5Attention.h"

namespace hwb {

at::Tensor padding_bias(const at::Tensor& mask) {
  const at::Tensor keep = mask.to(at::kFloat).unsqueeze(1).unsqueeze(1);
  return (1.0 - keep) * std::numeric_limits<float>::lowest();
}

namespace {

// With the fused kernel the bias must have the dtype of the queries: under CUDA autocast that is
// the autocast dtype (the projections' outputs), converted here once for every block of the stack.
// Masked positions are clamped to the dtype's lowest finite value first: float's lowest rounds
// past bf16's range to -inf, and an infinite bias can turn into NaN inside the kernel (-inf minus
// -inf) where a finite one only underflows to a zero weight (transformers masks with the dtype's
// finite minimum for the same reason).
at::Tensor fused_attention_bias(const at::Tensor& bias, const at::Tensor& like) {
  if (!uses_fused_attention(like)) return bias;
  const at::ScalarType dtype =
      cuda_autocast_active() ? cuda_autocast_compute_dtype() : like.scalar_type();
  const double lowest =
      dtype == at::kBFloat16 ? static_cast<double>(std::numeric_limits<c10::BFloat16>::lowest())
      : dtype == at::kHalf   ? static_cast<double>(std::numeric_limits<c10::Half>::lowest())
                             : static_cast<double>(std::numeric_limits<float>::lowest());
  // Contiguous: the relative bias comes permuted from its embedding, and a bias whose last
  // dimension is strided makes LibTorch fall back to the unfused (math) attention.
  return bias.clamp_min(lowest).to(dtype).contiguous();
}

}  // namespace

T5StackImpl::T5StackImpl(const T5Config& config, StackKind kind) : dropout_(config.dropout_rate) {
  const bool is_decoder = kind == StackKind::kDecoder;
  const int64_t n = is_decoder ? config.num_decoder_layers : config.num_layers;
  for (int64_t i = 0; i < n; ++i) {
    blocks_.emplace_back(config, is_decoder, /*has_relative_attention_bias=*/i == 0, kind, i);
    block->push_back(blocks_.back());
  }
  block = register_module("block", block);
  final_layer_norm =
      register_module("final_layer_norm", T5LayerNorm(config.d_model, config.layer_norm_epsilon));
}

at::Tensor T5StackImpl::encode(const at::Tensor& embeds, const at::Tensor& mask,
                               AdapterHook* adapters) {
  // embeds: [batch, src, d_model]; mask: [batch, src]
  const int64_t len = embeds.size(1);
  // The first block's relative-position bias serves every block of the stack.
  at::Tensor bias = blocks_.front()->self_attention()->compute_bias(len, len) +
                    padding_bias(mask).to(embeds.device());
  bias = fused_attention_bias(bias, embeds);
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
  self_bias = fused_attention_bias(self_bias, embeds);
  const at::Tensor cross_bias =
      fused_attention_bias(padding_bias(encoder_mask).to(embeds.device()), embeds);
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
