#pragma once

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "core/util/Error.h"

namespace hwb {

// A settings table: each scalar setting of a config struct declared once, with its JSON path, the
// member that holds it, its type, its valid range, its label and its help. JSON reading and
// writing, validation, `--set PATH=VALUE`, `hyperformer settings`, the setup form's widgets and
// the config diff all read the table (docs/SETTINGS.md), so adding a setting is one row plus the
// code that uses it.

enum class SettingKind { kFlag, kInteger, kUnsigned, kReal, kText, kChoice, kTextList };

using SettingValue =
    std::variant<bool, int64_t, uint64_t, double, std::string, std::vector<std::string>>;

// The values a number may take; a bound is open when the value itself is refused.
struct SettingRange {
  double min = -std::numeric_limits<double>::infinity();
  double max = std::numeric_limits<double>::infinity();
  bool min_open = false;
  bool max_open = false;

  static SettingRange positive() { return {0, std::numeric_limits<double>::infinity(), true}; }
  static SettingRange non_negative() { return {0, std::numeric_limits<double>::infinity()}; }
  static SettingRange closed(double lo, double hi) { return {lo, hi}; }
  static SettingRange at_least(double lo) { return {lo, std::numeric_limits<double>::infinity()}; }

  bool contains(double v) const;
  // Whether any bound is set.
  bool bounded() const {
    return min > -std::numeric_limits<double>::infinity() ||
           max < std::numeric_limits<double>::infinity();
  }
  // "must be positive", "must not be negative", "must be at least 8", "must be in [0, 1)".
  std::string requirement() const;
};

struct SettingChoice {
  std::string value;  // as written in JSON and on the command line
  std::string label;  // as shown in the setup form
};

template <typename Config>
struct Setting {
  std::string path;  // JSON path inside the config's object: "training.learning_rate"
  SettingKind kind = SettingKind::kText;
  std::string label;    // the setup form's label (a flag's check box text)
  std::string help;     // tooltip; `hyperformer settings`
  SettingRange range;   // numbers: the valid values, checked by settings_problems()
  SettingRange limits;  // integers: what the member's type holds, checked when a value is read
  std::vector<SettingChoice> choices;  // kChoice: the accepted values
  std::function<SettingValue(const Config&)> get;
  std::function<void(Config&, const SettingValue&)> set;

