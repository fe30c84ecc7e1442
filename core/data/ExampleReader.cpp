#include "core/data/ExampleReader.h"

#include <charconv>
#include <cmath>
#include <cstdio>

#include <nlohmann/json.hpp>

#include "core/data/JsonlReader.h"
#include "core/data/TsvReader.h"
#include "core/util/Error.h"

namespace hwb {
namespace {

TaskDefinition validated(TaskDefinition definition) {
  definition.validate();
  return definition;
}

std::vector<std::string> names_of(const TaskDefinition& definition) {
  std::vector<std::string> names;
  for (const TaskField& field : definition.fields) names.push_back(field.name);
  return names;
}

std::string_view trim(std::string_view text) {
  constexpr std::string_view kSpace = " \t\r\n\f\v";
  const std::size_t begin = text.find_first_not_of(kSpace);
  if (begin == std::string_view::npos) return {};
  return text.substr(begin, text.find_last_not_of(kSpace) - begin + 1);
}

std::string quoted_list(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) out += (out.empty() ? "\"" : ", \"") + item + "\"";
  return out;
}

std::string shortened(std::string_view text) {
  constexpr std::size_t kMax = 40;
  return text.size() <= kMax ? std::string(text) : std::string(text.substr(0, kMax)) + "...";
}

// Collects rows and applies the policy; one per file read.
class RowSink {
 public:
  RowSink(const std::filesystem::path& file, BadRowPolicy policy) : file_(file), policy_(policy) {}

  void bad(std::size_t line, std::string_view why) {
    std::string message = file_line_message(file_, line, why);
    if (policy_ == BadRowPolicy::kRefuse) {
      throw Error(message +
                  " (the task is refused; choose to skip bad rows to leave such rows "
                  "out and count them)");
    }
    result_.skipped.add(std::move(message));
  }

  void add(Example example) { result_.examples.push_back(std::move(example)); }

  ReadResult finish() {
    if (result_.examples.empty()) {
      if (result_.skipped.count == 0) throw Error(file_.string() + ": no data rows");
      throw Error(file_.string() + ": all " + std::to_string(result_.skipped.count) +
                  " rows are bad; the first: " + result_.skipped.messages.front());
    }
    return std::move(result_);
  }

 private:
  const std::filesystem::path& file_;
  BadRowPolicy policy_;
  ReadResult result_;
};

// A JSON value as the text a TSV file would hold; std::nullopt for null, arrays and objects.
std::optional<std::string> scalar_text(const nlohmann::json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_number_integer()) return value.dump();
  if (value.is_number_float()) return value.dump();
  if (value.is_boolean()) return value.get<bool>() ? "true" : "false";
  return std::nullopt;
}

}  // namespace

std::string regression_target_text(double score, const RegressionTarget& target) {
  // Scale by the whole number of steps per unit when there is one (5 for 0.2): x * 5 is exact
  // where x / 0.2 is not, and ties must land where NumPy's and TensorFlow's do.
  const double steps = 1.0 / target.resolution;
  const double whole_steps = std::round(steps);
  double rounded;
  if (whole_steps >= 1.0 && std::abs(whole_steps * target.resolution - 1.0) < 1e-12) {
    rounded = std::nearbyint(score * whole_steps) / whole_steps;
  } else {
    rounded = std::nearbyint(score / target.resolution) * target.resolution;
  }
  if (rounded == 0.0) rounded = 0.0;  // no "-0.0"
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", target.decimals, rounded);
  return buffer;
}

ExampleReader::ExampleReader(TaskDefinition definition)
    : definition_(validated(std::move(definition))),
      field_names_(names_of(definition_)),
      template_(definition_.input_template, field_names_) {}

std::optional<std::string> ExampleReader::target_for(std::string_view raw_label,
                                                     std::string& why) const {
  const std::string_view label = trim(raw_label);
  if (const auto& regression = definition_.regression) {
    double score = 0.0;
    const auto [end, error] = std::from_chars(label.data(), label.data() + label.size(), score);
    if (label.empty() || error != std::errc() || end != label.data() + label.size() ||
        !std::isfinite(score)) {
      why = "score \"" + shortened(label) + "\" is not a number";
      return std::nullopt;
    }
    if (score < regression->min || score > regression->max) {
      char range[96];
      std::snprintf(range, sizeof range, "[%g, %g]", regression->min, regression->max);
      why = "score " + std::string(label) + " is outside " + range;
      return std::nullopt;
    }
    return regression_target_text(score, *regression);
  }
  const auto& labels = definition_.labels;
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] == label) return definition_.targets.empty() ? labels[i] : definition_.targets[i];
  }
  why = "unknown label \"" + shortened(label) + "\" (expected " + quoted_list(labels) + ")";
  return std::nullopt;
}

ReadResult ExampleReader::read(const std::filesystem::path& file, BadRowPolicy policy) const {
  return read(file, read_file_bytes(file), policy);
}

