#include "core/data/TsvReader.h"

#include <cerrno>
#include <cstring>
#include <memory>

#include "core/data/Utf8.h"
#include "core/util/Error.h"

namespace hwb {

std::string read_file_bytes(const std::filesystem::path& path) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"),
                                                       &std::fclose);
  if (!file) throw Error(path.string() + ": cannot open: " + std::strerror(errno));
  std::string bytes;
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (!ec) bytes.reserve(static_cast<std::size_t>(size));
  char buffer[1 << 16];
  std::size_t got;
  while ((got = std::fread(buffer, 1, sizeof buffer, file.get())) > 0) bytes.append(buffer, got);
  if (std::ferror(file.get())) throw Error(path.string() + ": read error: " + std::strerror(errno));
  return bytes;
}

std::string file_line_message(const std::filesystem::path& path, std::size_t line,
                              std::string_view what) {
  return path.string() + ":" + std::to_string(line) + ": " + std::string(what);
}

TsvReader::TsvReader(std::filesystem::path path) : TsvReader(path, read_file_bytes(path)) {}

TsvReader::TsvReader(std::filesystem::path path, std::string content)
    : path_(std::move(path)), content_(std::move(content)) {
  if (content_.empty()) throw Error(path_.string() + ": the file is empty");
  if (content_.starts_with("\xFF\xFE") || content_.starts_with("\xFE\xFF")) {
    throw Error(path_.string() + ": the file is UTF-16; save it as UTF-8");
  }
  if (content_.starts_with("\xEF\xBB\xBF")) position_ = 3;
}

bool TsvReader::next(TsvRow& row) {
  while (position_ < content_.size()) {
    const char* begin = content_.data() + position_;
    const std::size_t rest = content_.size() - position_;
    const void* newline = std::memchr(begin, '\n', rest);
    const std::size_t length =
        newline ? static_cast<std::size_t>(static_cast<const char*>(newline) - begin) : rest;
    position_ += length + (newline ? 1 : 0);
    ++line_;
    std::string_view text(begin, length);
    if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
    if (text.empty()) continue;

    row.line = line_;
    row.fields.clear();
    row.encoding_error = utf8_error(text);
    std::size_t start = 0;
    while (true) {
      const std::size_t tab = text.find('\t', start);
      if (tab == std::string_view::npos) {
        row.fields.push_back(text.substr(start));
        break;
      }
      row.fields.push_back(text.substr(start, tab - start));
      start = tab + 1;
    }
    return true;
  }
  return false;
}

}  // namespace hwb
