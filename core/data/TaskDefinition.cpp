#include "core/data/TaskDefinition.h"

#include <algorithm>
#include <cmath>
#include <set>

#include <nlohmann/json.hpp>

#include "core/data/InputTemplate.h"
#include "core/data/TsvReader.h"
#include "core/util/Error.h"

namespace hwb {
namespace {

using nlohmann::json;

constexpr std::string_view kClassificationMetrics[] = {"accuracy", "f1", "mcc"};
constexpr std::string_view kRegressionMetrics[] = {"pearson", "spearman"};

bool contains(std::span<const std::string_view> list, std::string_view value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

json column_to_json(const FieldColumn& column) {
  if (const int* index = std::get_if<int>(&column)) return *index;
  return std::get<std::string>(column);
}

FieldColumn column_from_json(const json& value, const std::string& where) {
  if (value.is_number_integer()) return value.get<int>();
  if (value.is_string()) return value.get<std::string>();
  throw Error(where + ": a column is a number (0-based, negative from the end) or a name, not " +
              value.dump());
}

std::string describe(const FieldColumn& column) {
  if (const int* index = std::get_if<int>(&column)) return "column " + std::to_string(*index);
  return "column \"" + std::get<std::string>(column) + "\"";
}

template <typename T>
T get_as(const json& object, const char* key, const std::string& where) {
  try {
    return object.at(key).get<T>();
  } catch (const json::exception&) {
    throw Error(where + ": \"" + key + "\" has the wrong type: " + object.at(key).dump());
  }
}

}  // namespace

std::string_view to_string(TaskFileFormat format) {
  return format == TaskFileFormat::kTsv ? "tsv" : "jsonl";
}

std::string_view to_string(SplitScheme scheme) {
  switch (scheme) {
    case SplitScheme::kGiven:
      return "given";
    case SplitScheme::kHalveDev:
      return "halve_dev";
    case SplitScheme::kHoldoutTrain:
      return "holdout_train";
  }
  return "given";
}

std::vector<std::string> TaskDefinition::target_labels() const {
  if (regression) return {};
  return targets.empty() ? labels : targets;
}

std::vector<std::string> TaskDefinition::required_files() const {
  if (split == SplitScheme::kGiven) {
    std::vector<std::string> roles = {"train", "validation"};
    if (files.contains("test")) roles.push_back("test");
    return roles;
  }
  return {"train", "dev"};
}

void TaskDefinition::validate() const {
  const std::string where = "task \"" + name + "\"";
  const auto fail = [&](const std::string& what) { throw Error(where + ": " + what); };
  if (name.empty()) throw Error("task definition: \"name\" is empty");
  if (!std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '_' || c == '-' || c == '.';
      })) {
    fail("the name may hold only letters, digits, '_', '-' and '.'");
  }

  const std::set<std::string> allowed_roles =
      split == SplitScheme::kGiven ? std::set<std::string>{"train", "validation", "test"}
                                   : std::set<std::string>{"train", "dev"};
  for (const auto& [role, path] : files) {
    if (!allowed_roles.contains(role)) {
      fail("file \"" + role + "\" is not used by split scheme \"" + std::string(to_string(split)) +
           "\" (it reads " +
           join(std::vector<std::string>(allowed_roles.begin(), allowed_roles.end())) + ")");
    }
    if (path.empty()) fail("the \"" + role + "\" file path is empty");
  }
  for (const std::string& role : required_files()) {
    if (!files.contains(role)) {
      fail("no \"" + role + "\" file (split scheme \"" + std::string(to_string(split)) +
           "\" needs " + join(required_files()) + ")");
    }
  }
  if (split == SplitScheme::kHoldoutTrain && holdout == 0) fail("\"holdout\" must be at least 1");

  if (format == TaskFileFormat::kTsv && !has_header && columns <= 0) {
    fail("a TSV file without a header needs \"columns\", the number of columns of every row");
  }
  if (fields.empty()) fail("no fields");
  std::vector<std::string> field_names;
  std::vector<FieldColumn> all_columns;
  for (const TaskField& field : fields) {
    if (field.name.empty()) fail("a field has an empty name");
    if (std::find(field_names.begin(), field_names.end(), field.name) != field_names.end()) {
      fail("field \"" + field.name + "\" is defined twice");
    }
    field_names.push_back(field.name);
    all_columns.push_back(field.column);
  }
  all_columns.push_back(label_column);
  for (std::size_t i = 0; i < all_columns.size(); ++i) {
    const std::string what = i < fields.size() ? "field \"" + fields[i].name + "\"" : "the label";
    const FieldColumn& column = all_columns[i];
    if (format == TaskFileFormat::kJsonl && std::holds_alternative<int>(column)) {
      fail(what + ": a JSONL field is found by key, not by " + describe(column));
    }
    if (format == TaskFileFormat::kTsv && !has_header) {
      const int* index = std::get_if<int>(&column);
      if (!index) fail(what + ": " + describe(column) + " needs a header; give a column number");
      if (*index >= columns || *index < -columns) {
        fail(what + ": " + describe(column) + " is outside the " + std::to_string(columns) +
             " columns");
      }
    }
    if (const std::string* key = std::get_if<std::string>(&column); key && key->empty()) {
      fail(what + ": empty column name");
    }
  }
  if (input_template.empty()) fail("\"input_template\" is empty");
  try {
    InputTemplate(input_template, field_names);
  } catch (const Error& error) {
    fail(error.what());
  }

