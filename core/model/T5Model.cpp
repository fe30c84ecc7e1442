#include "core/model/T5Model.h"

#include <ATen/ATen.h>
#include <torch/nn/functional/loss.h>

#include <cmath>

namespace hwb {

T5ModelImpl::T5ModelImpl(const T5Config& config) : config_(config) {
  config_.validate();
  shared = register_module("shared", torch::nn::Embedding(torch::nn::EmbeddingOptions(
                                         config.vocab_size, config.d_model)));
  encoder = register_module("encoder", T5Stack(config, StackKind::kEncoder));
  decoder = register_module("decoder", T5Stack(config, StackKind::kDecoder));
  if (!config.tie_word_embeddings) {
    lm_head = register_module(
        "lm_head",
        torch::nn::Linear(torch::nn::LinearOptions(config.d_model, config.vocab_size).bias(false)));
  }
}

at::Tensor T5ModelImpl::encode(const at::Tensor& input_ids, const at::Tensor& attention_mask) {
  return encoder->encode(shared(input_ids), attention_mask, adapters_.get());
}

at::Tensor T5ModelImpl::decode(const at::Tensor& decoder_input_ids,
                               const at::Tensor& encoder_hidden, const at::Tensor& encoder_mask,
                               DecoderCache* cache) {
  return decoder->decode(shared(decoder_input_ids), encoder_hidden, encoder_mask, cache,
                         adapters_.get());
}

at::Tensor T5ModelImpl::lm_logits(const at::Tensor& hidden) {
  at::Tensor h = hidden;
  if (config_.scale_decoder_outputs) h = h * std::pow(static_cast<double>(config_.d_model), -0.5);
  const at::Tensor& weight = lm_head ? lm_head->weight : shared->weight;
  return at::linear(h, weight).to(at::kFloat);
}

Seq2SeqOutput T5ModelImpl::forward(const at::Tensor& input_ids, const at::Tensor& attention_mask,
                                   const at::Tensor& labels, const LossOptions& loss) {
  const at::Tensor encoded = encode(input_ids, attention_mask);
  const at::Tensor decoder_inputs =
      shift_right(labels, config_.decoder_start_token_id, config_.pad_token_id);
  Seq2SeqOutput out;
  out.logits = lm_logits(decode(decoder_inputs, encoded, attention_mask));
  out.loss = seq2seq_loss(out.logits, labels, loss);
  return out;
}

void T5ModelImpl::init_weights(uint64_t seed) {
  const at::Generator gen = at::detail::createCPUGenerator(seed);
  const double d_model = static_cast<double>(config_.d_model);
  const double inner = static_cast<double>(config_.num_heads * config_.d_kv);
  at::NoGradGuard no_grad;
  for (auto& item : named_parameters()) {
    const std::string& name = item.key();
    at::Tensor& p = item.value();
    double sd = 1.0;
    if (name.find("layer_norm") != std::string::npos) {
      p.fill_(1.0);
      continue;
    }
    if (name.rfind("shared", 0) == 0 || name.rfind("lm_head", 0) == 0) {
      sd = 1.0;
    } else if (name.find(".q.weight") != std::string::npos) {
      sd = std::pow(d_model * static_cast<double>(config_.d_kv), -0.5);
    } else if (name.find(".o.weight") != std::string::npos) {
      sd = std::pow(inner, -0.5);
    } else if (name.find(".wo.weight") != std::string::npos) {
      sd = std::pow(static_cast<double>(config_.d_ff), -0.5);
    } else {
      // k, v, wi, wi_0, wi_1 and the relative-attention bias.
      sd = std::pow(d_model, -0.5);
    }
    // Drawn on the CPU with the seeded generator, so a seed means the same weights on any device.
    p.copy_(at::normal(0.0, sd, p.sizes(), gen, at::TensorOptions().dtype(at::kFloat)));
  }
}

std::map<std::string, int64_t> T5ModelImpl::parameter_counts() const {
  std::map<std::string, int64_t> counts{
      {"embedding", 0}, {"encoder", 0}, {"decoder", 0}, {"lm_head", 0}};
  for (const auto& item : named_parameters()) {
    const std::string& name = item.key();
    const std::string group = name.substr(0, name.find('.'));
    counts[group == "shared" ? "embedding" : group] += item.value().numel();
  }
  return counts;
}

at::Tensor shift_right(const at::Tensor& labels, int64_t decoder_start_token_id,
                       int64_t pad_token_id) {
  at::Tensor shifted = at::empty_like(labels);
  shifted.select(1, 0).fill_(decoder_start_token_id);
  if (labels.size(1) > 1) {
    shifted.slice(1, 1).copy_(labels.slice(1, 0, labels.size(1) - 1));
  }
  return shifted.masked_fill(shifted == -100, pad_token_id);
}

at::Tensor seq2seq_loss(const at::Tensor& logits, const at::Tensor& labels,
                        const LossOptions& options) {
  if (!labels.defined()) return {};
  namespace F = torch::nn::functional;
  const int64_t vocab = logits.size(-1);
  auto opts =
      F::CrossEntropyFuncOptions().ignore_index(-100).label_smoothing(options.label_smoothing);
  if (options.sum_over_tokens) opts.reduction(torch::kSum);
  return F::cross_entropy(logits.reshape({-1, vocab}).to(at::kFloat),
                          labels.reshape({-1}).to(at::kLong), opts);
}

}  // namespace hwb