  std::string key() const { return path.substr(path.rfind('.') + 1); }
  std::string section() const {
    const auto dot = path.rfind('.');
    return dot == std::string::npos ? std::string() : path.substr(0, dot);
  }
};

template <typename Config>
using SettingsTable = std::vector<Setting<Config>>;

// --- Declaring rows

// A row for a plain member: bool, a signed or unsigned integer, a floating-point number, a string
// or a list of strings. Integers also keep within their C++ type's range.
template <typename Config, typename T>
Setting<Config> setting(std::string path, T Config::*member, std::string label, std::string help,
                        SettingRange range = {}) {
  Setting<Config> s;
  s.path = std::move(path);
  s.label = std::move(label);
  s.help = std::move(help);
  s.range = range;
  if constexpr (std::is_same_v<T, bool>) {
    s.kind = SettingKind::kFlag;
    s.get = [member](const Config& c) { return SettingValue(c.*member); };
    s.set = [member](Config& c, const SettingValue& v) { c.*member = std::get<bool>(v); };
  } else if constexpr (std::is_integral_v<T> && std::is_signed_v<T>) {
    s.kind = SettingKind::kInteger;
    s.limits = SettingRange::closed(static_cast<double>(std::numeric_limits<T>::min()),
                                    static_cast<double>(std::numeric_limits<T>::max()));
    s.get = [member](const Config& c) { return SettingValue(static_cast<int64_t>(c.*member)); };
    s.set = [member](Config& c, const SettingValue& v) {
      c.*member = static_cast<T>(std::get<int64_t>(v));
    };
  } else if constexpr (std::is_integral_v<T>) {
    s.kind = SettingKind::kUnsigned;
    s.limits = SettingRange::closed(0, static_cast<double>(std::numeric_limits<T>::max()));
    s.get = [member](const Config& c) { return SettingValue(static_cast<uint64_t>(c.*member)); };
    s.set = [member](Config& c, const SettingValue& v) {
      c.*member = static_cast<T>(std::get<uint64_t>(v));
    };
  } else if constexpr (std::is_floating_point_v<T>) {
    s.kind = SettingKind::kReal;
    s.get = [member](const Config& c) { return SettingValue(static_cast<double>(c.*member)); };
    s.set = [member](Config& c, const SettingValue& v) {
      c.*member = static_cast<T>(std::get<double>(v));
    };
  } else if constexpr (std::is_same_v<T, std::string>) {
    s.kind = SettingKind::kText;
    s.get = [member](const Config& c) { return SettingValue(c.*member); };
    s.set = [member](Config& c, const SettingValue& v) { c.*member = std::get<std::string>(v); };
  } else {
    static_assert(std::is_same_v<T, std::vector<std::string>>, "no setting kind for this type");
    s.kind = SettingKind::kTextList;
    s.get = [member](const Config& c) { return SettingValue(c.*member); };
    s.set = [member](Config& c, const SettingValue& v) {
      c.*member = std::get<std::vector<std::string>>(v);
    };
  }
  return s;
}

// A row for an enum member written as one of `values` (value, JSON name, form label).
template <typename Config, typename E>
Setting<Config> choice_setting(std::string path, E Config::*member,
                               std::vector<std::pair<E, SettingChoice>> values, std::string label,
                               std::string help) {
  Setting<Config> s;
  s.path = std::move(path);
  s.kind = SettingKind::kChoice;
  s.label = std::move(label);
  s.help = std::move(help);
  for (const auto& [_, c] : values) s.choices.push_back(c);
  s.get = [member, values](const Config& c) {
    for (const auto& [v, choice] : values) {
      if (v == c.*member) return SettingValue(choice.value);
    }
    return SettingValue(std::string());
  };
  s.set = [member, values](Config& c, const SettingValue& v) {
    for (const auto& [e, choice] : values) {
      if (choice.value == std::get<std::string>(v)) c.*member = e;
    }
  };
  return s;
}

// `inner`'s rows as rows of Outer, whose member `member` is an Inner, under `prefix`.
template <typename Outer, typename Inner>
SettingsTable<Outer> nested_settings(const SettingsTable<Inner>& inner, const std::string& prefix,
                                     Inner Outer::*member) {
  SettingsTable<Outer> out;
  for (const Setting<Inner>& s : inner) {
    Setting<Outer> o;
    o.path = prefix + "." + s.path;
    o.kind = s.kind;
    o.label = s.label;
    o.help = s.help;
    o.range = s.range;
    o.limits = s.limits;
    o.choices = s.choices;
    o.get = [get = s.get, member](const Outer& c) { return get(c.*member); };
    o.set = [set = s.set, member](Outer& c, const SettingValue& v) { set(c.*member, v); };
    out.push_back(std::move(o));
  }
  return out;
}

// --- What the table drives (SettingsTable.cpp holds the parts that need no Config)

// The value as JSON, and back: nullopt and `error` set ("expected a whole number, got 1.5") when
// the JSON value does not fit the kind or, for integers, `limits` (the member type's).
nlohmann::json setting_json(const SettingValue& v);
std::optional<SettingValue> setting_from_json(SettingKind kind, const SettingRange& range,
                                              const std::vector<SettingChoice>& choices,
                                              const nlohmann::json& j, std::string& error);
// The value as a person types it (`--set`, the setup form): flags true/false, lists
// comma-separated; and back, with the same errors as from JSON.
std::string setting_text(const SettingValue& v);
std::optional<SettingValue> setting_from_text(SettingKind kind, const SettingRange& range,
                                              const std::vector<SettingChoice>& choices,
                                              std::string_view text, std::string& error);
// "a whole number", "true or false", "one of: a, b", ...: what a value of this kind looks like.
std::string setting_kind_text(SettingKind kind, const std::vector<SettingChoice>& choices);
// "path: must be positive, got 0" when a number is out of range or a choice unknown; else empty.
std::string setting_value_problem(const std::string& path, SettingKind kind,
                                  const SettingRange& range,
                                  const std::vector<SettingChoice>& choices, const SettingValue& v);

template <typename Config>
const Setting<Config>* find_setting(const SettingsTable<Config>& table, std::string_view path) {
  for (const Setting<Config>& s : table) {
    if (s.path == path) return &s;
  }
  return nullptr;
}

// Writes every row's value at its path into `out` (objects made as needed).
template <typename Config>
void write_settings(const SettingsTable<Config>& table, const Config& c, nlohmann::json& out) {
  for (const Setting<Config>& s : table) {
    std::string pointer = "/" + s.path;
    std::replace(pointer.begin(), pointer.end(), '.', '/');
    out[nlohmann::json::json_pointer(pointer)] = setting_json(s.get(c));
  }
}

// The JSON value at a dotted path, or nullptr.
const nlohmann::json* json_at_path(const nlohmann::json& root, const std::string& path);

// Reads every row present in `root` into `c`; a value of the wrong type or out of its type's
// range is a problem "prefix.path: expected ...". Absent rows keep c's value.
template <typename Config>
void read_settings(const SettingsTable<Config>& table, const nlohmann::json& root, Config& c,
                   std::vector<std::string>& problems, const std::string& prefix = "") {
  for (const Setting<Config>& s : table) {
    const nlohmann::json* value = json_at_path(root, s.path);
    if (!value || value->is_null()) continue;
    std::string error;
    if (const auto v = setting_from_json(s.kind, s.limits, s.choices, *value, error)) {
      s.set(c, *v);
    } else {
      problems.push_back(prefix + s.path + ": " + error);
    }
  }
}

// The keys of `object` (at `path`) that neither a row under `path` nor `others` (full paths of
// what the caller reads itself) names: "path.key: unknown key".
template <typename Config>
void unknown_setting_keys(const SettingsTable<Config>& table, const nlohmann::json& object,
                          const std::string& path, const std::vector<std::string>& others,
                          std::vector<std::string>& problems) {
  if (!object.is_object()) return;
  for (const auto& item : object.items()) {
    const std::string full = path.empty() ? item.key() : path + "." + item.key();
    bool known = std::find(others.begin(), others.end(), full) != others.end();
    for (const Setting<Config>& s : table) known = known || s.path == full;
    if (!known) problems.push_back(full + ": unknown key");
  }
}

// Every row's range and choice problems, "prefix.path: must be ...".
template <typename Config>
std::vector<std::string> settings_problems(const SettingsTable<Config>& table, const Config& c,
                                           const std::string& prefix = "") {
  std::vector<std::string> problems;
  for (const Setting<Config>& s : table) {
    std::string p = setting_value_problem(prefix + s.path, s.kind, s.range, s.choices, s.get(c));
    if (!p.empty()) problems.push_back(std::move(p));
  }
  return problems;
}

// `--set PATH=VALUE`: throws hwb::Error naming the path and what it accepts, or for an unknown
// path, how to list the settings.
[[noreturn]] void throw_unknown_setting(std::string_view path);
template <typename Config>
void apply_setting(const SettingsTable<Config>& table, Config& c, std::string_view assignment) {
  const auto eq = assignment.find('=');
  const std::string path(assignment.substr(0, eq));
  const Setting<Config>* s = find_setting(table, path);
  if (eq == std::string_view::npos || !s) throw_unknown_setting(assignment);
  std::string error;
  const auto v =
      setting_from_text(s->kind, s->limits, s->choices, assignment.substr(eq + 1), error);
  if (!v) throw Error("--set " + path + ": " + error);
  s->set(c, *v);
}

}  // namespace hwb
