#pragma once

#include <cstddef>
#include <filesystem>
#include <span>

namespace hwb {

// A whole file mapped read-only into memory; unmapped when the last owner goes.
class MappedFile {
 public:
  // Throws hwb::Error naming the file when it cannot be opened or mapped.
  explicit MappedFile(const std::filesystem::path& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  std::span<const std::byte> bytes() const { return {data_, size_}; }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
  const std::byte* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace hwb
