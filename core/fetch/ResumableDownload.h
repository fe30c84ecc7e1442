#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

#include "core/fetch/FetchProgress.h"
#include "core/fetch/HttpClient.h"

namespace hwb {

// What the file must be. Any field left empty is not checked.
struct ExpectedContent {
  int64_t size = -1;
  std::string sha256;         // hex: an LFS file on the Hub, a GLUE archive
  std::string git_blob_sha1;  // hex: a small file on the Hub, named by its git blob id
};

struct DownloadSpec {
  std::string url;
  std::filesystem::path dest;
  std::string name;  // how messages call the file: "model.safetensors of google-t5/t5-small"
  ExpectedContent expected;
  std::string bearer_token;
};

struct TransferProgress {
  int64_t done = 0;          // bytes of the file on disk
  int64_t total = -1;        // -1 while unknown
  int64_t resumed_from = 0;  // bytes that were on disk when this transfer began
  double bytes_per_second = 0;
};

struct DownloadOutcome {
  int64_t size = 0;          // of the verified file now at dest
  int64_t transferred = 0;   // body bytes received by this run
  int64_t resumed_from = 0;  // bytes of an earlier partial that were kept
  bool already_present = false;
};

// One file fetched so that an interruption loses nothing and a bad byte never lands at `dest`:
// bytes go to `<dest>.part`, described by `<dest>.part.json` (the expected size and checksum and
// the server's ETag). A later run asks for the rest with "Range: bytes=<size of the part>-",
// starts over when the server sends the whole file (200) or a different file (another ETag or
// Content-Range), and drops a part whose description no longer matches what is expected (the
// upstream file changed). The part is renamed to `dest` only after its size and checksum pass; a
// mismatch deletes it.
class ResumableDownload {
 public:
  using ProgressFn = std::function<bool(const TransferProgress&)>;
  // The progress of a transfer that is one file of a whole item: `p` follows each report, with
  // `done_before` bytes of the item's earlier files, then goes to `report` (which may cancel).
  static ProgressFn as_item_progress(FetchProgress& p, int64_t done_before,
                                     const FetchProgressFn& report);

  ResumableDownload(HttpClient& http, DownloadSpec spec);

  // Returns once `dest` holds the verified file (at once when it already does). Throws
  // FetchCancelled when `progress` returns false, and hwb::Error (HttpStatusError for an error
  // status) naming the file, what was kept and what to do.
  DownloadOutcome run(const ProgressFn& progress);

  static std::filesystem::path part_path(const std::filesystem::path& dest);
  static std::filesystem::path sidecar_path(const std::filesystem::path& dest);
  // True when `file` has the expected size and checksum.
  static bool matches(const std::filesystem::path& file, const ExpectedContent& expected);

 private:
  int64_t usable_partial();
  void check_free_space(int64_t offset) const;
  void write_sidecar(const std::string& etag) const;
  std::string read_sidecar_etag() const;
  void verify_and_commit();
  std::string kept_note() const;

  HttpClient& http_;
  DownloadSpec spec_;
  std::filesystem::path part_;
  std::filesystem::path sidecar_;
};

}  // namespace hwb
