#include "core/model/Safetensors.h"

#include <ATen/ATen.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstring>
#include <limits>

#include "core/util/AtomicFileWriter.h"
#include "core/util/Error.h"
#include "core/util/MappedFile.h"

namespace hwb {
namespace {

// Bigger headers than this are not written by any tool; a larger length means corruption.
constexpr uint64_t kMaxHeaderBytes = 100ull * 1024 * 1024;

struct DtypeInfo {
  const char* name;
  c10::ScalarType type;
  std::size_t bytes;
};
constexpr DtypeInfo kDtypes[] = {
    {"F32", c10::kFloat, 4},
    {"F16", c10::kHalf, 2},
    {"BF16", c10::kBFloat16, 2},
};

const DtypeInfo* find_dtype(const std::string& name) {
  for (const DtypeInfo& d : kDtypes) {
    if (name == d.name) return &d;
  }
  return nullptr;
}

uint64_t read_le_u64(const std::byte* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}

std::string describe(const std::filesystem::path& path) {
  return "'" + path.string() + "'";
}

SafetensorsEntry parse_entry(const std::filesystem::path& path, const std::string& name,
                             const nlohmann::json& j, std::size_t data_size) {
  const std::string where = describe(path) + ", tensor '" + name + "'";
  if (!j.is_object() || !j.contains("dtype") || !j.contains("shape") ||
      !j.contains("data_offsets")) {
    throw Error("Corrupted safetensors header in " + where +
                ": expected an object with dtype, shape and data_offsets");
  }
  SafetensorsEntry e;
  try {
    e.dtype = j.at("dtype").get<std::string>();
    e.shape = j.at("shape").get<std::vector<int64_t>>();
    const auto offsets = j.at("data_offsets").get<std::vector<uint64_t>>();
    if (offsets.size() != 2) throw Error("data_offsets must have two entries");
    e.begin = offsets[0];
    e.end = offsets[1];
  } catch (const std::exception& ex) {
    throw Error("Corrupted safetensors header in " + where + ": " + ex.what());
  }
  uint64_t numel = 1;
  for (int64_t dim : e.shape) {
    if (dim < 0) throw Error("Corrupted safetensors header in " + where + ": negative dimension");
    if (dim != 0 && numel > std::numeric_limits<uint64_t>::max() / static_cast<uint64_t>(dim)) {
      throw Error("Corrupted safetensors header in " + where + ": shape overflows");
    }
    numel *= static_cast<uint64_t>(dim);
  }
  if (e.begin > e.end || e.end > data_size) {
    throw Error("Truncated or corrupted safetensors file " + where + ": bytes [" +
                std::to_string(e.begin) + ", " + std::to_string(e.end) +
                ") lie outside the data section of " + std::to_string(data_size) +
                " bytes. Download or copy the file again.");
  }
  if (const DtypeInfo* d = find_dtype(e.dtype)) {
    if (numel * d->bytes != e.end - e.begin) {
      throw Error("Corrupted safetensors header in " + where + ": shape needs " +
                  std::to_string(numel * d->bytes) + " bytes but the entry spans " +
                  std::to_string(e.end - e.begin));
    }
  }
  return e;
}

}  // namespace

std::string safetensors_dtype_name(c10::ScalarType dtype) {
  for (const DtypeInfo& d : kDtypes) {
    if (d.type == dtype) return d.name;
  }
  throw Error(std::string("Cannot store dtype ") + c10::toString(dtype) +
              " in safetensors: use float32, float16 or bfloat16");
}

SafetensorsFile::SafetensorsFile(const std::filesystem::path& path)
    : file_(std::make_unique<MappedFile>(path)) {
  const auto bytes = file_->bytes();
  if (bytes.size() < 8) {
    throw Error("Truncated safetensors file " + describe(path) + ": " +
                std::to_string(bytes.size()) +
                " bytes, fewer than the 8-byte header length. Download or copy it again.");
  }
  const uint64_t header_len = read_le_u64(bytes.data());
  if (header_len > kMaxHeaderBytes || header_len > bytes.size() - 8) {
    throw Error("Truncated or corrupted safetensors file " + describe(path) +
                ": the header claims " + std::to_string(header_len) + " bytes but the file has " +
                std::to_string(bytes.size()) + ". Download or copy it again.");
  }
  data_start_ = 8 + header_len;
  const std::size_t data_size = bytes.size() - data_start_;
  nlohmann::json header;
  try {
    header = nlohmann::json::parse(reinterpret_cast<const char*>(bytes.data() + 8),
                                   reinterpret_cast<const char*>(bytes.data() + data_start_));
  } catch (const nlohmann::json::parse_error& ex) {
    throw Error("Corrupted safetensors header in " + describe(path) + ": not valid JSON (" +
                ex.what() + "). Download or copy the file again.");
  }
  if (!header.is_object()) {
    throw Error("Corrupted safetensors header in " + describe(path) + ": not a JSON object");
  }
  for (const auto& [name, value] : header.items()) {
    if (name == "__metadata__") {
      if (!value.is_object()) {
        throw Error("Corrupted safetensors header in " + describe(path) +
                    ": __metadata__ is not an object");
      }
      for (const auto& [key, text] : value.items()) {
        metadata_[key] = text.is_string() ? text.get<std::string>() : text.dump();
      }
      continue;
    }
    entries_.emplace(name, parse_entry(path, name, value, data_size));
  }
}

SafetensorsFile::~SafetensorsFile() = default;
SafetensorsFile::SafetensorsFile(SafetensorsFile&&) noexcept = default;
SafetensorsFile& SafetensorsFile::operator=(SafetensorsFile&&) noexcept = default;

const std::filesystem::path& SafetensorsFile::path() const {
  return file_->path();
}

at::Tensor SafetensorsFile::load(const std::string& name, c10::ScalarType dtype) const {
  const auto it = entries_.find(name);
  if (it == entries_.end()) {
    throw Error("Tensor '" + name + "' is not in " + describe(path()));
  }
  const SafetensorsEntry& e = it->second;
  const DtypeInfo* d = find_dtype(e.dtype);
  if (!d) {
    throw Error("Tensor '" + name + "' in " + describe(path()) + " has dtype " + e.dtype +
                ", which is not supported (F32, F16, BF16)");
  }
  // The mapping is read-only; from_blob only views it and the copy below owns the result.
  void* src = const_cast<std::byte*>(file_->bytes().data() + data_start_ + e.begin);
  at::Tensor view = at::from_blob(src, e.shape, at::TensorOptions().dtype(d->type));
  return d->type == dtype ? view.clone() : view.to(dtype);
}

void write_safetensors(const std::filesystem::path& path,
                       const std::vector<std::pair<std::string, at::Tensor>>& tensors,
                       const std::map<std::string, std::string>& metadata) {
  std::vector<std::pair<std::string, at::Tensor>> sorted;
  sorted.reserve(tensors.size());
  for (const auto& [name, t] : tensors) {
    sorted.emplace_back(name, t.detach().to(at::kCPU).contiguous());
  }
  std::sort(sorted.begin(), sorted.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });

  nlohmann::ordered_json header;
  if (!metadata.empty()) {
    nlohmann::ordered_json meta = nlohmann::ordered_json::object();
    for (const auto& [k, v] : metadata) meta[k] = v;
    header["__metadata__"] = meta;
  }
  std::size_t offset = 0;
  for (const auto& [name, t] : sorted) {
    const std::size_t bytes = t.numel() * t.element_size();
    header[name] = {{"dtype", safetensors_dtype_name(t.scalar_type())},
                    {"shape", t.sizes().vec()},
                    {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
  }
  std::string text = header.dump();
  // Pad with spaces so the data section starts 8-byte aligned, as the reference writer does.
  text.append((8 - text.size() % 8) % 8, ' ');

  std::byte len[8];
  uint64_t n = text.size();
  for (int i = 0; i < 8; ++i) len[i] = static_cast<std::byte>((n >> (8 * i)) & 0xff);

  AtomicFileWriter out(path);
  out.write(std::span<const std::byte>(len, 8));
  out.write(text);
  for (const auto& [name, t] : sorted) {
    out.write(std::span<const std::byte>(static_cast<const std::byte*>(t.data_ptr()),
                                         t.numel() * t.element_size()));
  }
  out.commit();
}

}  // namespace hwb
