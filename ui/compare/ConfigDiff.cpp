#include "ui/compare/ConfigDiff.h"

#include <nlohmann/json.hpp>

#include <map>
#include <set>

namespace hwb {

namespace {

// Scalars only; an empty object or array counts as a value of its own. Strings are shown without
// their JSON quotes, everything else as JSON.
void flatten(const nlohmann::json& j, const std::string& path,
             std::map<std::string, std::string>& out, std::vector<std::string>& order) {
  auto add = [&](const std::string& value) {
    if (out.emplace(path, value).second) order.push_back(path);
  };
  if (j.is_object() && !j.empty()) {
    for (const auto& [key, value] : j.items()) {
      flatten(value, path.empty() ? key : path + "." + key, out, order);
    }
  } else if (j.is_array() && !j.empty()) {
    for (std::size_t i = 0; i < j.size(); ++i) {
      flatten(j[i], path + "[" + std::to_string(i) + "]", out, order);
    }
  } else if (j.is_string()) {
    add(j.get<std::string>());
  } else {
    add(j.dump());
  }
}

}  // namespace

ConfigDiff ConfigDiff::of(const std::vector<std::string>& config_jsons) {
  std::vector<std::map<std::string, std::string>> flat;
  std::vector<std::string> order;
  std::set<std::string> seen;
  for (const std::string& text : config_jsons) {
    std::map<std::string, std::string> values;
    std::vector<std::string> paths;
    try {
      flatten(nlohmann::json::parse(text), "", values, paths);
    } catch (const std::exception& e) {
      values = {{"(config)", std::string("unreadable: ") + e.what()}};
      paths = {"(config)"};
    }
    for (const std::string& p : paths) {
      if (seen.insert(p).second) order.push_back(p);
    }
    flat.push_back(std::move(values));
  }
  ConfigDiff diff;
  for (const std::string& path : order) {
    Row row;
    row.path = path;
    for (const auto& values : flat) {
      const auto it = values.find(path);
      row.values.push_back(it == values.end() ? std::nullopt : std::optional(it->second));
    }
    const std::set<std::optional<std::string>> distinct(row.values.begin(), row.values.end());
    row.differs = distinct.size() > 1;
    diff.rows.push_back(std::move(row));
  }
  return diff;
}

std::vector<std::string> ConfigDiff::differing_paths() const {
  std::vector<std::string> out;
  for (const Row& r : rows) {
    if (r.differs) out.push_back(r.path);
  }
  return out;
}

}  // namespace hwb
