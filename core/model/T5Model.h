#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/embedding.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

#include <map>
#include <memory>
#include <string>

#include "core/model/T5Config.h"
#include "core/model/T5Stack.h"

namespace hwb {

struct LossOptions {
  double label_smoothing = 0.0;
  // The reference code sums the loss over target tokens; the default averages over them.
  bool sum_over_tokens = false;
};

struct Seq2SeqOutput {
  at::Tensor logits;  // [batch, tgt, vocab], fp32
  at::Tensor loss;    // scalar; undefined without labels
};

// T5 encoder-decoder exactly as Hugging Face's T5ForConditionalGeneration computes it, with
// parameter names equal to the checkpoint keys ("shared.weight",
// "encoder.block.0.layer.0.SelfAttention.q.weight", ...), so loading is a dictionary walk.
class T5ModelImpl : public torch::nn::Module {
 public:
  explicit T5ModelImpl(const T5Config& config);

  const T5Config& config() const { return config_; }

  // input_ids, attention_mask: [batch, src] -> [batch, src, d_model]
  at::Tensor encode(const at::Tensor& input_ids, const at::Tensor& attention_mask);
  // decoder_input_ids: [batch, new] -> hidden [batch, new, d_model] (after the final norm).
  at::Tensor decode(const at::Tensor& decoder_input_ids, const at::Tensor& encoder_hidden,
                    const at::Tensor& encoder_mask, DecoderCache* cache = nullptr);
  // hidden: [batch, tgt, d_model] -> logits [batch, tgt, vocab] in fp32.
  at::Tensor lm_logits(const at::Tensor& hidden);

  // Teacher-forced pass: the decoder reads labels shifted right (padding -100 becomes pad).
  Seq2SeqOutput forward(const at::Tensor& input_ids, const at::Tensor& attention_mask,
                        const at::Tensor& labels, const LossOptions& loss = {});

  // Where adapters attach (see AdapterHook); nullptr for the plain backbone.
  void set_adapter_hook(std::shared_ptr<AdapterHook> hook) { adapters_ = std::move(hook); }
  AdapterHook* adapter_hook() const { return adapters_.get(); }

  // transformers' initialisation (normal with the fan-based standard deviations of its
  // _init_weights), seeded, for models made on the spot.
  void init_weights(uint64_t seed);

  // Parameters grouped as a person thinks of them: "embedding", "encoder", "decoder", "lm_head".
  std::map<std::string, int64_t> parameter_counts() const;

  torch::nn::Embedding shared{nullptr};
  T5Stack encoder{nullptr}, decoder{nullptr};
  torch::nn::Linear lm_head{nullptr};  // null when tied to `shared`

 private:
  T5Config config_;
  std::shared_ptr<AdapterHook> adapters_;
};
TORCH_MODULE(T5Model);

// labels [batch, tgt] -> decoder inputs: start id, then labels[:, :-1], with -100 replaced by pad.
at::Tensor shift_right(const at::Tensor& labels, int64_t decoder_start_token_id,
                       int64_t pad_token_id);

// Cross entropy over logits [batch, tgt, vocab] against labels [batch, tgt], ignoring -100.
at::Tensor seq2seq_loss(const at::Tensor& logits, const at::Tensor& labels,
                        const LossOptions& options);

}  // namespace hwb
