#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "core/data/TaskDataset.h"
#include "core/data/TaskDefinition.h"

namespace hwb {

class Tokenizer;

// Tokenised task files on disk, one binary file per (content hash of the source file, the parts
// of the task definition that shape examples, tokenizer fingerprint), so a second run with the
// same data starts at once and any change to one of the three misses. Files are written to a
// temporary name and renamed, so a reader never sees half a file; each carries its full key and
// a checksum, so a stale, truncated or corrupt file is detected and rebuilt, never trusted.
class TokenizedCache {
 public:
  struct Lookup {
    std::optional<TaskDataset> dataset;  // set on a hit
    std::string problem;  // on a miss with a file present: why it was not used (corrupt, stale)
  };

  explicit TokenizedCache(std::filesystem::path dir);

  // The cache key of one source file's content under a definition and tokenizer (a JSON text).
  // File paths, the split scheme and metrics are left out: they do not change the examples.
  static std::string key(const TaskDefinition& definition, std::string_view file_content,
                         std::string_view tokenizer_fingerprint);

  // Where the entry for `key` lives: <dir>/<task>-<hash of key>.hwbtok
  std::filesystem::path entry_path(std::string_view task_name, std::string_view key) const;

  // Never throws for a bad cache file: it is reported in Lookup::problem and treated as a miss.
  Lookup load(std::string_view task_name, std::string_view key) const;
  // Throws hwb::Error naming the file when it cannot be written (the caller may carry on uncached).
  void store(std::string_view task_name, std::string_view key, const TaskDataset& dataset) const;

  const std::filesystem::path& dir() const { return dir_; }

 private:
  std::filesystem::path dir_;
};

}  // namespace hwb
