#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace hwb {

// Extracts part of a zip archive with libzip. Every entry is read whole, so libzip checks its
// CRC-32, and its length is compared with the size the archive's directory records: a damaged
// archive is an error naming the entry, never a silently short file.
class ZipExtractor {
 public:
  explicit ZipExtractor(std::filesystem::path archive);

  // Writes the files under `folder/` in the archive (GLUE's zips hold "SST-2/train.tsv", ...)
  // into `dest`, without that leading folder, and returns their paths relative to `dest`.
  // Entries outside `folder/` are skipped; a name that would leave `dest` ("../x", "/x") is
  // refused. Throws hwb::Error naming the archive, the entry and the reason.
  std::vector<std::string> extract(const std::string& folder,
                                   const std::filesystem::path& dest) const;

 private:
  std::filesystem::path archive_;
};

}  // namespace hwb
