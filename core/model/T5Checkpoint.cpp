#include "core/model/T5Checkpoint.h"

#include <ATen/ATen.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <set>

#include "core/model/Safetensors.h"
#include "core/util/Error.h"

namespace hwb {
namespace fs = std::filesystem;

namespace {

std::vector<fs::path> weight_files(const fs::path& folder) {
  const fs::path single = folder / "model.safetensors";
  const fs::path index = folder / "model.safetensors.index.json";
  if (fs::exists(index)) {
    std::ifstream in(index);
    nlohmann::json j;
    try {
      in >> j;
    } catch (const nlohmann::json::parse_error& e) {
      throw Error("'" + index.string() + "' is not valid JSON: " + e.what());
    }
    if (!j.contains("weight_map") || !j.at("weight_map").is_object()) {
      throw Error("'" + index.string() + "' has no \"weight_map\" object");
    }
    std::set<std::string> shards;
    for (const auto& [tensor, file] : j.at("weight_map").items()) {
      if (!file.is_string()) {
        throw Error("'" + index.string() + "': the shard of '" + tensor + "' is not a file name");
      }
      shards.insert(file.get<std::string>());
    }
    std::vector<fs::path> files;
    for (const auto& s : shards) {
      const fs::path p = folder / s;
      if (!fs::exists(p)) {
        throw Error("Shard '" + p.string() + "' listed in '" + index.string() +
                    "' is missing: copy the whole model folder again");
      }
      files.push_back(p);
    }
    return files;
  }
  if (fs::exists(single)) return {single};
  throw Error("No weights in '" + folder.string() +
              "': expected model.safetensors or model.safetensors.index.json with its shards "
              "(PyTorch .bin checkpoints are not read; save the model with safetensors)");
}

}  // namespace

std::string canonical_t5_weight_name(const std::string& name, const T5Config& config,
                                     bool file_has_shared) {
  // Older transformers saved the embedding under each stack as well as "shared".
  if (name == "encoder.embed_tokens.weight" || name == "decoder.embed_tokens.weight") {
    return file_has_shared ? std::string() : "shared.weight";
  }
  // Some tied checkpoints still carry lm_head.weight, equal to shared.weight.
  if (name == "lm_head.weight" && config.tie_word_embeddings) return std::string();
  // A "model." prefix comes from wrappers that nest the network one level down.
  if (name.rfind("model.", 0) == 0) return name.substr(6);
  return name;
}

T5Model load_t5(const fs::path& folder, const T5LoadOptions& options) {
  if (!fs::is_directory(folder)) {
    throw Error("Model folder '" + folder.string() + "' does not exist or is not a folder");
  }
  const T5Config config = T5Config::load(folder / "config.json");
  const std::vector<fs::path> files = weight_files(folder);

  T5Model model(config);
  std::map<std::string, at::Tensor> params;
  for (auto& item : model->named_parameters()) params.emplace(item.key(), item.value());

  std::vector<std::string> unexpected, mis_shaped;
  std::set<std::string> loaded;
  // Copies of the shared embedding that are skipped; checked to really be copies at the end.
  std::vector<std::pair<std::string, at::Tensor>> duplicates;
  at::NoGradGuard no_grad;
  for (const fs::path& file : files) {
    SafetensorsFile st(file);
    const bool has_shared = st.contains("shared.weight");
    for (const auto& [stored_name, entry] : st.entries()) {
      const std::string name = canonical_t5_weight_name(stored_name, config, has_shared);
      if (name.empty()) {
        duplicates.emplace_back(stored_name, st.load(stored_name, at::kFloat));
        continue;
      }
      if (loaded.count(name)) continue;
      const auto it = params.find(name);
      if (it == params.end()) {
        unexpected.push_back(stored_name + " (in " + file.filename().string() + ")");
        continue;
      }
      if (at::IntArrayRef(entry.shape) != it->second.sizes()) {
        mis_shaped.push_back(stored_name + ": file has " + c10::str(at::IntArrayRef(entry.shape)) +
                             ", config.json implies " + c10::str(it->second.sizes()));
        continue;
      }
      it->second.copy_(st.load(stored_name, at::kFloat));
      loaded.insert(name);
    }
  }
  std::vector<std::string> missing;
  for (const auto& [name, _] : params) {
    if (!loaded.count(name)) missing.push_back(name);
  }
  if (params.count("shared.weight") && loaded.count("shared.weight")) {
    for (const auto& [name, copy] : duplicates) {
      if (!copy.sizes().equals(params.at("shared.weight").sizes()) ||
          !at::equal(copy, params.at("shared.weight"))) {
        mis_shaped.push_back(name + ": differs from shared.weight, but this T5 shares one " +
                             "embedding (tie_word_embeddings " +
                             (config.tie_word_embeddings ? "true" : "false") + ")");
      }
    }
  }
  if (!missing.empty() || !unexpected.empty() || !mis_shaped.empty()) {
    std::string message = "The weights in '" + folder.string() + "' do not match its config.json:";
    auto list = [&](const char* title, const std::vector<std::string>& names) {
      if (names.empty()) return;
      message += std::string("\n  ") + title + " (" + std::to_string(names.size()) + "):";
      for (std::size_t i = 0; i < names.size() && i < 20; ++i) message += "\n    " + names[i];
      if (names.size() > 20) message += "\n    ...";
    };
    list("missing", missing);
    list("unexpected", unexpected);
    list("wrong shape or value", mis_shaped);
    throw Error(message);
  }
  if (options.dtype != at::kFloat) model->to(options.dtype);
  return model;
}

std::vector<std::pair<std::string, at::Tensor>> t5_state(T5Model& model) {
  std::vector<std::pair<std::string, at::Tensor>> state;
  for (const auto& item : model->named_parameters()) state.emplace_back(item.key(), item.value());
  return state;
}

void save_t5(T5Model& model, const fs::path& folder,
             const std::map<std::string, std::string>& metadata) {
  std::error_code ec;
  fs::create_directories(folder, ec);
  if (ec) throw Error("Cannot create model folder '" + folder.string() + "': " + ec.message());
  std::map<std::string, std::string> meta = metadata;
  meta.emplace("format", "pt");
  write_safetensors(folder / "model.safetensors", t5_state(model), meta);
  model->config().save(folder / "config.json");
}

}  // namespace hwb
