// libhwb_spm.so: the SentencePiece bridge, loaded at run time by SentencePieceTokenizer.
//
// Debian's libsentencepiece carries and exports its own protobuf-lite, which clashes with the
// protobuf LibTorch loads when both are linked into one executable (docs PLATFORM.md). So this
// module is the only code that includes SentencePiece headers or links the library, and the
// process reaches it through dlopen(RTLD_LOCAL | RTLD_DEEPBIND) and the plain C functions below.
// Nothing C++ crosses the boundary: no exception, no std::string, no memory allocated on one side
// and freed on the other (except the opaque handle, which only hwb_spm_free releases).
//
// The function types are repeated in core/data/SentencePieceTokenizer.cpp; change both together
// and bump kAbiVersion, which the loader checks before it resolves anything else.
//
// Only the SentencePieceProcessor calls that exist unchanged in 0.1.97 (Debian) and 0.2.x (the GPU
// machine) are used: Load, Encode to ids, IdToPiece, GetPieceSize, status().ok()/ToString().

#include <sentencepiece_processor.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <exception>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#define HWB_SPM_EXPORT extern "C" __attribute__((visibility("default")))

// The opaque handle the C functions hand out: one loaded model.
struct hwb_spm {
  sentencepiece::SentencePieceProcessor processor;
};

namespace {

constexpr int32_t kAbiVersion = 1;

// Copies `message` into the caller's buffer, truncated and always NUL-terminated.
void set_error(char* error, size_t error_size, std::string_view message) noexcept {
  if (error == nullptr || error_size == 0) return;
  const size_t n = message.size() < error_size - 1 ? message.size() : error_size - 1;
  std::memcpy(error, message.data(), n);
  error[n] = '\0';
}

}  // namespace

// The version of this C interface; the loader refuses a module built for another one.
HWB_SPM_EXPORT int32_t hwb_spm_abi_version() noexcept {
  return kAbiVersion;
}

// Loads the SentencePiece model at `path` (NUL-terminated). Returns nullptr, with a message in
// `error`, when the file cannot be read or is not a SentencePiece model.
HWB_SPM_EXPORT hwb_spm* hwb_spm_load(const char* path, char* error, size_t error_size) noexcept {
  try {
    auto model = std::make_unique<hwb_spm>();
    const auto status = model->processor.Load(std::string_view(path));
    if (!status.ok()) {
      set_error(error, error_size, status.ToString());
      return nullptr;
    }
    // Ownership passes to the caller through the C interface; hwb_spm_free takes it back.
    return model.release();
  } catch (const std::exception& e) {
    set_error(error, error_size, e.what());
  } catch (...) {
    set_error(error, error_size, "unknown C++ exception in hwb_spm_load");
  }
  return nullptr;
}

HWB_SPM_EXPORT void hwb_spm_free(hwb_spm* model) noexcept {
  std::unique_ptr<hwb_spm> owned(model);
}

// The number of pieces in the model (32000 for T5); 0 for a null handle.
HWB_SPM_EXPORT int32_t hwb_spm_piece_size(const hwb_spm* model) noexcept {
  if (model == nullptr) return 0;
  try {
    return model->processor.GetPieceSize();
  } catch (...) {
    return 0;
  }
}

// Encodes text[0, text_size) and writes at most `capacity` ids into `ids`. Returns how many ids
// the text has, which may exceed `capacity`: the caller then calls again with a buffer that large.
// Returns -1, with a message in `error`, on failure.
HWB_SPM_EXPORT int64_t hwb_spm_encode(const hwb_spm* model, const char* text, size_t text_size,
                                      int32_t* ids, size_t capacity, char* error,
                                      size_t error_size) noexcept {
  if (model == nullptr) {
    set_error(error, error_size, "hwb_spm_encode: null model handle");
    return -1;
  }
  try {
    std::vector<int> encoded;
    const auto status = model->processor.Encode(std::string_view(text, text_size), &encoded);
    if (!status.ok()) {
      set_error(error, error_size, status.ToString());
      return -1;
    }
    const size_t n = encoded.size() < capacity ? encoded.size() : capacity;
    for (size_t i = 0; i < n; ++i) ids[i] = static_cast<int32_t>(encoded[i]);
    return static_cast<int64_t>(encoded.size());
  } catch (const std::exception& e) {
    set_error(error, error_size, e.what());
  } catch (...) {
    set_error(error, error_size, "unknown C++ exception in hwb_spm_encode");
  }
  return -1;
}

// Writes the piece of `id` (UTF-8, not NUL-terminated) into out[0, capacity). Returns the piece's
// length in bytes, which may exceed `capacity` (call again with a larger buffer), or -1 when `id`
// is outside [0, piece_size).
HWB_SPM_EXPORT int64_t hwb_spm_id_to_piece(const hwb_spm* model, int32_t id, char* out,
                                           size_t capacity) noexcept {
  if (model == nullptr) return -1;
  try {
    // SentencePiece checks the range itself only by logging; keep the answer well defined here.
    if (id < 0 || id >= model->processor.GetPieceSize()) return -1;
    const std::string& piece = model->processor.IdToPiece(id);
    if (out != nullptr)
      std::memcpy(out, piece.data(), piece.size() < capacity ? piece.size() : capacity);
    return static_cast<int64_t>(piece.size());
  } catch (...) {
    return -1;
  }
}
