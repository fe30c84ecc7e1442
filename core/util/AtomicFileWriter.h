#pragma once

#include <cstddef>
#include <filesystem>
#include <span>
#include <string_view>

namespace hwb {

// Writes a file so that readers see either the old content or the complete new one: data goes to
// a temporary file in the same folder, which commit() fsyncs and renames over the target. Without
// commit() (an exception, a full disk) the temporary is removed and the old file stays untouched.
class AtomicFileWriter {
 public:
  explicit AtomicFileWriter(std::filesystem::path target);
  ~AtomicFileWriter();
  AtomicFileWriter(const AtomicFileWriter&) = delete;
  AtomicFileWriter& operator=(const AtomicFileWriter&) = delete;

  void write(std::span<const std::byte> data);
  void write(std::string_view text);
  void commit();

 private:
  std::filesystem::path target_;
  std::filesystem::path temp_;
  int fd_ = -1;
};

}  // namespace hwb
