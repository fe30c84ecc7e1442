#include "core/study/StudySpec.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "core/util/Error.h"
#include "core/util/JsonFields.h"
#include "core/util/SettingsTable.h"

namespace hwb {
namespace fs = std::filesystem;

namespace {

nlohmann::json::json_pointer pointer_of(const std::string& path) {
  std::string pointer = "/" + path;
  std::replace(pointer.begin(), pointer.end(), '.', '/');
  return nlohmann::json::json_pointer(pointer);
}

std::string join_lines(const std::string& head, const std::vector<std::string>& lines) {
  std::string out = head;
  for (const std::string& line : lines) out += "\n  " + line;
  return out;
}

// The short name of a path in run names: its last part ("training.seed" -> "seed").
std::string short_key(const std::string& path) {
  return path.substr(path.rfind('.') + 1);
}

// An experiment's error as the study's problems: its first line says which experiment, each further
// one is a problem of it, and each becomes `prefix` + that problem.
void add_experiment_problems(const std::string& prefix, const std::exception& e,
                             std::vector<std::string>& problems) {
  std::istringstream lines(e.what());
  std::string line;
  std::getline(lines, line);
  bool any = false;
  while (std::getline(lines, line)) {
    const auto start = line.find_first_not_of(' ');
    if (start == std::string::npos) continue;
    problems.push_back(prefix + line.substr(start));
    any = true;
  }
  if (!any) problems.push_back(prefix + e.what());
}

// The base's problems as the study's: "base.training.steps: ..." for an inline base, "base
// (file.json): training.steps: ..." for a file.
ExperimentConfig read_base(const nlohmann::json& base, const fs::path& base_dir,
                           std::vector<std::string>& problems) {
  std::string prefix = "base.";
  try {
    if (base.is_string()) {
      fs::path file = base.get<std::string>();
      if (file.is_relative() && !base_dir.empty()) file = base_dir / file;
      prefix = "base (" + file.string() + "): ";
      return ExperimentConfig::load(file);
    }
    return ExperimentConfig::from_json(base, "base");
  } catch (const std::exception& e) {
    add_experiment_problems(prefix, e, problems);
    return {};
  }
}

std::vector<StudyAxis> read_axes(const nlohmann::json& list, std::vector<std::string>& problems) {
  std::vector<StudyAxis> axes;
  if (!list.is_array()) {
    problems.push_back("axes: expected a list of {\"path\": ..., \"values\": [...]}");
    return axes;
  }
  for (std::size_t i = 0; i < list.size(); ++i) {
    const std::string where = "axes[" + std::to_string(i) + "]";
    JsonFields fields(list[i], where, problems);
    StudyAxis axis;
    fields.read("path", axis.path);
    if (axis.path.empty())
      problems.push_back(where + ".path: give a config field, e.g. training.seed");
    if (const nlohmann::json* values = fields.find("values")) {
      if (!values->is_array()) {
        problems.push_back(where + ".values: expected a list, got " + values->dump());
      } else {
        axis.values.assign(values->begin(), values->end());
      }
    }
    fields.finish();
    if (axis.values.empty()) {
      problems.push_back(where + ".values: empty; give at least one value");
    }
    for (std::size_t j = 0; j < axis.values.size(); ++j) {
      for (std::size_t k = 0; k < j; ++k) {
        if (axis.values[k] == axis.values[j]) {
          problems.push_back(where + ".values[" + std::to_string(j) +
                             "]: " + axis.values[j].dump() + " is listed twice");
        }
      }
    }
    for (std::size_t k = 0; k < axes.size(); ++k) {
      if (!axis.path.empty() && axes[k].path == axis.path) {
        problems.push_back(where + ".path: " + axis.path + " is already axes[" + std::to_string(k) +
                           "]");
      }
    }
    axes.push_back(std::move(axis));
  }
  return axes;
}

// One cell of the grid before single-task runs are split off: the axes' value indexes.
std::vector<std::vector<std::size_t>> grid(const std::vector<StudyAxis>& axes) {
  std::vector<std::vector<std::size_t>> cells = {{}};
  for (const StudyAxis& axis : axes) {
    std::vector<std::vector<std::size_t>> next;
    for (const auto& cell : cells) {
      for (std::size_t v = 0; v < axis.values.size(); ++v) {
        next.push_back(cell);
        next.back().push_back(v);
      }
    }
    cells = std::move(next);
  }
  return cells;
}

}  // namespace

nlohmann::json with_value_at(nlohmann::json experiment, const std::string& path,
                             const nlohmann::json& value) {
  if (path.empty() || !json_at_path(experiment, path)) {
    throw Error("'" + path +
                "' is not a field of this experiment ('hyperformer settings' lists them; "
                "data.tasks is the task list)");
  }
  experiment[pointer_of(path)] = value;
  return experiment;
}

std::string axis_value_text(const nlohmann::json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_array()) {
    std::string out;
    for (const nlohmann::json& item : value) {
      std::string part;
      if (item.is_object() && item.contains("glue")) {
        part = axis_value_text(item["glue"]);
      } else if (item.is_object() && item.contains("custom") && item["custom"].contains("name")) {
        part = axis_value_text(item["custom"]["name"]);
      } else {
        part = axis_value_text(item);
      }
      out += (out.empty() ? "" : "+") + part;
    }
    return out;
  }
  return value.dump();
}

