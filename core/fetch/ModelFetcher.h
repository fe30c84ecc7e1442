#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/fetch/FetchProgress.h"
#include "core/fetch/HttpClient.h"
#include "core/fetch/HubClient.h"

namespace hwb {

struct ModelFetchOptions {
  HubOptions hub;
  std::filesystem::path folder;  // where the checkpoint's files go (config.json directly in it)
  // Hub ids a mistyped id is compared with, to suggest the right spelling (the catalog's).
  std::vector<std::string> known_repos;
};

struct ModelFetchResult {
  std::filesystem::path folder;
  std::vector<std::string> files;  // in fetch order
  int64_t bytes = 0;               // of all the files
  int64_t transferred = 0;         // received by this fetch
  int64_t resumed_bytes = 0;       // of earlier partial files that were kept
};

// Fetches a T5 checkpoint from the Hugging Face Hub into one folder that core/model loads as it
// is (T5FileSelection says which files). Every file is checked against the Hub's checksum before
// it takes its name, so the folder never holds a corrupt file under a real name. The folder's
// ModelManifest records the verified files and, at the end, that the checkpoint is complete;
// a second fetch skips files it lists and resumes a partial one.
class ModelFetcher {
 public:
  ModelFetcher(HttpClient& http, ModelFetchOptions options);

  // Throws FetchCancelled when `progress` returns false, hwb::Error otherwise (naming the
  // repository or file, what was kept and the fix).
  ModelFetchResult fetch(const std::string& repo_id, const FetchProgressFn& progress);

 private:
  HttpClient& http_;
  ModelFetchOptions options_;
};

}  // namespace hwb
