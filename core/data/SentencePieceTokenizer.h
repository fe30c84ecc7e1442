#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/data/Tokenizer.h"

namespace hwb {

// T5's tokenizer, id for id what transformers' T5Tokenizer (5.x, extra_ids=100) produces:
// the SentencePiece model's pieces (32000 for T5) followed by 100 sentinels, <extra_id_0> being
// the last id (32099) and <extra_id_99> the first (32000). Special tokens written literally in the
// text (<pad>, </s>, <unk>, <extra_id_N>) become their ids.
//
// SentencePiece itself lives in libhwb_spm.so, loaded with dlopen: linking it into the process
// breaks LibTorch (docs PLATFORM.md). This class is the only user of that module. Encoding and
// decoding are const and may run on several threads at once.
class SentencePieceTokenizer final : public Tokenizer {
 public:
  static constexpr int64_t kExtraIds = 100;

  // Loads `spiece_model` with the module that hwb::find_module("libhwb_spm.so") finds.
  // Throws hwb::Error naming the file and the fix when the module or the model cannot be loaded.
  static std::unique_ptr<SentencePieceTokenizer> load(const std::filesystem::path& spiece_model);
  // The same with the module given explicitly (tests, tools that ship their own module).
  static std::unique_ptr<SentencePieceTokenizer> load(const std::filesystem::path& spiece_model,
                                                      const std::filesystem::path& module);
  // T5's vocabulary from the resources: hwb::find_resource("t5/spiece.model").
  static std::unique_ptr<SentencePieceTokenizer> load_t5();

  ~SentencePieceTokenizer() override;
  SentencePieceTokenizer(const SentencePieceTokenizer&) = delete;
  SentencePieceTokenizer& operator=(const SentencePieceTokenizer&) = delete;

  std::vector<int64_t> encode(std::string_view text, bool add_eos = true) const override;
  // skip_special = true is transformers' decode(ids, skip_special_tokens=True). With false, pad and
  // EOS are still dropped, and <unk> and the sentinels are written as their pieces, spaced as
  // transformers spaces them. Ids outside [0, vocab_size()) are ignored, as transformers ignores
  // ids past its vocabulary (T5 checkpoints have 32128 output rows for 32100 ids).
  std::string decode(std::span<const int64_t> ids, bool skip_special = true) const override;
  // Throws hwb::Error for an id outside [0, vocab_size()).
  std::string id_to_piece(int64_t id) const override;
  int64_t vocab_size() const override;
  // "<FNV-1a 64 of the model file, 16 hex digits>+100extra".
  std::string fingerprint() const override;

  // Pieces in the SentencePiece model, sentinels excluded (32000 for T5).
  int64_t piece_size() const { return piece_size_; }
  // The id of <extra_id_{index}>, index in [0, kExtraIds).
  int64_t sentinel_id(int64_t index) const;
  // The model file this tokenizer was loaded from.
  const std::filesystem::path& model_path() const { return model_path_; }

 private:
  class Module;     // the dlopen'd libhwb_spm.so and its entry points
  class Processor;  // one model loaded inside the module
  struct Key {};    // lets load() use make_unique while nothing else can construct one

 public:
  SentencePieceTokenizer(Key, std::unique_ptr<Processor> processor,
                         std::filesystem::path model_path, std::string fingerprint);

 private:
  bool is_special(int64_t id) const;
  void append_pieces(std::string_view text, std::vector<int64_t>& ids) const;

  std::unique_ptr<Processor> processor_;
  std::filesystem::path model_path_;
  std::string fingerprint_;
  int64_t piece_size_ = 0;
  // Every id's piece, sentinels included: decode and id_to_piece never cross into the module.
  std::vector<std::string> pieces_;
  // The pieces transformers matches literally in a text: <pad>, </s>, <unk> and the sentinels.
  std::map<std::string, int64_t, std::less<>> specials_;
  size_t longest_special_ = 0;
};

}  // namespace hwb
