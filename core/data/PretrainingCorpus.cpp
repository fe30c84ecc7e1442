#include "core/data/PretrainingCorpus.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <numeric>
#include <random>
#include <sstream>
#include <thread>

#include "core/data/ContentHash.h"
#include "core/data/Tokenizer.h"
#include "core/util/Error.h"

namespace hwb {

namespace fs = std::filesystem;

namespace {

struct FileText {
  std::string bytes;
  std::vector<std::string_view> lines;  // non-blank lines, in file order
};

FileText read_lines(const fs::path& path) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) {
    throw Error("Corpus file '" + path.string() +
                "' does not exist: give a plain-text file, one document or sentence a line "
                "(tools/corpus/make_pretraining_corpus.py makes the project's own)");
  }
  std::ifstream in(path, std::ios::binary);
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (!in && !in.eof()) throw Error("Corpus file '" + path.string() + "' could not be read");
  FileText text;
  text.bytes = buffer.str();
  std::string_view all(text.bytes);
  while (!all.empty()) {
    const std::size_t end = std::min(all.find('\n'), all.size());
    std::string_view line = all.substr(0, end);
    all.remove_prefix(std::min(all.size(), end + 1));
    if (line.find_first_not_of(" \t\r") != std::string_view::npos) text.lines.push_back(line);
  }
  if (text.lines.empty())
    throw Error("Corpus file '" + path.string() + "' has no text: it needs one line or more");
  return text;
}

// Token ids of each line (no EOS), `threads` workers over contiguous ranges.
std::vector<std::vector<std::int32_t>> tokenize_lines(const Tokenizer& tokenizer,
                                                      const std::vector<std::string_view>& lines,
                                                      unsigned threads) {
  std::vector<std::vector<std::int32_t>> ids(lines.size());
  const std::size_t workers = std::clamp<std::size_t>(
      lines.size() / 2000, 1,
      threads ? threads : std::max(1u, std::thread::hardware_concurrency()));
  std::vector<std::exception_ptr> errors(workers);
  auto work = [&](std::size_t w) {
    try {
      for (std::size_t i = w; i < lines.size(); i += workers) {
        const std::vector<std::int64_t> line = tokenizer.encode(lines[i], /*add_eos=*/false);
        ids[i].assign(line.begin(), line.end());
      }
    } catch (...) {
      errors[w] = std::current_exception();
    }
  };
  {
    std::vector<std::jthread> pool;
    for (std::size_t w = 1; w < workers; ++w) pool.emplace_back(work, w);
    work(0);
  }
  for (const std::exception_ptr& e : errors) {
    if (e) std::rethrow_exception(e);
  }
  return ids;
}

// The lines' tokens back to back, cut into chunks of `length` (the last may be shorter), appended
// to `data`; returns the new rows. `line` of each row is the file line its chunk starts in.
std::vector<std::size_t> pack(const std::vector<std::vector<std::int32_t>>& ids,
                              const std::vector<std::size_t>& line_numbers, std::size_t length,
                              TaskDataset& data) {
  std::vector<std::size_t> rows;
  std::vector<std::int32_t> chunk;
  std::size_t chunk_line = 0;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    for (std::int32_t id : ids[i]) {
      if (chunk.empty()) chunk_line = line_numbers[i];
      chunk.push_back(id);
      if (chunk.size() == length) {
        rows.push_back(data.size());
        data.append_ids(chunk, {}, chunk_line);
        chunk.clear();
      }
    }
  }
  // A tail of a few tokens teaches nothing; one of at least a quarter chunk stays.
  if (chunk.size() * 4 >= length || (rows.empty() && chunk.size() >= 2)) {
    rows.push_back(data.size());
    data.append_ids(chunk, {}, chunk_line);
  }
  return rows;
}

void shuffle(std::vector<std::size_t>& v, std::mt19937_64& rng) {
  for (std::size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[rng() % i]);
}

}  // namespace