nlohmann::json StudySpec::to_json() const {
  nlohmann::json axes_json = nlohmann::json::array();
  for (const StudyAxis& axis : axes) {
    axes_json.push_back({{"path", axis.path}, {"values", axis.values}});
  }
  return {{"study", name}, {"base", base.to_json()}, {"axes", axes_json}};
}

StudySpec StudySpec::from_json(const nlohmann::json& json, std::string_view source,
                               const fs::path& base_dir) {
  if (!json.is_object()) {
    throw Error(std::string(source) + " is not a valid study: expected a JSON object");
  }
  StudySpec spec;
  if (!json.contains("base") && !json.contains("axes")) {
    // A plain experiment: a study of its one config (a single-task one makes one run per task).
    spec.base = ExperimentConfig::from_json(json, source);
    spec.name = spec.base.name;
    return spec;
  }
  std::vector<std::string> problems;
  JsonFields fields(json, "", problems);
  fields.read("study", spec.name);
  if (spec.name.empty()) problems.push_back("study: give the study a name");
  bool base_valid = false;
  if (const nlohmann::json* base = fields.find("base")) {
    const std::size_t before = problems.size();
    spec.base = read_base(*base, base_dir, problems);
    base_valid = problems.size() == before;
  } else {
    problems.push_back("base: give the experiment the axes vary (an object, or a config file)");
  }
  // "set": {"training.steps": 300}: fixed values for the base, as --set gives them.
  if (const nlohmann::json* set = fields.find("set")) {
    if (!set->is_object()) {
      problems.push_back("set: expected an object of {\"path\": value}, got " + set->dump());
    } else if (base_valid) {
      nlohmann::json base_json = spec.base.to_json();
      for (const auto& [path, value] : set->items()) {
        try {
          base_json = with_value_at(base_json, path, value);
        } catch (const std::exception& e) {
          problems.push_back("set." + path + ": " + e.what());
          base_valid = false;
        }
      }
      try {
        if (base_valid) spec.base = ExperimentConfig::from_json(base_json, "set");
      } catch (const std::exception& e) {
        add_experiment_problems("set: ", e, problems);
        base_valid = false;
      }
    }
  }
  if (const nlohmann::json* axes = fields.find("axes")) spec.axes = read_axes(*axes, problems);
  fields.finish();
  if (base_valid) {
    // Each value on its own against the base: the path exists and the value makes a valid
    // experiment. Combinations are checked by expand().
    const nlohmann::json base_json = spec.base.to_json();
    for (std::size_t i = 0; i < spec.axes.size(); ++i) {
      const StudyAxis& axis = spec.axes[i];
      const std::string where = "axes[" + std::to_string(i) + "]";
      if (axis.path.empty()) continue;
      if (!json_at_path(base_json, axis.path)) {
        problems.push_back(where + ".path: '" + axis.path +
                           "' is not a field of the base experiment ('hyperformer settings' "
                           "lists them; data.tasks is the task list)");
        continue;
      }
      for (std::size_t j = 0; j < axis.values.size(); ++j) {
        const std::string value_where =
            where + ".values[" + std::to_string(j) + "] = " + axis.values[j].dump();
        try {
          ExperimentConfig::from_json(with_value_at(base_json, axis.path, axis.values[j]),
                                      value_where);
        } catch (const std::exception& e) {
          add_experiment_problems(value_where + ": ", e, problems);
        }
      }
    }
  }
  if (!problems.empty()) {
    throw Error(join_lines(std::string(source) + " is not a valid study:", problems));
  }
  return spec;
}

