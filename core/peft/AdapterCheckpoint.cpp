#include "core/peft/AdapterCheckpoint.h"

#include <ATen/ATen.h>
#include <nlohmann/json.hpp>

#include <set>

#include "core/model/Safetensors.h"
#include "core/peft/PeftModel.h"
#include "core/util/Error.h"

namespace hwb {
namespace {

std::string describe(const std::filesystem::path& path) {
  return "'" + path.string() + "'";
}

std::string metadata_value(const SafetensorsFile& file, const std::string& key) {
  const auto it = file.metadata().find(key);
  if (it == file.metadata().end()) {
    throw Error(describe(file.path()) + " is not a saved adapter set: its metadata lacks '" + key +
                "'");
  }
  return it->second;
}

void check_format(const SafetensorsFile& file) {
  const std::string format = metadata_value(file, "format");
  if (format != kAdapterFormat) {
    throw Error(describe(file.path()) + " has format '" + format + "', expected '" +
                kAdapterFormat + "' (a saved adapter set)");
  }
  const std::string version = metadata_value(file, "format_version");
  if (version != kAdapterFormatVersion) {
    throw Error(describe(file.path()) + " has adapter format version " + version +
                "; this build reads version " + kAdapterFormatVersion);
  }
}

nlohmann::json metadata_json(const SafetensorsFile& file, const std::string& key) {
  try {
    return nlohmann::json::parse(metadata_value(file, key));
  } catch (const nlohmann::json::parse_error& e) {
    throw Error(describe(file.path()) + ": metadata '" + key + "' is not valid JSON: " + e.what());
  }
}

// The backbone fields that decide whether adapters fit: every shape, the activation and the
// embedding layout. Dropout and epsilon do not change which weights exist.
std::vector<std::string> backbone_differences(const T5Config& saved, const T5Config& model) {
  const nlohmann::json a = saved.to_json(), b = model.to_json();
  std::vector<std::string> out;
  for (const char* key :
       {"vocab_size", "d_model", "d_kv", "d_ff", "num_layers", "num_decoder_layers", "num_heads",
        "relative_attention_num_buckets", "relative_attention_max_distance", "feed_forward_proj",
        "tie_word_embeddings"}) {
    if (a.at(key) != b.at(key)) {
      out.push_back(std::string(key) + ": saved for " + a.at(key).dump() + ", model has " +
                    b.at(key).dump());
    }
  }
  return out;
}

std::string shape_string(at::IntArrayRef shape) {
  std::string s = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

}  // namespace

void save_adapters(PeftModel& model, const std::filesystem::path& path,
                   const std::map<std::string, std::string>& metadata) {
  std::map<std::string, std::string> meta = metadata;
  meta["format"] = kAdapterFormat;
  meta["format_version"] = kAdapterFormatVersion;
  meta["peft_config"] = model.config().to_json().dump();
  meta["t5_config"] = model.backbone()->config().to_json().dump();
  std::vector<std::pair<std::string, at::Tensor>> tensors;
  for (auto& [name, p] : model.named_saved_parameters()) tensors.emplace_back(name, p.detach());
  write_safetensors(path, tensors, meta);
}

PeftConfig read_adapter_config(const std::filesystem::path& path) {
  const SafetensorsFile file(path);
  check_format(file);
  return PeftConfig::from_json(metadata_json(file, "peft_config"), describe(path) + " peft_config");
}

T5Config read_adapter_backbone_config(const std::filesystem::path& path) {
  const SafetensorsFile file(path);
  check_format(file);
  return T5Config::from_json(metadata_json(file, "t5_config"), describe(path) + " t5_config");
}

void load_adapters(PeftModel& model, const std::filesystem::path& path) {
  const SafetensorsFile file(path);
  check_format(file);
  const T5Config saved_backbone =
      T5Config::from_json(metadata_json(file, "t5_config"), describe(path) + " t5_config");
  const auto differences = backbone_differences(saved_backbone, model.backbone()->config());
  if (!differences.empty()) {
    std::string message = describe(path) + " was saved for another backbone:";
    for (const auto& d : differences) message += "\n  " + d;
    throw Error(message);
  }
  const PeftConfig saved =
      PeftConfig::from_json(metadata_json(file, "peft_config"), describe(path) + " peft_config");
  if (saved.variant != model.config().variant) {
    throw Error(describe(path) + " holds a " + std::string(to_string(saved.variant)) +
                " adapter set; the model is " + std::string(to_string(model.config().variant)));
  }

  std::vector<std::string> missing, mismatched;
  std::set<std::string> used;
  const auto params = model.named_saved_parameters();
  for (const auto& [name, p] : params) {
    if (!file.contains(name)) {
      missing.push_back(name);
      continue;
    }
    used.insert(name);
    const auto& shape = file.entries().at(name).shape;
    if (at::IntArrayRef(shape) != p.sizes()) {
      mismatched.push_back(name + " (file " + shape_string(shape) + ", model " +
                           shape_string(p.sizes()) + ")");
    }
  }
  std::vector<std::string> unexpected;
  for (const auto& [name, entry] : file.entries()) {
    if (!used.count(name)) unexpected.push_back(name);
  }
  if (!missing.empty() || !unexpected.empty() || !mismatched.empty()) {
    std::string message = "Cannot load the adapter set " + describe(path) + " into this model";
    auto list = [&message](const char* what, const std::vector<std::string>& names) {
      if (names.empty()) return;
      message += "\n  " + std::string(what) + " (" + std::to_string(names.size()) + "):";
      for (const auto& n : names) message += "\n    " + n;
    };
    list("missing", missing);
    list("unexpected", unexpected);
    list("shape mismatch", mismatched);
    throw Error(message);
  }
  at::NoGradGuard no_grad;
  for (const auto& [name, p] : params) {
    at::Tensor value = file.load(name, p.scalar_type());
    p.copy_(value.to(p.device()));
  }
  model.invalidate_generated();
}

}  // namespace hwb
