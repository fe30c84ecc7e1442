#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/pimpl.h>

#include "core/model/AdapterHook.h"
#include "core/model/T5Attention.h"
#include "core/model/T5FeedForward.h"
#include "core/model/T5LayerNorm.h"

namespace hwb {

// One pre-norm sublayer: a layer norm and either an attention or a feed-forward module, registered
// under the checkpoint's own names ("SelfAttention", "EncDecAttention", "DenseReluDense").
class T5SublayerImpl : public torch::nn::Module {
 public:
  enum class Kind { kSelfAttention, kCrossAttention, kFeedForward };
  T5SublayerImpl(const T5Config& config, Kind kind, bool has_relative_attention_bias,
                 bool bidirectional);

  Kind kind;
  T5LayerNorm layer_norm{nullptr};
  T5Attention attention{nullptr};
  T5FeedForward feed_forward{nullptr};
};
TORCH_MODULE(T5Sublayer);

// The attention caches of one decoder block during generation.
struct BlockCache {
  AttentionCache self;
  AttentionCache cross;
};

// A T5 block: self-attention, cross-attention (decoder only), feed-forward, each
// h = h + dropout(adapter(sublayer(norm(h)))); checkpoint names "layer.0", "layer.1", "layer.2".
class T5BlockImpl : public torch::nn::Module {
 public:
  T5BlockImpl(const T5Config& config, bool is_decoder, bool has_relative_attention_bias,
              StackKind stack, int64_t index);

  // h: [batch, seq, d_model]; self_bias / cross_bias: additive attention biases (positions and
  // masks) of the stack; encoder_hidden: decoder only.
  at::Tensor forward(at::Tensor h, const at::Tensor& self_bias, const at::Tensor& encoder_hidden,
                     const at::Tensor& cross_bias, BlockCache* cache, AdapterHook* adapters);

  T5Attention self_attention() const { return self_->attention; }

  torch::nn::ModuleList layer;

 private:
  at::Tensor adapt(const at::Tensor& y, SublayerKind where, AdapterHook* adapters) const;

  T5Sublayer self_{nullptr}, cross_{nullptr}, ff_{nullptr};
  StackKind stack_;
  int64_t index_;
  double dropout_;
};
TORCH_MODULE(T5Block);

}  // namespace hwb