  if (regression) {
    if (!labels.empty() || !targets.empty()) {
      fail("give either \"labels\" (classification) or \"regression\" (a score), not both");
    }
    if (!(regression->min < regression->max) || !std::isfinite(regression->min) ||
        !std::isfinite(regression->max)) {
      fail("regression range [min, max] must be finite with min < max");
    }
    if (!(regression->resolution > 0.0) || !std::isfinite(regression->resolution)) {
      fail("regression \"resolution\" must be a positive number");
    }
    if (regression->decimals < 0 || regression->decimals > 9) {
      fail("regression \"decimals\" must be between 0 and 9");
    }
  } else {
    if (labels.empty()) fail("no \"labels\" (or a \"regression\" range for a scored task)");
    std::set<std::string> seen;
    for (const std::string& label : labels) {
      if (label.empty()) fail("an empty label");
      if (!seen.insert(label).second) fail("label \"" + label + "\" is listed twice");
    }
    if (!targets.empty()) {
      if (targets.size() != labels.size()) {
        fail(std::to_string(targets.size()) + " targets for " + std::to_string(labels.size()) +
             " labels");
      }
      std::set<std::string> seen_targets;
      for (const std::string& target : targets) {
        if (target.empty()) fail("an empty target");
        if (!seen_targets.insert(target).second) fail("target \"" + target + "\" is listed twice");
      }
    }
  }

  if (metrics.empty()) fail("no \"metrics\"");
  for (const std::string& metric : metrics) {
    if (contains(kClassificationMetrics, metric)) {
      if (regression) fail("metric \"" + metric + "\" scores labels, but the task is a regression");
    } else if (contains(kRegressionMetrics, metric)) {
      if (!regression) fail("metric \"" + metric + "\" scores numbers, but the task has labels");
    } else {
      fail("unknown metric \"" + metric + "\" (known: accuracy, f1, mcc, pearson, spearman)");
    }
    if (std::count(metrics.begin(), metrics.end(), metric) > 1) {
      fail("metric \"" + metric + "\" is listed twice");
    }
  }
  if (max_source_length < 1) fail("\"max_source_length\" must be at least 1");
  if (max_target_length < 1) fail("\"max_target_length\" must be at least 1");
}

nlohmann::json TaskDefinition::to_json() const {
  json j;
  j["name"] = name;
  j["format"] = to_string(format);
  if (format == TaskFileFormat::kTsv) {
    j["header"] = has_header;
    if (!has_header) j["columns"] = columns;
  }
  json file_map = json::object();
  for (const auto& [role, path] : files) file_map[role] = path.string();
  j["files"] = file_map;
  j["split"] = to_string(split);
  if (split == SplitScheme::kHoldoutTrain) j["holdout"] = holdout;
  json field_list = json::array();
  for (const TaskField& field : fields) {
    field_list.push_back({{"name", field.name}, {"column", column_to_json(field.column)}});
  }
  j["fields"] = field_list;
  j["label_column"] = column_to_json(label_column);
  j["input_template"] = input_template;
  if (regression) {
    j["regression"] = {{"min", regression->min},
                       {"max", regression->max},
                       {"resolution", regression->resolution},
                       {"decimals", regression->decimals}};
  } else {
    j["labels"] = labels;
    if (!targets.empty()) j["targets"] = targets;
  }
  j["metrics"] = metrics;
  j["max_source_length"] = max_source_length;
  j["max_target_length"] = max_target_length;
  return j;
}

