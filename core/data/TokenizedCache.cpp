#include "core/data/TokenizedCache.h"

#include <unistd.h>

#include <atomic>
#include <bit>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>

#include <nlohmann/json.hpp>

#include "core/data/ContentHash.h"
#include "core/data/TsvReader.h"
#include "core/util/Error.h"

namespace hwb {
namespace {

static_assert(std::endian::native == std::endian::little, "cache files are little-endian");

constexpr std::string_view kMagic = "HWBTOK01";
constexpr std::size_t kHeaderBytes = 24;  // magic, payload size, payload checksum
// Bumped whenever tokenisation or formatting changes in a way the key does not show.
constexpr int kFormatVersion = 1;

class Writer {
 public:
  void u64(std::uint64_t v) { bytes(&v, sizeof v); }
  void text(std::string_view s) {
    u64(s.size());
    bytes(s.data(), s.size());
  }
  template <typename T>
  void array(const std::vector<T>& v) {
    u64(v.size());
    bytes(v.data(), v.size() * sizeof(T));
  }
  std::string& out() { return out_; }

 private:
  void bytes(const void* p, std::size_t n) { out_.append(static_cast<const char*>(p), n); }
  std::string out_;
};

// Reads the payload; every read is bounds-checked, so a damaged file fails cleanly.
class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  std::uint64_t u64() {
    std::uint64_t v;
    copy(&v, sizeof v);
    return v;
  }
  std::string text() {
    const std::uint64_t n = u64();
    need(n);
    std::string s(in_.substr(pos_, n));
    pos_ += n;
    return s;
  }
  template <typename T>
  std::vector<T> array() {
    const std::uint64_t n = u64();
    if (n > (in_.size() - pos_) / sizeof(T)) throw Error("array runs past the end");
    std::vector<T> v(n);
    copy(v.data(), n * sizeof(T));
    return v;
  }
  bool at_end() const { return pos_ == in_.size(); }

 private:
  void need(std::uint64_t n) const {
    if (n > in_.size() - pos_) throw Error("truncated");
  }
  void copy(void* p, std::size_t n) {
    need(n);
    std::memcpy(p, in_.data() + pos_, n);
    pos_ += n;
  }
  std::string_view in_;
  std::size_t pos_ = 0;
};

bool offsets_ok(const std::vector<std::uint64_t>& offsets, std::size_t count, std::size_t end) {
  if (offsets.size() != count || offsets.front() != 0 || offsets.back() != end) return false;
  for (std::size_t i = 1; i < offsets.size(); ++i) {
    if (offsets[i] < offsets[i - 1]) return false;
  }
  return true;
}

std::string unique_suffix() {
  static std::atomic<unsigned> counter{0};
  const auto now = std::chrono::steady_clock::now().time_since_epoch().count();
  return std::to_string(::getpid()) + "-" + std::to_string(counter++) + "-" +
         hash_hex(static_cast<std::uint64_t>(now)).substr(8);
}

}  // namespace

TokenizedCache::TokenizedCache(std::filesystem::path dir) : dir_(std::move(dir)) {}

std::string TokenizedCache::key(const TaskDefinition& definition, std::string_view file_content,
                                std::string_view tokenizer_fingerprint) {
  nlohmann::json task = definition.to_json();
  for (const char* unused : {"files", "split", "holdout", "metrics"}) task.erase(unused);
  const nlohmann::json key = {{"version", kFormatVersion},
                              {"content_xxh64", hash_hex(xxhash64(file_content))},
                              {"content_bytes", file_content.size()},
                              {"task", task},
                              {"tokenizer", tokenizer_fingerprint}};
  return key.dump();
}

std::filesystem::path TokenizedCache::entry_path(std::string_view task_name,
                                                 std::string_view key) const {
  return dir_ / (std::string(task_name) + "-" + hash_hex(xxhash64(key)) + ".hwbtok");
}

