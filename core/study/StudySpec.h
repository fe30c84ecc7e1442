#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/train/ExperimentConfig.h"

namespace hwb {

// One axis of a study: a config field by its JSON path (any path the experiment JSON has, the
// seed included) and the values it takes.
struct StudyAxis {
  std::string path;
  std::vector<nlohmann::json> values;
};

// One run of a study: its place in the expansion, its name and its whole config.
struct StudyCell {
  int64_t index = 0;
  std::string name;
  ExperimentConfig config;
  // (path, value as text) of each axis, then ("task", name) for a single-task config's run.
  std::vector<std::pair<std::string, std::string>> coordinates;
};

// A study (docs/STUDIES.md): a base experiment and axes, expanded into the grid of their values
// (the first axis outermost); a single-task config in a cell becomes one run per task. Read from
// a study file, or from a plain experiment file (a study of one cell). Every problem is reported
// with its path, as a config file's are, before anything starts.
struct StudySpec {
  // Grids larger than this are confirmed before they start (`--yes` on the command line).
  static constexpr std::size_t kConfirmAbove = 100;

  std::string name;
  ExperimentConfig base;
  std::vector<StudyAxis> axes;

  // {"study": name, "base": {...}, "axes": [{"path": ..., "values": [...]}, ...]}; a file may
  // also hold "set": {"path": value, ...}, fixed values applied to the base (written into "base").
  nlohmann::json to_json() const;
  // `base` may be an object or the path of an experiment file (relative: to `base_dir`). A JSON
  // object without "axes" and "base" is read as an experiment: a study of that one config.
  static StudySpec from_json(const nlohmann::json& json, std::string_view source,
                             const std::filesystem::path& base_dir = {});
  static StudySpec load(const std::filesystem::path& file);

  // The number of runs the grid makes (cells times tasks for single-task cells), without
  // building them: what a person confirms for a large study.
  std::size_t run_count() const;
  // Every run, in order. Throws hwb::Error listing each value that makes an invalid experiment,
  // as "axes[1].values[0] = 0: training.steps: must be positive, got 0".
  std::vector<StudyCell> expand() const;
  // What must match when a study of this name is started again in the same store: the spec
  // without the device and the store, which a restart may change.
  std::string identity() const;
};

// The experiment JSON with `value` at the dotted `path`; hwb::Error when the path is not a field
// of that experiment.
nlohmann::json with_value_at(nlohmann::json experiment, const std::string& path,
                             const nlohmann::json& value);
// A value as the run names and tables show it: strings bare, numbers as written, task lists by
// name ("sst2+rte").
std::string axis_value_text(const nlohmann::json& value);

}  // namespace hwb