TaskDefinition TaskDefinition::from_json(const nlohmann::json& j,
                                         const std::filesystem::path& base_dir) {
  if (!j.is_object()) throw Error("task definition: expected a JSON object, got " + j.dump());
  TaskDefinition d;
  const std::string where =
      "task \"" +
      (j.contains("name") && j["name"].is_string() ? j["name"].get<std::string>()
                                                   : std::string("?")) +
      "\"";
  static const std::set<std::string> kKeys = {"name",
                                              "format",
                                              "header",
                                              "columns",
                                              "files",
                                              "split",
                                              "holdout",
                                              "fields",
                                              "label_column",
                                              "input_template",
                                              "labels",
                                              "targets",
                                              "regression",
                                              "metrics",
                                              "max_source_length",
                                              "max_target_length"};
  for (const auto& [key, value] : j.items()) {
    if (!kKeys.contains(key)) {
      std::string known;
      for (const std::string& k : kKeys) known += (known.empty() ? "" : ", ") + k;
      throw Error(where + ": unknown key \"" + key + "\" (known: " + known + ")");
    }
  }
  if (!j.contains("name")) throw Error("task definition: no \"name\"");
  d.name = get_as<std::string>(j, "name", where);
  if (j.contains("format")) {
    const auto format = get_as<std::string>(j, "format", where);
    if (format == "tsv") {
      d.format = TaskFileFormat::kTsv;
    } else if (format == "jsonl") {
      d.format = TaskFileFormat::kJsonl;
    } else {
      throw Error(where + ": unknown format \"" + format + "\" (tsv or jsonl)");
    }
  }
  if (j.contains("header")) d.has_header = get_as<bool>(j, "header", where);
  if (j.contains("columns")) d.columns = get_as<int>(j, "columns", where);
  if (j.contains("files")) {
    if (!j["files"].is_object()) throw Error(where + ": \"files\" maps split names to paths");
    for (const auto& [role, value] : j["files"].items()) {
      if (!value.is_string()) throw Error(where + ": file \"" + role + "\" is not a path");
      std::filesystem::path path = value.get<std::string>();
      if (path.is_relative() && !base_dir.empty()) path = base_dir / path;
      d.files[role] = path;
    }
  }
  if (j.contains("split")) {
    const auto split = get_as<std::string>(j, "split", where);
    if (split == "given") {
      d.split = SplitScheme::kGiven;
    } else if (split == "halve_dev") {
      d.split = SplitScheme::kHalveDev;
    } else if (split == "holdout_train") {
      d.split = SplitScheme::kHoldoutTrain;
    } else {
      throw Error(where + ": unknown split scheme \"" + split +
                  "\" (given, halve_dev or holdout_train)");
    }
  }
  if (j.contains("holdout")) d.holdout = get_as<std::size_t>(j, "holdout", where);
  if (j.contains("fields")) {
    const json& list = j["fields"];
    if (!list.is_array()) throw Error(where + ": \"fields\" is a list of {name, column}");
    for (const json& item : list) {
      if (!item.is_object() || !item.contains("name") || !item.contains("column") ||
          item.size() != 2) {
        throw Error(where + ": each field is {\"name\": ..., \"column\": ...}, not " + item.dump());
      }
      d.fields.push_back(
          {get_as<std::string>(item, "name", where), column_from_json(item["column"], where)});
    }
  }
  if (j.contains("label_column")) d.label_column = column_from_json(j["label_column"], where);
  if (j.contains("input_template")) {
    d.input_template = get_as<std::string>(j, "input_template", where);
  }
  if (j.contains("labels")) d.labels = get_as<std::vector<std::string>>(j, "labels", where);
  if (j.contains("targets")) d.targets = get_as<std::vector<std::string>>(j, "targets", where);
  if (j.contains("regression")) {
    const json& r = j["regression"];
    if (!r.is_object()) throw Error(where + ": \"regression\" is {min, max, resolution, decimals}");
    RegressionTarget target;
    for (const auto& [key, value] : r.items()) {
      if (key == "min") {
        target.min = get_as<double>(r, "min", where);
      } else if (key == "max") {
        target.max = get_as<double>(r, "max", where);
      } else if (key == "resolution") {
        target.resolution = get_as<double>(r, "resolution", where);
      } else if (key == "decimals") {
        target.decimals = get_as<int>(r, "decimals", where);
      } else {
        throw Error(where + ": unknown regression key \"" + key +
                    "\" (min, max, resolution, decimals)");
      }
    }
    d.regression = target;
  }
  if (j.contains("metrics")) d.metrics = get_as<std::vector<std::string>>(j, "metrics", where);
  if (j.contains("max_source_length")) {
    d.max_source_length = get_as<int>(j, "max_source_length", where);
  }
  if (j.contains("max_target_length")) {
    d.max_target_length = get_as<int>(j, "max_target_length", where);
  }
  return d;
}

TaskDefinition TaskDefinition::load(const std::filesystem::path& json_file) {
  const std::string text = read_file_bytes(json_file);
  json j;
  try {
    j = json::parse(text);
  } catch (const json::parse_error& error) {
    throw Error(json_file.string() + ": not valid JSON: " + error.what());
  }
  TaskDefinition definition;
  try {
    definition = from_json(j, json_file.parent_path());
    definition.validate();
  } catch (const Error& error) {
    throw Error(json_file.string() + ": " + error.what());
  }
  return definition;
}

void to_json(nlohmann::json& json, const TaskDefinition& definition) {
  json = definition.to_json();
}

void from_json(const nlohmann::json& json, TaskDefinition& definition) {
  definition = TaskDefinition::from_json(json);
}

}  // namespace hwb
