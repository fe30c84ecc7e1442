#include "core/data/TaskDataset.h"

#include <algorithm>
#include <exception>
#include <limits>
#include <thread>
#include <unordered_map>

#include "core/data/Tokenizer.h"
#include "core/util/Error.h"

namespace hwb {
namespace {

// Examples per worker below which another thread costs more than it saves.
constexpr std::size_t kMinExamplesPerThread = 2000;
// Distinct targets remembered per worker: classification and STS-B have a few dozen; a task with
// free-text targets simply stops benefiting.
constexpr std::size_t kMaxMemoTargets = 4096;

void append_encoded(const Tokenizer& tokenizer, std::string_view text, int max_length,
                    std::vector<std::int32_t>& out, std::vector<std::uint32_t>& lengths) {
  std::vector<std::int64_t> ids = tokenizer.encode(text, /*add_eos=*/true);
  if (ids.size() > static_cast<std::size_t>(max_length)) {
    ids.resize(static_cast<std::size_t>(max_length));
    ids.back() = Tokenizer::kEosId;
  }
  for (std::int64_t id : ids) out.push_back(static_cast<std::int32_t>(id));
  lengths.push_back(static_cast<std::uint32_t>(ids.size()));
}

struct WorkerOutput {
  std::vector<std::int32_t> ids;
  std::vector<std::uint32_t> lengths;  // source, target per example
  std::exception_ptr error;
};

void tokenize_range(const Tokenizer& tokenizer, std::span<const Example> examples,
                    int max_source_length, int max_target_length, WorkerOutput& out) {
  try {
    std::unordered_map<std::string_view, std::vector<std::int32_t>> memo;
    std::vector<std::uint32_t> one_length;
    out.lengths.reserve(2 * examples.size());
    for (const Example& example : examples) {
      append_encoded(tokenizer, example.source, max_source_length, out.ids, out.lengths);
      auto found = memo.find(example.target);
      if (found == memo.end()) {
        std::vector<std::int32_t> target_ids;
        one_length.clear();
        append_encoded(tokenizer, example.target, max_target_length, target_ids, one_length);
        if (memo.size() >= kMaxMemoTargets) {
          out.ids.insert(out.ids.end(), target_ids.begin(), target_ids.end());
          out.lengths.push_back(static_cast<std::uint32_t>(target_ids.size()));
          continue;
        }
        found = memo.emplace(example.target, std::move(target_ids)).first;
      }
      out.ids.insert(out.ids.end(), found->second.begin(), found->second.end());
      out.lengths.push_back(static_cast<std::uint32_t>(found->second.size()));
    }
  } catch (...) {
    out.error = std::current_exception();
  }
}

}  // namespace

TaskDataset TaskDataset::build(std::vector<Example> examples, SkippedRows skipped,
                               const Tokenizer& tokenizer, int max_source_length,
                               int max_target_length, unsigned threads) {
  if (tokenizer.vocab_size() > std::numeric_limits<std::int32_t>::max()) {
    throw Error("TaskDataset: a vocabulary of " + std::to_string(tokenizer.vocab_size()) +
                " ids does not fit the int32 id store");
  }
  if (max_source_length < 1 || max_target_length < 1) {
    throw Error("TaskDataset: maximum lengths must be at least 1");
  }
  std::size_t workers = threads ? threads : std::max(1u, std::thread::hardware_concurrency());
  workers = std::clamp<std::size_t>(examples.size() / kMinExamplesPerThread, 1, workers);

  std::vector<WorkerOutput> outputs(workers);
  const std::size_t per_worker = (examples.size() + workers - 1) / workers;
  const auto range = [&](std::size_t w) {
    const std::size_t begin = std::min(examples.size(), w * per_worker);
    const std::size_t end = std::min(examples.size(), begin + per_worker);
    return std::span<const Example>(examples).subspan(begin, end - begin);
  };
  if (workers == 1) {
    tokenize_range(tokenizer, examples, max_source_length, max_target_length, outputs[0]);
  } else {
    std::vector<std::jthread> pool;
    for (std::size_t w = 0; w < workers; ++w) {
      pool.emplace_back([&, w] {
        tokenize_range(tokenizer, range(w), max_source_length, max_target_length, outputs[w]);
      });
    }
  }
  for (const WorkerOutput& out : outputs) {
    if (out.error) std::rethrow_exception(out.error);
  }

  TaskDataset data;
  data.skipped_ = std::move(skipped);
  std::size_t text_bytes = 0;
  std::size_t id_count = 0;
  for (const Example& e : examples)
    text_bytes += e.source.size() + e.target.size() + e.label.size();
  for (const WorkerOutput& out : outputs) id_count += out.ids.size();
  data.text_.reserve(text_bytes);
  data.text_offsets_.reserve(3 * examples.size() + 1);
  data.lines_.reserve(examples.size());
  for (const Example& e : examples) {
    for (const std::string* part : {&e.source, &e.target, &e.label}) {
      data.text_ += *part;
      data.text_offsets_.push_back(data.text_.size());
    }
    data.lines_.push_back(e.line);
  }
  data.ids_.reserve(id_count);
  data.id_offsets_.reserve(2 * examples.size() + 1);
  for (WorkerOutput& out : outputs) {
    data.ids_.insert(data.ids_.end(), out.ids.begin(), out.ids.end());
    for (std::uint32_t length : out.lengths) {
      data.id_offsets_.push_back(data.id_offsets_.back() + length);
    }
    out = WorkerOutput();
  }
  return data;
}

void TaskDataset::append_ids(std::span<const std::int32_t> source_ids,
                             std::span<const std::int32_t> target_ids, std::size_t line) {
  for (int part = 0; part < 3; ++part) text_offsets_.push_back(text_.size());
  for (std::span<const std::int32_t> part : {source_ids, target_ids}) {
    ids_.insert(ids_.end(), part.begin(), part.end());
    id_offsets_.push_back(ids_.size());
  }
  lines_.push_back(line);
}

Example TaskDataset::example(std::size_t i) const {
  return Example{std::string(source(i)), std::string(target(i)), std::string(label(i)), line(i)};
}

}  // namespace hwb
