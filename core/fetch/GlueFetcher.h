#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/fetch/FetchCatalog.h"
#include "core/fetch/FetchProgress.h"
#include "core/fetch/HttpClient.h"

namespace hwb {

struct GlueFetchOptions {
  std::string base_url;            // the catalog's, or $HWB_GLUE_URL, or --glue-url
  std::filesystem::path glue_dir;  // gets <folder>/train.tsv ... (GLUE's layout)

  // The catalog's base URL unless HWB_GLUE_URL names another (a mirror; the tests' server).
  static std::string base_url_from_environment(const std::string& catalog_base_url);
};

struct GlueFetchResult {
  std::filesystem::path folder;
  bool already_present = false;
  int64_t transferred = 0;
  int64_t resumed_bytes = 0;
  std::vector<std::string> files;  // relative to `folder`
  // Where an incomplete folder of the task that was in the way now is; empty when there was none.
  std::filesystem::path moved_aside;
};

// Fetches one GLUE task into glue_dir/<folder> in the layout core/data's readers expect. The
// downloads (checked against the catalog's size and SHA-256) go to glue_dir/.downloads, where an
// interrupted one resumes; the task is extracted (or, for MRPC, built) into a temporary sibling
// that is renamed into place only when every file the readers need is there, so a task folder is
// never half there; an incomplete folder already in the way is moved aside, never deleted. The
// downloads are deleted once the task is in place.
class GlueFetcher {
 public:
  GlueFetcher(HttpClient& http, GlueFetchOptions options);

  // Throws FetchCancelled when `progress` returns false, hwb::Error otherwise.
  GlueFetchResult fetch(const GlueSource& source, const FetchProgressFn& progress);

  // Every file the readers need is in glue_dir/<folder>.
  static bool is_complete(const std::filesystem::path& glue_dir, const GlueSource& source);
  static std::filesystem::path downloads_dir(const std::filesystem::path& glue_dir);
  // Where a source file is downloaded to.
  static std::filesystem::path download_path(const std::filesystem::path& glue_dir,
                                             const RemoteFile& file);

 private:
  HttpClient& http_;
  GlueFetchOptions options_;
};

}  // namespace hwb
