#include "core/data/SentencePieceTokenizer.h"

#include <dlfcn.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdio>
#include <fstream>
#include <system_error>
#include <utility>

#include "core/util/Error.h"
#include "core/util/Paths.h"

namespace hwb {
namespace fs = std::filesystem;

namespace {

// The C interface of libhwb_spm.so, as core/data/spm/SpmModule.cpp defines it. Change both
// together and bump the version there and here.
constexpr int32_t kSpmAbiVersion = 1;
struct SpmHandle;  // the module's hwb_spm: only ever a pointer on this side
using SpmAbiVersionFn = int32_t (*)();
using SpmLoadFn = SpmHandle* (*)(const char* path, char* error, size_t error_size);
using SpmFreeFn = void (*)(SpmHandle* model);
using SpmPieceSizeFn = int32_t (*)(const SpmHandle* model);
using SpmEncodeFn = int64_t (*)(const SpmHandle* model, const char* text, size_t text_size,
                                int32_t* ids, size_t capacity, char* error, size_t error_size);
using SpmIdToPieceFn = int64_t (*)(const SpmHandle* model, int32_t id, char* out, size_t capacity);

constexpr std::string_view kSentencePieceSpace = "\xE2\x96\x81";  // U+2581, SentencePiece's space

struct DlClose {
  void operator()(void* handle) const noexcept { dlclose(handle); }
};

std::string dl_error_text() {
  const char* why = dlerror();
  return why ? why : "no reason given";
}

// A message from the module, without the full stop and spaces SentencePiece sometimes ends with.
std::string module_reason(const char* message) {
  std::string reason(message);
  while (!reason.empty() && (reason.back() == '.' || reason.back() == ' ')) reason.pop_back();
  return reason;
}

// FNV-1a 64 of the file's bytes as 16 hex digits: cheap, dependency-free, and enough to tell two
// vocabularies apart in cache keys (it is no defence against a crafted collision).
std::string content_hash(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    throw Error("Cannot read SentencePiece model '" + file.string() + "' to fingerprint it.");
  }
  uint64_t hash = 14695981039346656037ull;
  std::array<char, 1 << 16> buffer;
  for (;;) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    const std::streamsize n = in.gcount();
    for (std::streamsize i = 0; i < n; ++i) {
      hash ^= static_cast<unsigned char>(buffer[static_cast<size_t>(i)]);
      hash *= 1099511628211ull;
    }
    if (!in) break;
  }
  if (in.bad()) throw Error("Reading SentencePiece model '" + file.string() + "' failed.");
  std::array<char, 17> hex{};
  std::snprintf(hex.data(), hex.size(), "%016llx", static_cast<unsigned long long>(hash));
  return std::string(hex.data());
}

// transformers' Metaspace decoder: every U+2581 becomes a space, except in the first token, where
// it is dropped. That differs from SentencePiece's own Decode, which also swallows the spaces of
// further leading "▁" pieces and writes <unk> as " ⁇ ", so decoding is done here from the pieces.
void append_decoded(std::string_view piece, bool first_token, std::string& text) {
  for (size_t pos = 0; pos < piece.size();) {
    const size_t space = piece.find(kSentencePieceSpace, pos);
    text.append(piece.substr(pos, space == std::string_view::npos ? space : space - pos));
    if (space == std::string_view::npos) break;
    if (!first_token) text.push_back(' ');
    pos = space + kSentencePieceSpace.size();
  }
}

}  // namespace

class SentencePieceTokenizer::Module {
 public:
  explicit Module(const fs::path& file) : file_(file) {
    std::error_code ec;
    if (!fs::is_regular_file(file, ec)) {
      throw Error("SentencePiece module '" + file.string() +
                  "' not found. Build it (ninja hwb_spm), or set HWB_MODULE_DIR to the folder that "
                  "holds libhwb_spm.so.");
    }
    dlerror();
    // RTLD_LOCAL | RTLD_DEEPBIND keep the protobuf inside libsentencepiece from binding to
    // LibTorch's (or LibTorch's to it): see docs PLATFORM.md. RTLD_NODELETE keeps the module
    // loaded once its last tokenizer is gone: unloading and loading it again in one process (the
    // second run of a study or of the workbench's queue) aborted in free() on the GPU machine's
    // PyTorch LibTorch.
    handle_.reset(dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND | RTLD_NODELETE));
    if (!handle_) {
      throw Error("Cannot load the SentencePiece module '" + file.string() +
                  "': " + dl_error_text() +
                  ". Rebuild it (ninja hwb_spm) and check that libsentencepiece is installed.");
    }
    const auto abi_version = resolve<SpmAbiVersionFn>("hwb_spm_abi_version");
    if (abi_version() != kSpmAbiVersion) {
      throw Error("SentencePiece module '" + file.string() + "' has interface version " +
                  std::to_string(abi_version()) + ", this build needs " +
                  std::to_string(kSpmAbiVersion) + ". Rebuild it (ninja hwb_spm).");
    }
    load = resolve<SpmLoadFn>("hwb_spm_load");
    free = resolve<SpmFreeFn>("hwb_spm_free");
    piece_size = resolve<SpmPieceSizeFn>("hwb_spm_piece_size");
    encode = resolve<SpmEncodeFn>("hwb_spm_encode");
    id_to_piece = resolve<SpmIdToPieceFn>("hwb_spm_id_to_piece");
  }

  const fs::path& file() const { return file_; }

  SpmLoadFn load = nullptr;
  SpmFreeFn free = nullptr;
  SpmPieceSizeFn piece_size = nullptr;
  SpmEncodeFn encode = nullptr;
  SpmIdToPieceFn id_to_piece = nullptr;

 private:
  template <typename Fn>
  Fn resolve(const char* name) const {
    dlerror();
    void* symbol = dlsym(handle_.get(), name);
    if (symbol == nullptr) {
      throw Error(
          "'" + file_.string() + "' is not a Hyperformer SentencePiece module: " + dl_error_text() +
          ". Point HWB_MODULE_DIR at the folder holding the libhwb_spm.so this build made.");
    }
    return reinterpret_cast<Fn>(symbol);
  }

  fs::path file_;
  std::unique_ptr<void, DlClose> handle_;
};

