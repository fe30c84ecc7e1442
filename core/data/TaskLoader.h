#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/data/BadRowPolicy.h"
#include "core/data/Splits.h"
#include "core/data/TaskDataset.h"
#include "core/data/TaskDefinition.h"

namespace hwb {

class Tokenizer;

struct TaskLoadOptions {
  std::filesystem::path cache_dir;  // tokenised files are cached here; empty: no cache
  BadRowPolicy bad_rows = BadRowPolicy::kRefuse;
  SplitOptions split;
  unsigned threads = 0;  // tokenizer workers; 0: one per core
};

// Rows of one file's dataset that make a split, in the split's seeded order.
struct TaskSplit {
  std::shared_ptr<const TaskDataset> data;
  std::vector<std::size_t> indices;

  std::size_t size() const { return indices.size(); }
  bool empty() const { return indices.empty(); }
};

// How one source file was loaded, for the run's record.
struct TaskFileRecord {
  std::string role;  // "train", "dev", ...
  std::filesystem::path path;
  std::string content_hash;  // xxh64 hex of the file's bytes
  std::size_t examples = 0;
  std::size_t skipped_rows = 0;
  bool from_cache = false;
};

struct LoadedTask {
  TaskDefinition definition;
  TaskSplit train;
  TaskSplit validation;
  TaskSplit test;       // empty when a custom task gives no test file
  SkippedRows skipped;  // over all of the task's files
  std::vector<TaskFileRecord> files;
  std::vector<std::string> notes;  // held-out rows, caps, cache problems: things a run records
};

// Reads, formats, tokenises (or takes from the cache) and splits one task: the whole data path
// from a TaskDefinition to the examples a trainer and an evaluator use.
class TaskLoader {
 public:
  TaskLoader(const Tokenizer& tokenizer, TaskLoadOptions options);

  // Throws hwb::Error naming the task, file and line when the task cannot be used: a bad
  // definition, a missing or empty file, a bad row under BadRowPolicy::kRefuse.
  LoadedTask load(const TaskDefinition& definition) const;

 private:
  LoadedTask load_checked(const TaskDefinition& definition) const;

  const Tokenizer& tokenizer_;
  TaskLoadOptions options_;
};

}  // namespace hwb
