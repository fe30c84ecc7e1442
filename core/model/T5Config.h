#pragma once

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace hwb {

// The backbone's shape, as Hugging Face's config.json for T5 spells it (METHOD.md section 1).
// Defaults are t5-small's.
struct T5Config {
  int64_t vocab_size = 32128;
  int64_t d_model = 512;
  int64_t d_kv = 64;  // per-head size; num_heads * d_kv need not equal d_model
  int64_t d_ff = 2048;
  int64_t num_layers = 6;          // encoder blocks
  int64_t num_decoder_layers = 6;  // decoder blocks
  int64_t num_heads = 8;
  int64_t relative_attention_num_buckets = 32;
  int64_t relative_attention_max_distance = 128;
  double dropout_rate = 0.1;
  double layer_norm_epsilon = 1e-6;
  // "relu" (T5 v1.0), "gated-gelu" (v1.1 / FLAN-T5), or "[gated-]{relu,gelu,gelu_new,silu}".
  std::string feed_forward_proj = "relu";
  // lm_head shares the input embedding ("shared.weight"); no lm_head.weight in the checkpoint.
  bool tie_word_embeddings = true;
  // Multiply the decoder output by d_model^-0.5 before lm_head. Older configs imply it from
  // tie_word_embeddings; transformers 5 writes it as its own key.
  bool scale_decoder_outputs = true;
  int64_t pad_token_id = 0;
  int64_t eos_token_id = 1;
  int64_t decoder_start_token_id = 0;

  bool gated_ffn() const;
  // The activation's name after the "gated-" prefix, with "gated-gelu" meaning gelu_new as in
  // transformers: "relu", "gelu", "gelu_new" or "silu".
  std::string activation() const;

  // Throws hwb::Error listing every invalid field.
  void validate() const;

  nlohmann::json to_json() const;
  // `source` names where the JSON came from, for error messages.
  static T5Config from_json(const nlohmann::json& j, std::string_view source = "config");
  static T5Config load(const std::filesystem::path& config_json);
  void save(const std::filesystem::path& config_json) const;

  // A small random-weight T5 for the built-in demo and tests (full 32100-id vocabulary).
  static T5Config tiny();
};

}  // namespace hwb