class SentencePieceTokenizer::Processor {
 public:
  Processor(std::shared_ptr<const Module> module, const fs::path& model)
      : module_(std::move(module)), handle_(nullptr, Free{module_->free}) {
    std::array<char, 1024> error{};
    handle_.reset(module_->load(model.c_str(), error.data(), error.size()));
    if (!handle_) {
      throw Error("Cannot load SentencePiece model '" + model.string() +
                  "': " + module_reason(error.data()) +
                  ". The file is damaged or not a SentencePiece model: copy spiece.model again "
                  "from the T5 checkpoint (the project keeps one in resources/t5/).");
    }
  }

  int64_t piece_size() const { return module_->piece_size(handle_.get()); }

  // Appends the ids of `text` to `ids`.
  void encode(std::string_view text, std::vector<int64_t>& ids) const {
    // Usually enough; normalisation can expand text (NFKC), hence the second call.
    std::vector<int32_t> buffer(text.size() + 16);
    std::array<char, 1024> error{};
    int64_t n = module_->encode(handle_.get(), text.data(), text.size(), buffer.data(),
                                buffer.size(), error.data(), error.size());
    if (n > static_cast<int64_t>(buffer.size())) {
      buffer.resize(static_cast<size_t>(n));
      n = module_->encode(handle_.get(), text.data(), text.size(), buffer.data(), buffer.size(),
                          error.data(), error.size());
    }
    if (n < 0) {
      throw Error("SentencePiece failed to encode a text of " + std::to_string(text.size()) +
                  " bytes with '" + module_->file().string() + "': " + module_reason(error.data()));
    }
    const auto count = std::min(static_cast<size_t>(n), buffer.size());
    ids.insert(ids.end(), buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(count));
  }

  std::string id_to_piece(int32_t id) const {
    // Copied out of a stack buffer so that the 32000 cached pieces hold no spare capacity.
    std::array<char, 64> buffer;
    const int64_t n = module_->id_to_piece(handle_.get(), id, buffer.data(), buffer.size());
    if (n < 0) throw Error("SentencePiece has no piece for id " + std::to_string(id));
    if (n <= static_cast<int64_t>(buffer.size())) {
      return std::string(buffer.data(), static_cast<size_t>(n));
    }
    std::string piece(static_cast<size_t>(n), '\0');
    module_->id_to_piece(handle_.get(), id, piece.data(), piece.size());
    return piece;
  }

 private:
  struct Free {
    SpmFreeFn free;
    void operator()(SpmHandle* model) const noexcept { free(model); }
  };

  std::shared_ptr<const Module> module_;  // declared first: outlives handle_
  std::unique_ptr<SpmHandle, Free> handle_;
};

std::unique_ptr<SentencePieceTokenizer> SentencePieceTokenizer::load(const fs::path& spiece_model) {
  return load(spiece_model, find_module("libhwb_spm.so"));
}

std::unique_ptr<SentencePieceTokenizer> SentencePieceTokenizer::load_t5() {
  return load(find_resource("t5/spiece.model"));
}

std::unique_ptr<SentencePieceTokenizer> SentencePieceTokenizer::load(const fs::path& spiece_model,
                                                                     const fs::path& module) {
  // dlopen counts references, so each tokenizer may hold its own Module of the same file.
  auto spm_module = std::make_shared<const Module>(module);
  std::error_code ec;
  if (!fs::is_regular_file(spiece_model, ec)) {
    throw Error("SentencePiece model '" + spiece_model.string() +
                "' not found. Copy spiece.model from the T5 checkpoint there, or set "
                "HWB_RESOURCE_DIR to the folder that holds t5/spiece.model.");
  }
  auto processor = std::make_unique<Processor>(std::move(spm_module), spiece_model);
  return std::make_unique<SentencePieceTokenizer>(Key{}, std::move(processor), spiece_model,
                                                  content_hash(spiece_model) + "+100extra");
}

