#pragma once

#include <cstddef>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace hwb {

enum class TaskFileFormat {
  kTsv,    // tab-separated, no quoting (GLUE's own files)
  kJsonl,  // one JSON object per line
};

// How a task's files become its train, validation and test splits (METHOD.md section 5,
// the reference code's split_validation_test). Every split is a seeded shuffle of its file.
enum class SplitScheme {
  kGiven,         // "train", "validation" and (optional) "test" files, each used as it is
  kHalveDev,      // small GLUE sets: validation and test are the two seeded halves of "dev"
  kHoldoutTrain,  // large GLUE sets: validation is `holdout` seeded "train" rows; test is "dev"
};

// Where a field's text is in a record: a TSV column index (negative counts from the end, so -1 is
// the last column, whatever a file's width), or a TSV header name / JSONL key.
using FieldColumn = std::variant<int, std::string>;

struct TaskField {
  std::string name;    // the placeholder in the input template: {sentence1}
  FieldColumn column;  // where its text is
};

// A task whose target is a number (STS-B): the text the model learns is the rounded score.
struct RegressionTarget {
  double min = 0.0;  // a raw score outside [min, max] is a bad row, not clamped
  double max = 5.0;
  double resolution = 0.2;  // targets are rounded to a multiple of this, ties to even: T5 uses
                            // 0.2 for STS-B (26 classes); the reference code's helper 0.1
  int decimals = 1;         // digits after the point in the target text ("4.0", "3.8")
};

// Everything needed to turn a task's files into text-to-text examples: built in for GLUE
// (GlueTasks.h), written by a person in JSON for a custom task. Both go through the same code, so a
// custom task behaves like a GLUE one everywhere. Round-trips through JSON with to_json/from_json.
struct TaskDefinition {
  std::string name;  // short id ("mrpc"): names the task in runs, caches and messages
  TaskFileFormat format = TaskFileFormat::kTsv;
  bool has_header = true;  // TSV: the first line names the columns and fixes how many each row has
  int columns = 0;         // TSV without a header: the number of columns every row must have
  // Split role -> file: "train", "validation", "test" (kGiven) or "train", "dev" (the others).
  std::map<std::string, std::filesystem::path> files;
  SplitScheme split = SplitScheme::kGiven;
  std::size_t holdout = 1000;  // kHoldoutTrain: train rows that become the validation split

  std::vector<TaskField> fields;  // the text fields the template uses
  FieldColumn label_column = -1;  // where the gold label (or score) is
  // The source text: literal text and {field} placeholders ("{{" and "}}" are literal braces),
  // e.g. "mrpc sentence1: {sentence1} sentence2: {sentence2}".
  std::string input_template;
  std::vector<std::string> labels;   // classification: the raw label values a file may contain
  std::vector<std::string> targets;  // the target text of each label; empty: the labels themselves
  std::optional<RegressionTarget> regression;  // set instead of labels for a scored task
  // "accuracy", "f1", "mcc" (classification) or "pearson", "spearman" (regression).
  std::vector<std::string> metrics;
  int max_source_length = 128;  // longer sources are cut, keeping the final EOS
  int max_target_length = 16;   // also the generation limit at evaluation

  bool is_regression() const { return regression.has_value(); }
  // The target text of each label, in label order (what metrics compare generated text with);
  // empty for a regression task.
  std::vector<std::string> target_labels() const;
  // The file roles the split scheme reads, in the order they are read.
  std::vector<std::string> required_files() const;

  // Throws hwb::Error naming the task and the field at fault, for anything that would make
  // reading fail later or produce wrong examples: unknown placeholders or metrics, a label list
  // and a regression range together, missing files for the split scheme, etc.
  void validate() const;

  nlohmann::json to_json() const;
  // Unknown keys are errors (a typo must not silently fall back to a default). Relative file paths
  // are resolved against `base_dir` when it is given.
  static TaskDefinition from_json(const nlohmann::json& json,
                                  const std::filesystem::path& base_dir = {});
  // Reads and validates a task definition file; relative paths are relative to its folder.
  static TaskDefinition load(const std::filesystem::path& json_file);
};

std::string_view to_string(TaskFileFormat format);
std::string_view to_string(SplitScheme scheme);

// nlohmann::json ADL hooks, so a definition can sit inside a larger config.
void to_json(nlohmann::json& json, const TaskDefinition& definition);
void from_json(const nlohmann::json& json, TaskDefinition& definition);

}  // namespace hwb
