#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace hwb {

// One line of a TSV file, split on tabs. The views point into the reader's buffer.
struct TsvRow {
  std::size_t line = 0;  // 1-based, as an editor shows it
  std::vector<std::string_view> fields;
  // Empty when the line is well-formed UTF-8; otherwise what is wrong, for the caller's message.
  std::string encoding_error;
};

// Reads a tab-separated file the way GLUE writes it: one record per line, fields split on every
// tab, and no CSV quoting, since GLUE's text contains unbalanced '"' that are just characters
// (MRPC, QNLI, RTE and STS-B rows start or end with one). "\r\n" line ends are accepted, a UTF-8
// byte order mark is dropped, and empty lines are not records. Each line is checked for UTF-8 so
// that a file saved in another encoding is caught line by line.
class TsvReader {
 public:
  // Reads the whole file. Throws hwb::Error naming the file when it cannot be read, is empty, or
  // is UTF-16 (which would otherwise surface as a stream of invalid lines).
  explicit TsvReader(std::filesystem::path path);
  // The same, for bytes already read; `path` only names the file in messages.
  TsvReader(std::filesystem::path path, std::string content);

  // The next record; false at the end of the file.
  bool next(TsvRow& row);

  const std::filesystem::path& path() const { return path_; }
  // The file's bytes, for content hashing without a second read.
  std::string_view content() const { return content_; }

 private:
  std::filesystem::path path_;
  std::string content_;
  std::size_t position_ = 0;
  std::size_t line_ = 0;
};

// The whole file's bytes. Throws hwb::Error naming the file when it cannot be read.
std::string read_file_bytes(const std::filesystem::path& path);

// "path:line: what", the form of every data error.
std::string file_line_message(const std::filesystem::path& path, std::size_t line,
                              std::string_view what);

}  // namespace hwb