SentencePieceTokenizer::SentencePieceTokenizer(Key, std::unique_ptr<Processor> processor,
                                               fs::path model_path, std::string fingerprint)
    : processor_(std::move(processor)),
      model_path_(std::move(model_path)),
      fingerprint_(std::move(fingerprint)),
      piece_size_(processor_->piece_size()) {
  // Tokenizer's kPadId, kEosId and kUnkId are T5's layout; a model without it is another
  // vocabulary.
  constexpr std::array<std::string_view, 3> kT5Specials = {"<pad>", "</s>", "<unk>"};
  pieces_.reserve(static_cast<size_t>(piece_size_ + kExtraIds));
  for (int32_t id = 0; id < piece_size_; ++id) pieces_.push_back(processor_->id_to_piece(id));
  for (size_t id = 0; id < kT5Specials.size(); ++id) {
    if (id >= pieces_.size() || pieces_[id] != kT5Specials[id]) {
      throw Error("'" + model_path_.string() + "' is not a T5 vocabulary: id " +
                  std::to_string(id) + " must be " + std::string(kT5Specials[id]) +
                  ". Use the spiece.model of a T5 checkpoint.");
    }
  }
  // transformers' T5Tokenizer(extra_ids=100) numbers the sentinels backwards from the last id.
  for (int64_t id = piece_size_; id < piece_size_ + kExtraIds; ++id) {
    pieces_.push_back("<extra_id_" + std::to_string(piece_size_ + kExtraIds - 1 - id) + ">");
  }
  for (int64_t id = 0; id < vocab_size(); ++id) {
    if (id < static_cast<int64_t>(kT5Specials.size()) || id >= piece_size_) {
      specials_.emplace(pieces_[static_cast<size_t>(id)], id);
      longest_special_ = std::max(longest_special_, pieces_[static_cast<size_t>(id)].size());
    }
  }
}

SentencePieceTokenizer::~SentencePieceTokenizer() = default;

std::vector<int64_t> SentencePieceTokenizer::encode(std::string_view text, bool add_eos) const {
  // Special tokens written in the text are matched byte for byte before any normalisation, and
  // the text between them is encoded segment by segment, each with its own leading "▁"
  // ("x<extra_id_0>." is ▁ x <extra_id_0> ▁ . in transformers too).
  std::vector<int64_t> ids;
  size_t segment_start = 0;
  for (size_t pos = text.find('<'); pos != std::string_view::npos; pos = text.find('<', pos)) {
    // Every special token ends at the first '>' after its '<'.
    const size_t close = text.substr(pos, longest_special_).find('>');
    const auto special = close == std::string_view::npos
                             ? specials_.end()
                             : specials_.find(text.substr(pos, close + 1));
    if (special == specials_.end()) {
      ++pos;
      continue;
    }
    append_pieces(text.substr(segment_start, pos - segment_start), ids);
    ids.push_back(special->second);
    pos += close + 1;
    segment_start = pos;
  }
  append_pieces(text.substr(segment_start), ids);
  if (add_eos) ids.push_back(kEosId);
  return ids;
}

void SentencePieceTokenizer::append_pieces(std::string_view text, std::vector<int64_t>& ids) const {
  if (!text.empty()) processor_->encode(text, ids);
}

std::string SentencePieceTokenizer::decode(std::span<const int64_t> ids, bool skip_special) const {
  std::string text;
  bool first_token = true;
  for (const int64_t id : ids) {
    if (id < 0 || id >= vocab_size() || id == kPadId || id == kEosId) continue;
    if (skip_special && is_special(id)) continue;
    append_decoded(pieces_[static_cast<size_t>(id)], first_token, text);
    first_token = false;
  }
  return text;
}

std::string SentencePieceTokenizer::id_to_piece(int64_t id) const {
  if (id < 0 || id >= vocab_size()) {
    throw Error("Token id " + std::to_string(id) + " is outside the vocabulary of '" +
                model_path_.string() + "' (0 to " + std::to_string(vocab_size() - 1) + ").");
  }
  return pieces_[static_cast<size_t>(id)];
}

int64_t SentencePieceTokenizer::vocab_size() const {
  return piece_size_ + kExtraIds;
}

std::string SentencePieceTokenizer::fingerprint() const {
  return fingerprint_;
}

int64_t SentencePieceTokenizer::sentinel_id(int64_t index) const {
  if (index < 0 || index >= kExtraIds) {
    throw Error("Sentinel <extra_id_" + std::to_string(index) + "> does not exist: T5 has " +
                std::to_string(kExtraIds) + " (0 to " + std::to_string(kExtraIds - 1) + ").");
  }
  return piece_size_ + kExtraIds - 1 - index;
}

bool SentencePieceTokenizer::is_special(int64_t id) const {
  return id == kPadId || id == kEosId || id == kUnkId || id >= piece_size_;
}

}  // namespace hwb