LoadedTask load_pretraining_corpus(const std::vector<CorpusSource>& sources,
                                   const SpanCorruption& corruption, const Tokenizer& tokenizer,
                                   const CorpusLoadOptions& options) {
  if (sources.empty())
    throw Error("A pretraining run needs at least one corpus file (pretraining.corpora)");
  for (const CorpusSource& s : sources) {
    if (!(s.weight > 0) || !std::isfinite(s.weight)) {
      throw Error("Corpus file '" + s.path.string() + "': weight must be positive, got " +
                  std::to_string(s.weight));
    }
  }
  auto train = std::make_shared<TaskDataset>();
  auto validation = std::make_shared<TaskDataset>();
  LoadedTask task;
  task.definition.name = kSpanCorruptionTask;
  task.definition.metrics = {"accuracy"};
  task.definition.max_source_length = static_cast<int>(corruption.options().input_length);
  task.definition.max_target_length = static_cast<int>(corruption.target_length());
  const auto length = static_cast<std::size_t>(corruption.raw_length());
  std::vector<std::vector<std::size_t>> train_rows;
  std::vector<std::size_t> validation_rows;
  std::mt19937_64 rng(options.seed);
  for (const CorpusSource& source : sources) {
    const FileText text = read_lines(source.path);
    const std::size_t n = text.lines.size();
    const std::size_t held = std::min(options.validation_lines, n / 10);
    std::vector<std::size_t> order(n);
    std::iota(order.begin(), order.end(), 0);
    shuffle(order, rng);
    std::vector<char> is_held(n, 0);
    for (std::size_t k = 0; k < held; ++k) is_held[order[k]] = 1;
    std::vector<std::string_view> train_lines, held_lines;
    std::vector<std::size_t> train_numbers, held_numbers;
    for (std::size_t i = 0; i < n; ++i) {
      (is_held[i] ? held_lines : train_lines).push_back(text.lines[i]);
      (is_held[i] ? held_numbers : train_numbers).push_back(i + 1);
    }
    const auto train_ids = tokenize_lines(tokenizer, train_lines, options.threads);
    std::size_t tokens = 0;
    for (const auto& ids : train_ids) tokens += ids.size();
    train_rows.push_back(pack(train_ids, train_numbers, length, *train));
    const auto held_rows = pack(tokenize_lines(tokenizer, held_lines, options.threads),
                                held_numbers, length, *validation);
    validation_rows.insert(validation_rows.end(), held_rows.begin(), held_rows.end());
    if (train_rows.back().empty()) {
      throw Error("Corpus file '" + source.path.string() +
                  "' has too little text to make one training chunk");
    }
    TaskFileRecord record;
    record.role = "corpus";
    record.path = source.path;
    record.content_hash = hash_hex(xxhash64(text.bytes));
    record.examples = train_rows.back().size();
    task.files.push_back(record);
    task.notes.push_back(source.path.filename().string() + ": " + std::to_string(n) + " lines (" +
                         std::to_string(held) + " held out for validation), " +
                         std::to_string(tokens) + " training tokens in " +
                         std::to_string(train_rows.back().size()) + " chunks of " +
                         std::to_string(length));
  }
  // Mixing: file i's share of the chunks is its weight's share.
  const std::size_t total = train->size();
  const double weight_sum =
      std::accumulate(sources.begin(), sources.end(), 0.0,
                      [](double a, const CorpusSource& s) { return a + s.weight; });
  std::vector<std::size_t> indices;
  for (std::size_t i = 0; i < sources.size(); ++i) {
    const std::vector<std::size_t>& rows = train_rows[i];
    const auto count = std::max<std::size_t>(
        1, static_cast<std::size_t>(
               std::llround(sources[i].weight / weight_sum * static_cast<double>(total))));
    for (std::size_t k = 0; k + rows.size() <= count; k += rows.size())
      indices.insert(indices.end(), rows.begin(), rows.end());
    std::vector<std::size_t> rest = rows;
    shuffle(rest, rng);
    rest.resize(count % rows.size());
    indices.insert(indices.end(), rest.begin(), rest.end());
    if (sources.size() > 1) {
      task.notes.push_back(sources[i].path.filename().string() + ": weight " +
                           std::to_string(sources[i].weight) + ", " + std::to_string(count) +
                           " training chunks a pass (" + std::to_string(rows.size()) +
                           " distinct)");
    }
  }
  task.train = TaskSplit{train, std::move(indices)};
  task.validation = TaskSplit{validation, std::move(validation_rows)};
  return task;
}

}  // namespace hwb
