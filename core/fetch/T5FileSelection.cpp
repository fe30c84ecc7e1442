#include "core/fetch/T5FileSelection.h"

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "core/util/Error.h"

namespace hwb {

namespace {

const HubFile* find(const std::vector<HubFile>& listing, const std::string& path) {
  for (const HubFile& f : listing) {
    if (f.path == path) return &f;
  }
  return nullptr;
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// The weights a repository offers in formats this program does not read, for the message.
std::string other_weights(const std::vector<HubFile>& listing) {
  std::string names;
  for (const HubFile& f : listing) {
    const bool weights = ends_with(f.path, ".bin") || ends_with(f.path, ".h5") ||
                         ends_with(f.path, ".msgpack") || ends_with(f.path, ".onnx") ||
                         ends_with(f.path, ".ot") || ends_with(f.path, ".ckpt") ||
                         ends_with(f.path, ".pt") || ends_with(f.path, ".pth");
    if (weights) names += (names.empty() ? "" : ", ") + f.path;
  }
  return names.empty() ? "no weights at all" : names;
}

}  // namespace

T5FileSelection::T5FileSelection(const std::vector<HubFile>& listing, const std::string& repo_id,
                                 const std::string& revision)
    : listing_(listing), repo_id_(repo_id) {
  const HubFile* config = find(listing, "config.json");
  if (!config) {
    throw Error(repo_id + " at revision " + revision +
                " has no config.json: it is not a Transformers checkpoint, so there is nothing "
                "this program could load from it");
  }
  files_.push_back(*config);
  for (const char* optional : {"generation_config.json", "spiece.model", "tokenizer.json",
                               "tokenizer_config.json", "special_tokens_map.json"}) {
    if (const HubFile* f = find(listing, optional)) files_.push_back(*f);
  }
  if (const HubFile* single = find(listing, "model.safetensors")) {
    files_.push_back(*single);
  } else if (const HubFile* index = find(listing, kIndexFile)) {
    files_.push_back(*index);
    sharded_ = true;
  } else {
    throw Error(repo_id + " at revision " + revision +
                " has no safetensors weights (model.safetensors or " + kIndexFile + "); it has " +
                other_weights(listing) +
                ". This program reads safetensors only: pick a revision that has them (the Hub "
                "often has a converted one as a pull request, --revision refs/pr/N), or convert "
                "the weights with transformers' save_pretrained(..., safe_serialization=True).");
  }
}

void T5FileSelection::add_shards(const std::filesystem::path& index_json) {
  nlohmann::json j;
  try {
    std::ifstream in(index_json);
    j = nlohmann::json::parse(in);
  } catch (const std::exception& e) {
    throw Error("'" + index_json.string() + "' of " + repo_id_ + " is not valid JSON: " + e.what());
  }
  if (!j.contains("weight_map") || !j.at("weight_map").is_object()) {
    throw Error("'" + index_json.string() + "' of " + repo_id_ + " has no \"weight_map\" object");
  }
  std::set<std::string> shards;
  for (const auto& [tensor, file] : j.at("weight_map").items()) {
    if (!file.is_string()) {
      throw Error("'" + index_json.string() + "': the weight_map entry of " + tensor +
                  " is not a file name");
    }
    shards.insert(file.get<std::string>());
  }
  for (const std::string& shard : shards) {
    const HubFile* f = find(listing_, shard);
    if (!f) {
      throw Error(repo_id_ + ": its " + kIndexFile + " names the shard " + shard +
                  ", which the repository does not have; the checkpoint is incomplete upstream");
    }
    files_.push_back(*f);
  }
  sharded_ = false;
}

}  // namespace hwb
