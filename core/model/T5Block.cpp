#include "core/model/T5Block.h"

#include <ATen/ATen.h>

namespace hwb {

T5SublayerImpl::T5SublayerImpl(const T5Config& config, Kind sublayer_kind,
                               bool has_relative_attention_bias, bool bidirectional)
    : kind(sublayer_kind) {
  switch (kind) {
    case Kind::kSelfAttention:
      attention = register_module("SelfAttention",
                                  T5Attention(config, has_relative_attention_bias, bidirectional));
      break;
    case Kind::kCrossAttention:
      // Cross-attention has no position bias of its own: only the encoder's padding mask.
      attention = register_module("EncDecAttention", T5Attention(config, false, bidirectional));
      break;
    case Kind::kFeedForward:
      feed_forward = register_module("DenseReluDense", T5FeedForward(config));
      break;
  }
  layer_norm =
      register_module("layer_norm", T5LayerNorm(config.d_model, config.layer_norm_epsilon));
}

T5BlockImpl::T5BlockImpl(const T5Config& config, bool is_decoder, bool has_relative_attention_bias,
                         StackKind stack, int64_t index)
    : stack_(stack), index_(index), dropout_(config.dropout_rate) {
  const bool bidirectional = !is_decoder;
  self_ = T5Sublayer(config, T5SublayerImpl::Kind::kSelfAttention, has_relative_attention_bias,
                     bidirectional);
  layer->push_back(self_);
  if (is_decoder) {
    cross_ = T5Sublayer(config, T5SublayerImpl::Kind::kCrossAttention, false, bidirectional);
    layer->push_back(cross_);
  }
  ff_ = T5Sublayer(config, T5SublayerImpl::Kind::kFeedForward, false, bidirectional);
  layer->push_back(ff_);
  layer = register_module("layer", layer);
}

at::Tensor T5BlockImpl::adapt(const at::Tensor& y, SublayerKind where,
                              AdapterHook* adapters) const {
  return adapters ? adapters->apply(y, stack_, index_, where) : y;
}

at::Tensor T5BlockImpl::forward(at::Tensor h, const at::Tensor& self_bias,
                                const at::Tensor& encoder_hidden, const at::Tensor& cross_bias,
                                BlockCache* cache, AdapterHook* adapters) {
  // h: [batch, seq, d_model]
  const bool train = is_training();
  at::Tensor y = self_->attention(self_->layer_norm(h), at::Tensor(), self_bias,
                                  cache ? &cache->self : nullptr);
  h = h + at::dropout(adapt(y, SublayerKind::kSelfAttention, adapters), dropout_, train);
  if (cross_) {
    // Cross-attention gets no adapter (METHOD.md section 2).
    y = cross_->attention(cross_->layer_norm(h), encoder_hidden, cross_bias,
                          cache ? &cache->cross : nullptr);
    h = h + at::dropout(y, dropout_, train);
  }
  y = ff_->feed_forward(ff_->layer_norm(h));
  return h + at::dropout(adapt(y, SublayerKind::kFeedForward, adapters), dropout_, train);
}

}  // namespace hwb
