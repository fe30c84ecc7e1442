#pragma once

// A stand-in for SentencePiece in the data tests: one id per whitespace-separated word, from a
// hash of the word, so the same text always gives the same ids and different words almost always
// differ. It counts encode() calls, which tells a cache hit (no calls) from a rebuild.

#include <atomic>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/data/ContentHash.h"
#include "core/data/Tokenizer.h"

namespace hwb::test {

class WordTokenizer : public Tokenizer {
 public:
  static constexpr std::int64_t kVocab = 1000;

  explicit WordTokenizer(std::string fingerprint = "word-tokenizer-v1")
      : fingerprint_(std::move(fingerprint)) {}

  std::vector<std::int64_t> encode(std::string_view text, bool add_eos = true) const override {
    ++calls_;
    std::vector<std::int64_t> ids;
    std::size_t i = 0;
    while (i < text.size()) {
      while (i < text.size() && text[i] == ' ') ++i;
      const std::size_t begin = i;
      while (i < text.size() && text[i] != ' ') ++i;
      if (i > begin) ids.push_back(id_of(text.substr(begin, i - begin)));
    }
    if (add_eos) ids.push_back(kEosId);
    return ids;
  }
  std::string decode(std::span<const std::int64_t> ids, bool) const override {
    return std::to_string(ids.size()) + " ids";
  }
  std::string id_to_piece(std::int64_t id) const override { return "#" + std::to_string(id); }
  std::int64_t vocab_size() const override { return kVocab; }
  std::string fingerprint() const override { return fingerprint_; }

  static std::int64_t id_of(std::string_view word) {
    return 3 + static_cast<std::int64_t>(xxhash64(word) % (kVocab - 3));
  }
  std::size_t calls() const { return calls_; }

 private:
  std::string fingerprint_;
  mutable std::atomic<std::size_t> calls_{0};
};

}  // namespace hwb::test
