#include "core/data/JsonlReader.h"

#include <cstring>

#include "core/data/TsvReader.h"
#include "core/data/Utf8.h"
#include "core/util/Error.h"

namespace hwb {

JsonlReader::JsonlReader(std::filesystem::path path) : JsonlReader(path, read_file_bytes(path)) {}

JsonlReader::JsonlReader(std::filesystem::path path, std::string content)
    : path_(std::move(path)), content_(std::move(content)) {
  if (content_.empty()) throw Error(path_.string() + ": the file is empty");
  if (content_.starts_with("\xFF\xFE") || content_.starts_with("\xFE\xFF")) {
    throw Error(path_.string() + ": the file is UTF-16; save it as UTF-8");
  }
  if (content_.starts_with("\xEF\xBB\xBF")) position_ = 3;
}

bool JsonlReader::next(JsonlRow& row) {
  while (position_ < content_.size()) {
    const char* begin = content_.data() + position_;
    const std::size_t rest = content_.size() - position_;
    const void* newline = std::memchr(begin, '\n', rest);
    const std::size_t length =
        newline ? static_cast<std::size_t>(static_cast<const char*>(newline) - begin) : rest;
    position_ += length + (newline ? 1 : 0);
    ++line_;
    const std::string_view text(begin, length);
    if (text.find_first_not_of(" \t\r") == std::string_view::npos) continue;

    row.line = line_;
    row.object = nlohmann::json();
    row.error = utf8_error(text);
    if (!row.error.empty()) return true;
    row.object = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (row.object.is_discarded()) {
      row.error = "not valid JSON";
    } else if (!row.object.is_object()) {
      row.error = "not a JSON object";
    }
    return true;
  }
  return false;
}

}  // namespace hwb