TokenizedCache::Lookup TokenizedCache::load(std::string_view task_name,
                                            std::string_view key) const {
  Lookup lookup;
  const std::filesystem::path path = entry_path(task_name, key);
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return lookup;
  try {
    const std::string file = read_file_bytes(path);
    if (file.size() < kHeaderBytes || std::string_view(file).substr(0, 8) != kMagic) {
      throw Error("not a cache file of this version");
    }
    std::uint64_t payload_size;
    std::uint64_t checksum;
    std::memcpy(&payload_size, file.data() + 8, 8);
    std::memcpy(&checksum, file.data() + 16, 8);
    const std::string_view payload = std::string_view(file).substr(kHeaderBytes);
    if (payload.size() != payload_size) throw Error("truncated");
    if (xxhash64(payload) != checksum) throw Error("checksum mismatch");

    Reader in(payload);
    if (in.text() != key) throw Error("written for another key");
    TaskDataset data;
    const std::uint64_t n = in.u64();
    data.text_ = in.text();
    data.text_offsets_ = in.array<std::uint64_t>();
    data.ids_ = in.array<std::int32_t>();
    data.id_offsets_ = in.array<std::uint64_t>();
    data.lines_ = in.array<std::uint64_t>();
    data.skipped_.count = in.u64();
    const std::uint64_t messages = in.u64();
    if (messages > SkippedRows::kMaxMessages) throw Error("bad skipped-row list");
    for (std::uint64_t i = 0; i < messages; ++i) data.skipped_.messages.push_back(in.text());
    if (!in.at_end()) throw Error("trailing bytes");
    if (data.lines_.size() != n || !offsets_ok(data.text_offsets_, 3 * n + 1, data.text_.size()) ||
        !offsets_ok(data.id_offsets_, 2 * n + 1, data.ids_.size())) {
      throw Error("inconsistent sizes");
    }
    lookup.dataset = std::move(data);
  } catch (const std::exception& error) {
    lookup.problem = path.string() + ": " + error.what() + "; rebuilt";
  }
  return lookup;
}

void TokenizedCache::store(std::string_view task_name, std::string_view key,
                           const TaskDataset& data) const {
  Writer payload;
  payload.text(key);
  payload.u64(data.size());
  payload.text(data.text_);
  payload.array(data.text_offsets_);
  payload.array(data.ids_);
  payload.array(data.id_offsets_);
  payload.array(data.lines_);
  payload.u64(data.skipped_.count);
  payload.u64(data.skipped_.messages.size());
  for (const std::string& message : data.skipped_.messages) payload.text(message);

  Writer header;
  header.out().append(kMagic);
  header.u64(payload.out().size());
  header.u64(xxhash64(payload.out()));

  const std::filesystem::path target = entry_path(task_name, key);
  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  if (ec) throw Error(dir_.string() + ": cannot create the cache folder: " + ec.message());
  const std::filesystem::path temp = target.string() + ".tmp-" + unique_suffix();
  const auto fail = [&](const std::string& what) {
    const std::string reason = std::strerror(errno);
    std::filesystem::remove(temp, ec);
    throw Error(temp.string() + ": " + what + ": " + reason);
  };
  {
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(temp.c_str(), "wb"),
                                                         &std::fclose);
    if (!file) fail("cannot create");
    for (const std::string* part : {&header.out(), &payload.out()}) {
      if (std::fwrite(part->data(), 1, part->size(), file.get()) != part->size()) fail("write");
    }
    if (std::fflush(file.get()) != 0 || ::fsync(::fileno(file.get())) != 0) fail("flush");
    if (std::fclose(file.release()) != 0) fail("close");
  }
  std::filesystem::rename(temp, target, ec);
  if (ec) {
    const std::string reason = ec.message();
    std::filesystem::remove(temp, ec);
    throw Error(target.string() + ": cannot move the new cache file into place: " + reason);
  }
}

}  // namespace hwb
