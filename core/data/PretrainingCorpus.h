#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <vector>

#include "core/data/SpanCorruption.h"
#include "core/data/TaskLoader.h"

namespace hwb {

class Tokenizer;

// One plain-text file of a pretraining corpus (one document or sentence a line) and its share of
// the training chunks relative to the other files.
struct CorpusSource {
  std::filesystem::path path;
  double weight = 1.0;
};

struct CorpusLoadOptions {
  std::size_t validation_lines = 1000;  // per file, seeded, held out of training (at most 10%)
  std::uint64_t seed = 42;
  unsigned threads = 0;  // tokenizer workers; 0: one per core
};

// The name a pretraining run's one task goes by (in the store, the plots and the checkpoints).
inline constexpr const char* kSpanCorruptionTask = "span_corruption";

// Reads every file, holds out its validation lines, tokenises the rest (no EOS between lines, as
// T5 concatenates documents) and packs each file into chunks of corruption.raw_length() tokens:
// the task's rows are those chunks (source ids only; SpanCorruption makes inputs and targets per
// batch). Training indices mix the files by weight: file i gets weight_i / sum(weights) of all
// chunks, its chunks repeated or subsampled (seeded) to that count. Throws hwb::Error naming the
// file and the fix for a missing, unreadable or empty file or a bad weight.
LoadedTask load_pretraining_corpus(const std::vector<CorpusSource>& sources,
                                   const SpanCorruption& corruption, const Tokenizer& tokenizer,
                                   const CorpusLoadOptions& options);

}  // namespace hwb
