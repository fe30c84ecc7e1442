#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/pimpl.h>

#include <vector>

#include "core/model/T5Block.h"

namespace hwb {

// Per-step state of incremental decoding: the caches of every decoder block and how many
// positions they hold.
struct DecoderCache {
  std::vector<BlockCache> blocks;
  int64_t length = 0;
};

// The encoder or the decoder: blocks, then the final RMS norm. Checkpoint names "block.{i}" and
// "final_layer_norm"; the token embedding belongs to the model ("shared") and arrives embedded.
class T5StackImpl : public torch::nn::Module {
 public:
  T5StackImpl(const T5Config& config, StackKind kind);

  // Encoder: embeds [batch, src, d_model], mask [batch, src] (1 = token, 0 = padding).
  at::Tensor encode(const at::Tensor& embeds, const at::Tensor& mask, AdapterHook* adapters);
  // Decoder: embeds [batch, tgt, d_model] of the positions after cache->length (all positions
  // without a cache); encoder_hidden [batch, src, d_model]; encoder_mask [batch, src].
  at::Tensor decode(const at::Tensor& embeds, const at::Tensor& encoder_hidden,
                    const at::Tensor& encoder_mask, DecoderCache* cache, AdapterHook* adapters);

  int64_t num_blocks() const { return static_cast<int64_t>(blocks_.size()); }

  torch::nn::ModuleList block;
  T5LayerNorm final_layer_norm{nullptr};

 private:
  std::vector<T5Block> blocks_;
  double dropout_;
};
TORCH_MODULE(T5Stack);

// An additive mask from a [batch, len] 0/1 mask: 0 where attended, the dtype's lowest value where
// not; shape [batch, 1, 1, len].
at::Tensor padding_bias(const at::Tensor& mask);

}  // namespace hwb