ReadResult ExampleReader::read(const std::filesystem::path& file, std::string content,
                               BadRowPolicy policy) const {
  if (definition_.format == TaskFileFormat::kJsonl) {
    return read_jsonl(file, std::move(content), policy);
  }
  return read_tsv(file, std::move(content), policy);
}

ReadResult ExampleReader::read_tsv(const std::filesystem::path& file, std::string content,
                                   BadRowPolicy policy) const {
  TsvReader reader(file, std::move(content));
  TsvRow row;
  std::size_t width = static_cast<std::size_t>(definition_.columns);
  std::vector<std::string> header;
  if (definition_.has_header) {
    if (!reader.next(row)) throw Error(file.string() + ": no header line");
    if (!row.encoding_error.empty()) {
      throw Error(file_line_message(file, row.line, "header: " + row.encoding_error));
    }
    for (std::string_view name : row.fields) header.emplace_back(trim(name));
    width = header.size();
  }

  // Columns are resolved once per file: names through the header, negative indices by width.
  const auto resolve = [&](const FieldColumn& column, const std::string& what) -> std::size_t {
    if (const int* index = std::get_if<int>(&column)) {
      const long resolved = *index < 0 ? static_cast<long>(width) + *index : *index;
      if (resolved < 0 || resolved >= static_cast<long>(width)) {
        throw Error(file.string() + ": " + what + " is column " + std::to_string(*index) +
                    ", but the file has " + std::to_string(width) + " columns");
      }
      return static_cast<std::size_t>(resolved);
    }
    const std::string& name = std::get<std::string>(column);
    for (std::size_t i = 0; i < header.size(); ++i) {
      if (header[i] == name) return i;
    }
    throw Error(file.string() + ": " + what + " is column \"" + name +
                "\", which the header does not have (it has " + quoted_list(header) + ")");
  };
  std::vector<std::size_t> field_columns;
  for (const TaskField& field : definition_.fields) {
    field_columns.push_back(resolve(field.column, "field \"" + field.name + "\""));
  }
  const std::size_t label_column = resolve(definition_.label_column, "the label");

  RowSink sink(file, policy);
  std::vector<std::string_view> values(field_columns.size());
  std::string why;
  while (reader.next(row)) {
    if (!row.encoding_error.empty()) {
      sink.bad(row.line, row.encoding_error);
      continue;
    }
    if (row.fields.size() != width) {
      sink.bad(row.line, "expected " + std::to_string(width) + " tab-separated columns, found " +
                             std::to_string(row.fields.size()));
      continue;
    }
    std::optional<std::string> target = target_for(row.fields[label_column], why);
    if (!target) {
      sink.bad(row.line, why);
      continue;
    }
    for (std::size_t i = 0; i < field_columns.size(); ++i) values[i] = row.fields[field_columns[i]];
    Example example;
    template_.render_to(values, example.source);
    example.target = std::move(*target);
    example.label = trim(row.fields[label_column]);
    example.line = row.line;
    sink.add(std::move(example));
  }
  return sink.finish();
}

ReadResult ExampleReader::read_jsonl(const std::filesystem::path& file, std::string content,
                                     BadRowPolicy policy) const {
  JsonlReader reader(file, std::move(content));
  RowSink sink(file, policy);
  JsonlRow row;
  std::vector<std::string> texts(definition_.fields.size());
  std::vector<std::string_view> values(definition_.fields.size());
  const std::string& label_key = std::get<std::string>(definition_.label_column);
  std::string why;
  while (reader.next(row)) {
    if (!row.error.empty()) {
      sink.bad(row.line, row.error);
      continue;
    }
    bool ok = true;
    for (std::size_t i = 0; i < definition_.fields.size() && ok; ++i) {
      const std::string& key = std::get<std::string>(definition_.fields[i].column);
      const auto found = row.object.find(key);
      std::optional<std::string> text;
      if (found != row.object.end()) text = scalar_text(*found);
      if (!text) {
        sink.bad(row.line,
                 found == row.object.end()
                     ? "no key \"" + key + "\" (field \"" + definition_.fields[i].name + "\")"
                     : "key \"" + key + "\" is not text: " + shortened(found->dump()));
        ok = false;
        continue;
      }
      texts[i] = std::move(*text);
      values[i] = texts[i];
    }
    if (!ok) continue;
    const auto found = row.object.find(label_key);
    std::optional<std::string> label;
    if (found != row.object.end()) label = scalar_text(*found);
    if (!label) {
      sink.bad(row.line, found == row.object.end()
                             ? "no label key \"" + label_key + "\""
                             : "label \"" + label_key +
                                   "\" is not text or a number: " + shortened(found->dump()));
      continue;
    }
    std::optional<std::string> target = target_for(*label, why);
    if (!target) {
      sink.bad(row.line, why);
      continue;
    }
    Example example;
    template_.render_to(values, example.source);
    example.target = std::move(*target);
    example.label = trim(*label);
    example.line = row.line;
    sink.add(std::move(example));
  }
  return sink.finish();
}

}  // namespace hwb
