#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace hwb {

// Text <-> ids as T5 sees them. The real implementation is SentencePieceTokenizer (the only code
// that talks to the dlopen'd SentencePiece module); tests may use a fake.
class Tokenizer {
 public:
  static constexpr int64_t kPadId = 0;
  static constexpr int64_t kEosId = 1;
  static constexpr int64_t kUnkId = 2;

  virtual ~Tokenizer() = default;

  // Ids of `text`, with EOS appended when `add_eos` (T5's tokenizer always appends it).
  virtual std::vector<int64_t> encode(std::string_view text, bool add_eos = true) const = 0;
  // Text of `ids`; pad and EOS are dropped, and with skip_special also <unk> and the sentinels
  // (transformers' decode(ids, skip_special_tokens=True)).
  virtual std::string decode(std::span<const int64_t> ids, bool skip_special = true) const = 0;
  // The piece of one id ("▁Hello", "</s>", "<extra_id_0>").
  virtual std::string id_to_piece(int64_t id) const = 0;
  // All ids, sentinels included (32100 for T5).
  virtual int64_t vocab_size() const = 0;
  // Identifies the vocabulary (a content hash of the model file), for cache keys.
  virtual std::string fingerprint() const = 0;
};

}  // namespace hwb
