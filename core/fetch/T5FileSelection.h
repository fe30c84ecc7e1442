#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "core/fetch/HubClient.h"

namespace hwb {

// Which files of a Hub repository make a T5 checkpoint this program can load: config.json, the
// tokenizer files that are there (spiece.model, tokenizer.json, tokenizer_config.json,
// special_tokens_map.json) and generation_config.json, and the weights as safetensors, one file
// or an index with its shards. PyTorch .bin, TensorFlow, Flax and ONNX weights are never fetched:
// core/model reads safetensors only.
class T5FileSelection {
 public:
  // From the repository's listing. Throws hwb::Error naming the repository when it has no
  // config.json or no safetensors weights (listing what weights it has instead).
  T5FileSelection(const std::vector<HubFile>& listing, const std::string& repo_id,
                  const std::string& revision);

  // In fetch order: the small files first, so a wrong repository shows before the big download.
  const std::vector<HubFile>& files() const { return files_; }
  // True when the weights are sharded: the shards are known once the index has been fetched.
  bool needs_shards() const { return sharded_; }
  // Adds the shards that the fetched `index_json` names. Throws hwb::Error naming a shard the
  // repository lacks, or an index without a weight_map.
  void add_shards(const std::filesystem::path& index_json);

  static constexpr const char* kIndexFile = "model.safetensors.index.json";

 private:
  std::vector<HubFile> listing_;
  std::string repo_id_;
  std::vector<HubFile> files_;
  bool sharded_ = false;
};

}  // namespace hwb
