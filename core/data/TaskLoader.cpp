#include "core/data/TaskLoader.h"

#include <map>

#include "core/data/ContentHash.h"
#include "core/data/ExampleReader.h"
#include "core/data/TokenizedCache.h"
#include "core/data/Tokenizer.h"
#include "core/data/TsvReader.h"
#include "core/util/Error.h"

namespace hwb {

TaskLoader::TaskLoader(const Tokenizer& tokenizer, TaskLoadOptions options)
    : tokenizer_(tokenizer), options_(std::move(options)) {}

LoadedTask TaskLoader::load(const TaskDefinition& definition) const {
  try {
    return load_checked(definition);
  } catch (const Error& error) {
    const std::string prefix = "task \"" + definition.name + "\"";
    const std::string what = error.what();
    if (what.starts_with(prefix)) throw;
    throw Error(prefix + ": " + what);
  }
}

LoadedTask TaskLoader::load_checked(const TaskDefinition& definition) const {
  const ExampleReader reader(definition);  // validates the definition first
  LoadedTask task;
  task.definition = definition;
  std::optional<TokenizedCache> cache;
  if (!options_.cache_dir.empty()) cache.emplace(options_.cache_dir);
  const std::string fingerprint = cache ? tokenizer_.fingerprint() : std::string();

  std::map<std::string, std::shared_ptr<const TaskDataset>> datasets;
  std::map<std::string, std::size_t> rows;
  for (const std::string& role : definition.required_files()) {
    const std::filesystem::path& path = definition.files.at(role);
    std::string content = read_file_bytes(path);
    TaskFileRecord record{role, path, hash_hex(xxhash64(content)), 0, 0, false};

    std::optional<TaskDataset> data;
    std::string key;
    if (cache) {
      key = TokenizedCache::key(definition, content, fingerprint);
      TokenizedCache::Lookup lookup = cache->load(definition.name, key);
      if (!lookup.problem.empty()) task.notes.push_back("cache: " + lookup.problem);
      if (lookup.dataset) {
        data = std::move(lookup.dataset);
        record.from_cache = true;
        // Rows skipped when the entry was made were bad then and are bad now.
        if (options_.bad_rows == BadRowPolicy::kRefuse && data->skipped().count > 0) {
          throw Error(data->skipped().messages.front() +
                      " (the task is refused; choose to skip bad rows to leave such rows out "
                      "and count them)");
        }
      }
    }
    if (!data) {
      ReadResult read = reader.read(path, std::move(content), options_.bad_rows);
      data = TaskDataset::build(std::move(read.examples), std::move(read.skipped), tokenizer_,
                                definition.max_source_length, definition.max_target_length,
                                options_.threads);
      if (cache) {
        try {
          cache->store(definition.name, key, *data);
        } catch (const Error& error) {
          task.notes.push_back(std::string("cache not written: ") + error.what());
        }
      }
    }
    record.examples = data->size();
    record.skipped_rows = data->skipped().count;
    task.skipped.merge(data->skipped());
    if (data->skipped().count > 0) {
      task.notes.push_back(path.string() + ": " + std::to_string(data->skipped().count) +
                           " bad rows skipped");
    }
    rows[role] = data->size();
    datasets[role] = std::make_shared<const TaskDataset>(std::move(*data));
    task.files.push_back(std::move(record));
  }

  SplitPlan plan = make_split_plan(definition, rows, options_.split);
  task.train = {datasets.at(plan.train_file), std::move(plan.train)};
  task.validation = {datasets.at(plan.validation_file), std::move(plan.validation)};
  if (!plan.test_file.empty()) task.test = {datasets.at(plan.test_file), std::move(plan.test)};
  for (std::string& note : plan.notes) task.notes.push_back(std::move(note));
  return task;
}

}  // namespace hwb
