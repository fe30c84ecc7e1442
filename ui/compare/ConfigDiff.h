#pragma once

#include <optional>
#include <string>
#include <vector>

namespace hwb {

// Several run configs side by side, flattened to JSON paths ("variant.reduction_factor",
// "data.tasks[0].max_train"), with the paths whose values differ marked. Torch- and Qt-free.
struct ConfigDiff {
  struct Row {
    std::string path;
    std::vector<std::optional<std::string>> values;  // one per config; nullopt: absent there
    bool differs = false;
  };
  std::vector<Row> rows;  // in the order the paths first appear

  // A config that is not JSON gives one "(config)" row saying so.
  static ConfigDiff of(const std::vector<std::string>& config_jsons);
  std::vector<std::string> differing_paths() const;
};

}  // namespace hwb
