#pragma once

// Small models and batches shared by the tst_peft_* executables (header-only).
#include <ATen/ATen.h>

#include <string>
#include <vector>

#include "core/model/T5Model.h"
#include "core/peft/PeftConfig.h"

namespace hwb::test {

// A T5 small enough for many forward passes a test, with different encoder and decoder depths so
// a mix-up between them shows.
inline T5Config small_t5_config() {
  T5Config c;
  c.vocab_size = 96;
  c.d_model = 32;
  c.d_kv = 8;
  c.d_ff = 64;
  c.num_layers = 2;
  c.num_decoder_layers = 3;
  c.num_heads = 4;
  c.relative_attention_num_buckets = 8;
  c.relative_attention_max_distance = 20;
  c.feed_forward_proj = "gated-gelu";
  return c;
}

inline T5Model small_t5(uint64_t seed = 1) {
  T5Model model(small_t5_config());
  model->init_weights(seed);
  return model;
}

// Small hypernetwork sizes for the small T5 (d_model 32: m = 8 with reduction factor 4).
inline PeftConfig small_peft_config(PeftVariant variant,
                                    std::vector<std::string> tasks = {"rte", "cola", "stsb"}) {
  PeftConfig c;
  c.variant = variant;
  c.tasks = variant == PeftVariant::kAdapters ? std::vector<std::string>{tasks.front()} : tasks;
  c.reduction_factor = 4;
  c.task_embedding_dim = 8;
  c.projector_hidden_dim = 16;
  c.projected_task_dim = 8;
  return c;
}

struct Batch {
  at::Tensor input_ids, attention_mask, labels;
};

// Two sources (the second padded) and two targets ending in EOS, ids drawn from `seed`.
inline Batch small_batch(uint64_t seed, int64_t vocab = 96) {
  const at::Generator gen = at::detail::createCPUGenerator(seed);
  Batch b;
  b.input_ids = at::randint(2, vocab, {2, 7}, gen, at::kLong);
  b.input_ids.select(1, 6).fill_(1);
  b.attention_mask = at::ones({2, 7}, at::kLong);
  b.attention_mask[1].slice(0, 5).fill_(0);
  b.input_ids[1].slice(0, 5).fill_(0);
  b.labels = at::randint(2, vocab, {2, 4}, gen, at::kLong);
  b.labels.select(1, 3).fill_(1);
  b.labels[1][3] = -100;
  b.labels[1][2] = 1;
  return b;
}

inline const std::vector<PeftVariant>& all_variants() {
  static const std::vector<PeftVariant> v = {PeftVariant::kFullFinetune,
                                             PeftVariant::kAdapters,
                                             PeftVariant::kAdaptersSharedNorms,
                                             PeftVariant::kHyperformer,
                                             PeftVariant::kHyperformerLayerConditioned,
                                             PeftVariant::kHyperformerPP};
  return v;
}

inline const std::vector<PeftVariant>& hyper_variants() {
  static const std::vector<PeftVariant> v = {PeftVariant::kHyperformer,
                                             PeftVariant::kHyperformerLayerConditioned,
                                             PeftVariant::kHyperformerPP};
  return v;
}

}  // namespace hwb::test