StudySpec StudySpec::load(const fs::path& file) {
  std::ifstream in(file);
  if (!in) throw Error("Cannot read study file '" + file.string() + "'");
  nlohmann::json j;
  try {
    in >> j;
  } catch (const nlohmann::json::parse_error& e) {
    throw Error("'" + file.string() + "' is not valid JSON: " + e.what());
  }
  return from_json(j, "'" + file.string() + "'", file.parent_path());
}

std::size_t StudySpec::run_count() const {
  std::size_t cells = 1;
  for (const StudyAxis& axis : axes) cells *= axis.values.size();
  // Single-task cells split by task; an axis over data.single_task or data.tasks changes that per
  // cell, so only then is the expansion needed to count.
  const bool per_cell = std::any_of(axes.begin(), axes.end(), [](const StudyAxis& a) {
    return a.path == "data.single_task" || a.path == "data.tasks";
  });
  if (per_cell) return expand().size();
  return base.single_task ? cells * std::max<std::size_t>(1, base.tasks.size()) : cells;
}

std::vector<StudyCell> StudySpec::expand() const {
  const nlohmann::json base_json = base.to_json();
  std::vector<StudyCell> out;
  std::vector<std::string> problems;
  for (const std::vector<std::size_t>& indexes : grid(axes)) {
    nlohmann::json json = base_json;
    std::vector<std::pair<std::string, std::string>> coordinates;
    std::string where;
    for (std::size_t a = 0; a < axes.size(); ++a) {
      const nlohmann::json& value = axes[a].values[indexes[a]];
      json = with_value_at(json, axes[a].path, value);
      coordinates.emplace_back(axes[a].path, axis_value_text(value));
      where += (where.empty() ? "" : ", ") + axes[a].path + " = " + value.dump();
    }
    ExperimentConfig config;
    try {
      config = ExperimentConfig::from_json(json, where);
    } catch (const std::exception& e) {
      add_experiment_problems((where.empty() ? "base" : where) + ": ", e, problems);
      continue;
    }
    std::vector<ExperimentConfig> runs;
    if (config.single_task && config.tasks.size() > 1) {
      for (const ExperimentTask& task : config.tasks) {
        ExperimentConfig one = config;
        one.tasks = {task};
        runs.push_back(std::move(one));
      }
    } else {
      runs.push_back(std::move(config));
    }
    for (ExperimentConfig& run : runs) {
      StudyCell cell;
      cell.index = static_cast<int64_t>(out.size());
      cell.coordinates = coordinates;
      if (run.single_task) cell.coordinates.emplace_back("task", run.task_names().front());
      cell.name = name;
      for (const auto& [path, text] : cell.coordinates) {
        cell.name += " " + short_key(path) + "=" + text;
      }
      run.name = cell.name;
      cell.config = std::move(run);
      out.push_back(std::move(cell));
    }
  }
  if (!problems.empty()) {
    throw Error(
        join_lines("Study '" + name + "': some combinations are not valid experiments:", problems));
  }
  return out;
}

std::string StudySpec::identity() const {
  nlohmann::json json = to_json();
  json["base"]["training"].erase("device");
  json["base"]["output"].erase("store");
  return json.dump();
}

}  // namespace hwb
