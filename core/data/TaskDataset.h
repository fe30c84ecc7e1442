#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/data/BadRowPolicy.h"
#include "core/data/Example.h"

namespace hwb {

class Tokenizer;

// One task file's examples, formatted and tokenised, in file order. Texts and ids sit in a few
// flat arrays (not one object per example) so that MNLI's 393k rows cost a handful of
// allocations, and the on-disk cache (TokenizedCache) is a straight copy of them.
// Ids are stored as int32 (every vocabulary here fits) to halve memory; Batcher widens them to
// the int64 the model takes.
class TaskDataset {
 public:
  TaskDataset() = default;

  // Tokenises `examples` with EOS, cut to at most `max_source_length` / `max_target_length` ids
  // (a cut sequence keeps EOS as its last id, as Hugging Face's T5 tokenizer does). `threads`
  // workers share the work (0: one per core); Tokenizer::encode must be safe to call
  // concurrently, as it is const.
  static TaskDataset build(std::vector<Example> examples, SkippedRows skipped,
                           const Tokenizer& tokenizer, int max_source_length, int max_target_length,
                           unsigned threads = 0);

  // Appends a row that is ids only (no texts): a packed pretraining chunk (SpanCorruption) whose
  // target is made when the batch is.
  void append_ids(std::span<const std::int32_t> source_ids,
                  std::span<const std::int32_t> target_ids, std::size_t line);

  std::size_t size() const { return lines_.size(); }
  bool empty() const { return lines_.empty(); }

  std::string_view source(std::size_t i) const { return text(3 * i); }
  std::string_view target(std::size_t i) const { return text(3 * i + 1); }
  std::string_view label(std::size_t i) const { return text(3 * i + 2); }
  std::size_t line(std::size_t i) const { return static_cast<std::size_t>(lines_[i]); }
  std::span<const std::int32_t> source_ids(std::size_t i) const { return ids(2 * i); }
  std::span<const std::int32_t> target_ids(std::size_t i) const { return ids(2 * i + 1); }
  Example example(std::size_t i) const;

  // Rows of the file left out under BadRowPolicy::kSkip.
  const SkippedRows& skipped() const { return skipped_; }

 private:
  friend class TokenizedCache;

  std::string_view text(std::size_t k) const {
    return std::string_view(text_).substr(text_offsets_[k],
                                          text_offsets_[k + 1] - text_offsets_[k]);
  }
  std::span<const std::int32_t> ids(std::size_t k) const {
    return std::span<const std::int32_t>(ids_).subspan(id_offsets_[k],
                                                       id_offsets_[k + 1] - id_offsets_[k]);
  }

  std::string text_;  // source, target, label of each example, back to back
  std::vector<std::uint64_t> text_offsets_ = {0};  // 3 per example, plus the end
  std::vector<std::int32_t> ids_;                  // source ids, target ids of each example
  std::vector<std::uint64_t> id_offsets_ = {0};    // 2 per example, plus the end
  std::vector<std::uint64_t> lines_;
  SkippedRows skipped_;
};

}  // namespace hwb
