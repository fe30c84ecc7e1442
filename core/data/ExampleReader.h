#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/data/BadRowPolicy.h"
#include "core/data/Example.h"
#include "core/data/InputTemplate.h"
#include "core/data/TaskDefinition.h"

namespace hwb {

struct ReadResult {
  std::vector<Example> examples;  // in file order
  SkippedRows skipped;
};

// Turns one task file into text-to-text examples as the task definition says: picks the fields,
// renders the input template, maps the label to its target text. A row that does not fit (column
// count, unknown label, score out of range, not UTF-8) is refused or skipped by the BadRowPolicy,
// with "file:line: reason"; it never becomes an example with a guessed label.
class ExampleReader {
 public:
  // Validates the definition (hwb::Error when it is wrong) and parses its template.
  explicit ExampleReader(TaskDefinition definition);

  // Throws hwb::Error naming the file (and line) when it cannot be read, is empty, has no data
  // rows, has only bad rows, or has a bad row under kRefuse.
  ReadResult read(const std::filesystem::path& file, BadRowPolicy policy) const;
  // The same for bytes already read; `file` names them in messages.
  ReadResult read(const std::filesystem::path& file, std::string content,
                  BadRowPolicy policy) const;

  // The target text for a raw label or score, or std::nullopt with `why` set.
  std::optional<std::string> target_for(std::string_view raw_label, std::string& why) const;

  const TaskDefinition& definition() const { return definition_; }

 private:
  ReadResult read_tsv(const std::filesystem::path& file, std::string content,
                      BadRowPolicy policy) const;
  ReadResult read_jsonl(const std::filesystem::path& file, std::string content,
                        BadRowPolicy policy) const;

  TaskDefinition definition_;
  std::vector<std::string> field_names_;
  InputTemplate template_;
};

// A regression target as text: `score` rounded to a multiple of `resolution` (ties to even, as
// NumPy and TensorFlow round) with `decimals` digits: 3.75 -> "3.8", 4 -> "4.0" for STS-B.
std::string regression_target_text(double score, const RegressionTarget& target);

}  // namespace hwb
