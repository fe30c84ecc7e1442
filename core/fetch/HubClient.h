#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/fetch/HttpClient.h"
#include "core/fetch/ResumableDownload.h"

namespace hwb {

struct HubOptions {
  std::string endpoint = "https://huggingface.co";
  std::string revision = "main";
  std::string token;  // sent as a bearer token; gated and private repositories need one

  // The defaults with huggingface_hub's environment applied: HF_ENDPOINT, HF_TOKEN.
  static HubOptions from_environment();
};

// One file of a repository as the Hub's tree API lists it.
struct HubFile {
  std::string path;
  int64_t size = -1;
  std::string git_oid;     // the git blob id (SHA-1) of what git stores
  std::string lfs_sha256;  // for a file in Git LFS: the SHA-256 of its content; else empty

  bool is_lfs() const { return !lfs_sha256.empty(); }
  // LFS files are checked by their SHA-256 (git stores only a pointer to them), others by the
  // git blob id.
  ExpectedContent expected() const;
};

// The Hugging Face Hub's HTTP interface, as huggingface_hub uses it:
//   GET {endpoint}/api/models/{repo}/tree/{revision}      the files, with sizes and checksums
//   GET {endpoint}/{repo}/resolve/{revision}/{path}       a file (LFS: a redirect to a CDN)
class HubClient {
 public:
  HubClient(HttpClient& http, HubOptions options);

  // The top-level files of `repo_id` at the revision. Throws hwb::Error naming the repository:
  // not found or not readable (401/404, with the fixes), gated (403), offline.
  std::vector<HubFile> list_files(const std::string& repo_id);
  std::string file_url(const std::string& repo_id, const std::string& path) const;
  const HubOptions& options() const { return options_; }

  // Throws hwb::Error unless `repo_id` looks like "name" or "org/name".
  static void check_repo_id(std::string_view repo_id);

 private:
  HttpClient& http_;
  HubOptions options_;
};

}  // namespace hwb
