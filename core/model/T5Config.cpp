#include "core/model/T5Config.h"

#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>
#include <vector>

#include "core/util/AtomicFileWriter.h"
#include "core/util/Error.h"

namespace hwb {
namespace {

const std::vector<std::string> kActivations = {"relu", "gelu", "gelu_new", "silu", "swish"};

std::string strip_gated(const std::string& proj) {
  constexpr std::string_view kGated = "gated-";
  return proj.rfind(kGated, 0) == 0 ? proj.substr(kGated.size()) : proj;
}

template <typename T>
void read_field(const nlohmann::json& j, const char* key, T& field, std::string_view source,
                std::vector<std::string>& problems) {
  if (!j.contains(key) || j.at(key).is_null()) return;
  try {
    field = j.at(key).get<T>();
  } catch (const std::exception&) {
    problems.push_back(std::string(key) + ": expected " +
                       (std::is_same_v<T, std::string> ? "a string"
                        : std::is_same_v<T, bool>      ? "true or false"
                                                       : "a number") +
                       ", got " + j.at(key).dump());
  }
}

}  // namespace

bool T5Config::gated_ffn() const {
  return feed_forward_proj.rfind("gated-", 0) == 0;
}

std::string T5Config::activation() const {
  const std::string act = strip_gated(feed_forward_proj);
  if (act == "swish") return "silu";
  // transformers maps "gated-gelu" to the tanh approximation (its gelu_new).
  if (act == "gelu" && gated_ffn()) return "gelu_new";
  return act;
}

void T5Config::validate() const {
  std::vector<std::string> problems;
  auto positive = [&](const char* name, int64_t v) {
    if (v <= 0)
      problems.push_back(std::string(name) + " must be positive, got " + std::to_string(v));
  };
  positive("vocab_size", vocab_size);
  positive("d_model", d_model);
  positive("d_kv", d_kv);
  positive("d_ff", d_ff);
  positive("num_layers", num_layers);
  positive("num_decoder_layers", num_decoder_layers);
  positive("num_heads", num_heads);
  positive("relative_attention_num_buckets", relative_attention_num_buckets);
  positive("relative_attention_max_distance", relative_attention_max_distance);
  if (relative_attention_num_buckets < 4) {
    problems.push_back("relative_attention_num_buckets must be at least 4");
  }
  if (dropout_rate < 0 || dropout_rate >= 1) {
    problems.push_back("dropout_rate must be in [0, 1), got " + std::to_string(dropout_rate));
  }
  if (layer_norm_epsilon <= 0) problems.push_back("layer_norm_epsilon must be positive");
  const std::string act = strip_gated(feed_forward_proj);
  const bool known = std::find(kActivations.begin(), kActivations.end(), act) != kActivations.end();
  if (!known || feed_forward_proj.find('-') != feed_forward_proj.rfind('-') ||
      (feed_forward_proj.find('-') != std::string::npos && !gated_ffn())) {
    problems.push_back("feed_forward_proj '" + feed_forward_proj +
                       "' is unknown: use \"relu\" (T5 v1.0), \"gated-gelu\" (T5 v1.1, FLAN-T5) "
                       "or \"[gated-]{relu,gelu,gelu_new,silu}\"");
  }
  for (auto [name, id] :
       {std::pair{"pad_token_id", pad_token_id}, std::pair{"eos_token_id", eos_token_id},
        std::pair{"decoder_start_token_id", decoder_start_token_id}}) {
    if (id < 0 || id >= vocab_size) {
      problems.push_back(std::string(name) + " " + std::to_string(id) +
                         " is outside the vocabulary of " + std::to_string(vocab_size));
    }
  }
  if (!problems.empty()) {
    std::string message = "Invalid T5 configuration:";
    for (const auto& p : problems) message += "\n  " + p;
    throw Error(message);
  }
}

nlohmann::json T5Config::to_json() const {
  return {{"model_type", "t5"},
          {"architectures", {"T5ForConditionalGeneration"}},
          {"vocab_size", vocab_size},
          {"d_model", d_model},
          {"d_kv", d_kv},
          {"d_ff", d_ff},
          {"num_layers", num_layers},
          {"num_decoder_layers", num_decoder_layers},
          {"num_heads", num_heads},
          {"relative_attention_num_buckets", relative_attention_num_buckets},
          {"relative_attention_max_distance", relative_attention_max_distance},
          {"dropout_rate", dropout_rate},
          {"layer_norm_epsilon", layer_norm_epsilon},
          {"feed_forward_proj", feed_forward_proj},
          {"tie_word_embeddings", tie_word_embeddings},
          {"scale_decoder_outputs", scale_decoder_outputs},
          {"pad_token_id", pad_token_id},
          {"eos_token_id", eos_token_id},
          {"decoder_start_token_id", decoder_start_token_id},
          {"is_encoder_decoder", true}};
}

T5Config T5Config::from_json(const nlohmann::json& j, std::string_view source) {
  if (!j.is_object()) throw Error(std::string(source) + ": expected a JSON object");
  T5Config c;
  std::vector<std::string> problems;
  if (j.contains("model_type") && j.at("model_type").is_string() &&
      j.at("model_type").get<std::string>() != "t5") {
    problems.push_back("model_type is '" + j.at("model_type").get<std::string>() +
                       "', expected 't5'");
  }
  read_field(j, "vocab_size", c.vocab_size, source, problems);
  read_field(j, "d_model", c.d_model, source, problems);
  read_field(j, "d_kv", c.d_kv, source, problems);
  read_field(j, "d_ff", c.d_ff, source, problems);
  read_field(j, "num_layers", c.num_layers, source, problems);
  c.num_decoder_layers = c.num_layers;  // transformers' default when the key is absent or null
  read_field(j, "num_decoder_layers", c.num_decoder_layers, source, problems);
  read_field(j, "num_heads", c.num_heads, source, problems);
  read_field(j, "relative_attention_num_buckets", c.relative_attention_num_buckets, source,
             problems);
  read_field(j, "relative_attention_max_distance", c.relative_attention_max_distance, source,
             problems);
  read_field(j, "dropout_rate", c.dropout_rate, source, problems);
  read_field(j, "layer_norm_epsilon", c.layer_norm_epsilon, source, problems);
  read_field(j, "feed_forward_proj", c.feed_forward_proj, source, problems);
  read_field(j, "tie_word_embeddings", c.tie_word_embeddings, source, problems);
  c.scale_decoder_outputs = c.tie_word_embeddings;
  read_field(j, "scale_decoder_outputs", c.scale_decoder_outputs, source, problems);
  read_field(j, "pad_token_id", c.pad_token_id, source, problems);
  read_field(j, "eos_token_id", c.eos_token_id, source, problems);
  read_field(j, "decoder_start_token_id", c.decoder_start_token_id, source, problems);
  if (!problems.empty()) {
    std::string message = std::string(source) + ": invalid T5 configuration:";
    for (const auto& p : problems) message += "\n  " + p;
    throw Error(message);
  }
  try {
    c.validate();
  } catch (const Error& e) {
    throw Error(std::string(source) + ": " + e.what());
  }
  return c;
}

T5Config T5Config::load(const std::filesystem::path& config_json) {
  std::ifstream in(config_json);
  if (!in) {
    throw Error("Cannot read '" + config_json.string() +
                "': a T5 model folder needs config.json next to its safetensors weights");
  }
  nlohmann::json j;
  try {
    in >> j;
  } catch (const nlohmann::json::parse_error& e) {
    throw Error("'" + config_json.string() + "' is not valid JSON: " + e.what());
  }
  return from_json(j, "'" + config_json.string() + "'");
}

void T5Config::save(const std::filesystem::path& config_json) const {
  AtomicFileWriter out(config_json);
  out.write(to_json().dump(2) + "\n");
  out.commit();
}

T5Config T5Config::tiny() {
  T5Config c;
  c.vocab_size = 32100;
  c.d_model = 64;
  c.d_kv = 16;
  c.d_ff = 128;
  c.num_layers = 2;
  c.num_decoder_layers = 2;
  c.num_heads = 4;
  c.feed_forward_proj = "gated-gelu";
  c.tie_word_embeddings = true;
  c.scale_decoder_outputs = true;
  return c;
}

}  // namespace hwb
