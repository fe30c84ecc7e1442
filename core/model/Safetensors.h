#pragma once

#include <ATen/core/Tensor.h>
#include <c10/core/ScalarType.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace hwb {

class MappedFile;

// One tensor's entry in a safetensors header.
struct SafetensorsEntry {
  std::string dtype;           // "F32", "F16", "BF16", ...
  std::vector<int64_t> shape;  // empty for a scalar
  std::size_t begin = 0;       // byte offsets into the data section
  std::size_t end = 0;
};

// A safetensors file (https://github.com/huggingface/safetensors) read through mmap. The header is
// checked completely on open (length, JSON, dtypes, shapes against byte ranges, bounds), so a
// truncated or corrupted file is refused before any tensor is read.
class SafetensorsFile {
 public:
  explicit SafetensorsFile(const std::filesystem::path& path);
  ~SafetensorsFile();
  SafetensorsFile(SafetensorsFile&&) noexcept;
  SafetensorsFile& operator=(SafetensorsFile&&) noexcept;

  const std::filesystem::path& path() const;
  const std::map<std::string, SafetensorsEntry>& entries() const { return entries_; }
  const std::map<std::string, std::string>& metadata() const { return metadata_; }
  bool contains(const std::string& name) const { return entries_.count(name) > 0; }

  // A copy of tensor `name` converted to `dtype` (F32, F16 and BF16 are read).
  at::Tensor load(const std::string& name, c10::ScalarType dtype = c10::kFloat) const;

 private:
  std::unique_ptr<MappedFile> file_;
  std::size_t data_start_ = 0;
  std::map<std::string, SafetensorsEntry> entries_;
  std::map<std::string, std::string> metadata_;
};

// Writes tensors (any device; stored in their own dtype, which must be F32, F16 or BF16) with
// string metadata in `__metadata__`, atomically. The names are stored sorted.
void write_safetensors(const std::filesystem::path& path,
                       const std::vector<std::pair<std::string, at::Tensor>>& tensors,
                       const std::map<std::string, std::string>& metadata = {});

// The safetensors name of a dtype ("F32"), or throws for one this project does not store.
std::string safetensors_dtype_name(c10::ScalarType dtype);

}  // namespace hwb
