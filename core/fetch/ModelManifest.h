#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/fetch/ResumableDownload.h"

namespace hwb {

// The .hwb-fetch.json of a fetched model folder: which repository and revision it holds, each
// file that was verified against the Hub's checksum, and whether the checkpoint is complete. It
// lets a later fetch skip verified files, and the manager tell "ready" from "partial" without
// reading gigabytes.
struct ModelManifest {
  struct File {
    std::string path;
    ExpectedContent content;
  };

  std::string repo;
  std::string revision;
  bool complete = false;
  std::vector<File> files;

  // std::nullopt when the folder has none or it cannot be read (then nothing is trusted).
  static std::optional<ModelManifest> load(const std::filesystem::path& folder);
  // Written atomically; throws hwb::Error naming the file.
  void save(const std::filesystem::path& folder) const;
  const File* find(const std::string& path) const;
  void put(File file);

  static constexpr const char* kFileName = ".hwb-fetch.json";
};

}  // namespace hwb
