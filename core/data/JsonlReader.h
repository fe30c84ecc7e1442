#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace hwb {

// One line of a JSON Lines file.
struct JsonlRow {
  std::size_t line = 0;  // 1-based
  nlohmann::json object;
  // Empty when the line is a well-formed UTF-8 JSON object; otherwise what is wrong.
  std::string error;
};

// Reads a JSON Lines file: one JSON object per line, blank lines ignored. A line that is not valid
// UTF-8 or not a JSON object is returned with `error` set, so the caller applies its BadRowPolicy.
class JsonlReader {
 public:
  // Reads the whole file. Throws hwb::Error naming the file when it cannot be read or is empty.
  explicit JsonlReader(std::filesystem::path path);
  // The same, for bytes already read; `path` only names the file in messages.
  JsonlReader(std::filesystem::path path, std::string content);

  // The next non-blank line; false at the end of the file.
  bool next(JsonlRow& row);

  const std::filesystem::path& path() const { return path_; }
  std::string_view content() const { return content_; }

 private:
  std::filesystem::path path_;
  std::string content_;
  std::size_t position_ = 0;
  std::size_t line_ = 0;
};

}  // namespace hwb
