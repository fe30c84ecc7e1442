#include "core/util/SettingsTable.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <sstream>

namespace hwb {
namespace {

// Numbers as a person wrote them: 0.001 rather than 0.001000, 1e+30 for the large ones.
std::string number_text(double v) {
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  std::ostringstream out;
  out.precision(10);
  out << v;
  return out.str();
}

std::string choice_list(const std::vector<SettingChoice>& choices) {
  std::string out;
  for (const SettingChoice& c : choices) out += (out.empty() ? "" : ", ") + c.value;
  return out;
}

std::string trimmed(std::string_view text) {
  const auto first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(" \t");
  return std::string(text.substr(first, last - first + 1));
}

std::optional<SettingValue> whole_number(SettingKind kind, const SettingRange& range, double value,
                                         std::string& error) {
  // Past what the member's type holds: refused, never narrowed.
  if (!range.contains(value)) {
    error = "out of range: " + range.requirement() + ", got " + number_text(value);
    return std::nullopt;
  }
  if (kind == SettingKind::kUnsigned) return SettingValue(static_cast<uint64_t>(value));
  return SettingValue(static_cast<int64_t>(value));
}

}  // namespace

bool SettingRange::contains(double v) const {
  if (std::isnan(v)) return false;
  const bool above = min_open ? v > min : v >= min;
  const bool below = max_open ? v < max : v <= max;
  return above && below;
}

std::string SettingRange::requirement() const {
  const bool no_max = std::isinf(max);
  if (min == 0 && no_max) return min_open ? "must be positive" : "must not be negative";
  if (no_max) return (min_open ? "must be more than " : "must be at least ") + number_text(min);
  if (std::isinf(min))
    return (max_open ? "must be less than " : "must be at most ") + number_text(max);
  return "must be in " + std::string(min_open ? "(" : "[") + number_text(min) + ", " +
         number_text(max) + (max_open ? ")" : "]");
}

nlohmann::json setting_json(const SettingValue& v) {
  return std::visit([](const auto& x) { return nlohmann::json(x); }, v);
}

std::string setting_kind_text(SettingKind kind, const std::vector<SettingChoice>& choices) {
  switch (kind) {
    case SettingKind::kFlag:
      return "true or false";
    case SettingKind::kInteger:
      return "a whole number";
    case SettingKind::kUnsigned:
      return "a whole number, not negative";
    case SettingKind::kReal:
      return "a number";
    case SettingKind::kText:
      return "a string";
    case SettingKind::kChoice:
      return "one of: " + choice_list(choices);
    case SettingKind::kTextList:
      return "a list of strings";
  }
  return "a value";
}

std::optional<SettingValue> setting_from_json(SettingKind kind, const SettingRange& range,
                                              const std::vector<SettingChoice>& choices,
                                              const nlohmann::json& j, std::string& error) {
  auto wrong = [&]() -> std::optional<SettingValue> {
    error = "expected " + setting_kind_text(kind, choices) + ", got " + j.dump();
    return std::nullopt;
  };
  switch (kind) {
    case SettingKind::kFlag:
      if (!j.is_boolean()) return wrong();
      return SettingValue(j.get<bool>());
    case SettingKind::kInteger:
    case SettingKind::kUnsigned: {
      // A fraction is refused, not truncated; a whole number written as 1e3 is fine.
      if (!j.is_number()) return wrong();
      const double v = j.get<double>();
      if (j.is_number_float() && v != std::floor(v)) return wrong();
      if (j.is_number_unsigned()) {
        const uint64_t u = j.get<uint64_t>();
        if (kind == SettingKind::kUnsigned && range.contains(static_cast<double>(u)))
          return SettingValue(u);
      } else if (j.is_number_integer()) {
        const int64_t i = j.get<int64_t>();
        if (kind == SettingKind::kInteger && range.contains(static_cast<double>(i)))
          return SettingValue(i);
      }
      return whole_number(kind, range, v, error);
    }
    case SettingKind::kReal:
      if (!j.is_number()) return wrong();
      return SettingValue(j.get<double>());
    case SettingKind::kText:
      if (!j.is_string()) return wrong();
      return SettingValue(j.get<std::string>());
    case SettingKind::kChoice: {
      if (!j.is_string()) return wrong();
      const std::string s = j.get<std::string>();
      for (const SettingChoice& c : choices) {
        if (c.value == s) return SettingValue(s);
      }
      error = "'" + s + "' is not one of: " + choice_list(choices);
      return std::nullopt;
    }
    case SettingKind::kTextList: {
      if (!j.is_array()) return wrong();
      std::vector<std::string> items;
      for (const auto& item : j) {
        if (!item.is_string()) return wrong();
        items.push_back(item.get<std::string>());
      }
      return SettingValue(items);
    }
  }
  return wrong();
}

std::string setting_text(const SettingValue& v) {
  struct Text {
    std::string operator()(bool b) const { return b ? "true" : "false"; }
    std::string operator()(int64_t i) const { return std::to_string(i); }
    std::string operator()(uint64_t u) const { return std::to_string(u); }
    std::string operator()(double d) const { return number_text(d); }
    std::string operator()(const std::string& s) const { return s; }
    std::string operator()(const std::vector<std::string>& list) const {
      std::string out;
      for (const auto& s : list) out += (out.empty() ? "" : ", ") + s;
      return out;
    }
  };
  return std::visit(Text{}, v);
}

std::optional<SettingValue> setting_from_text(SettingKind kind, const SettingRange& range,
                                              const std::vector<SettingChoice>& choices,
                                              std::string_view text, std::string& error) {
  const std::string t = trimmed(text);
  auto wrong = [&]() -> std::optional<SettingValue> {
    error = "expected " + setting_kind_text(kind, choices) + ", got '" + std::string(text) + "'";
    return std::nullopt;
  };
  switch (kind) {
    case SettingKind::kFlag:
      if (t == "true" || t == "1" || t == "on" || t == "yes") return SettingValue(true);
      if (t == "false" || t == "0" || t == "off" || t == "no") return SettingValue(false);
      return wrong();
    case SettingKind::kInteger:
    case SettingKind::kUnsigned:
    case SettingKind::kReal: {
      if (t.empty()) return wrong();
      char* end = nullptr;
      errno = 0;
      const double v = std::strtod(t.c_str(), &end);
      if (*end != '\0' || errno == ERANGE || std::isnan(v)) return wrong();
      if (kind == SettingKind::kReal) return SettingValue(v);
      if (v != std::floor(v)) return wrong();
      if (kind == SettingKind::kInteger && t.find_first_of(".eE") == std::string::npos) {
        const long long i = std::strtoll(t.c_str(), nullptr, 10);
        if (errno != ERANGE && range.contains(static_cast<double>(i)))
          return SettingValue(int64_t{i});
      }
      if (kind == SettingKind::kUnsigned && t.find_first_of(".eE-") == std::string::npos) {
        const unsigned long long u = std::strtoull(t.c_str(), nullptr, 10);
        if (errno != ERANGE && range.contains(static_cast<double>(u)))
          return SettingValue(uint64_t{u});
      }
      return whole_number(kind, range, v, error);
    }
    case SettingKind::kText:
      return SettingValue(t);
    case SettingKind::kChoice:
      for (const SettingChoice& c : choices) {
        if (c.value == t) return SettingValue(t);
      }
      error = "'" + t + "' is not one of: " + choice_list(choices);
      return std::nullopt;
    case SettingKind::kTextList: {
      std::vector<std::string> items;
      std::string rest = t;
      for (std::size_t start = 0; start <= rest.size();) {
        const auto comma = rest.find(',', start);
        const std::string item = trimmed(std::string_view(rest).substr(
            start, comma == std::string::npos ? std::string::npos : comma - start));
        if (!item.empty()) items.push_back(item);
        if (comma == std::string::npos) break;
        start = comma + 1;
      }
      return SettingValue(items);
    }
  }
  return wrong();
}

std::string setting_value_problem(const std::string& path, SettingKind kind,
                                  const SettingRange& range,
                                  const std::vector<SettingChoice>& choices,
                                  const SettingValue& v) {
  double number = 0;
  switch (kind) {
    case SettingKind::kInteger:
      number = static_cast<double>(std::get<int64_t>(v));
      break;
    case SettingKind::kUnsigned:
      number = static_cast<double>(std::get<uint64_t>(v));
      break;
    case SettingKind::kReal:
      number = std::get<double>(v);
      break;
    case SettingKind::kChoice: {
      const std::string& s = std::get<std::string>(v);
      for (const SettingChoice& c : choices) {
        if (c.value == s) return {};
      }
      return path + ": '" + s + "' is not one of: " + choice_list(choices);
    }
    default:
      return {};
  }
  if (range.contains(number)) return {};
  return path + ": " + range.requirement() + ", got " + number_text(number);
}

const nlohmann::json* json_at_path(const nlohmann::json& root, const std::string& path) {
  const nlohmann::json* at = &root;
  std::size_t start = 0;
  while (true) {
    const auto dot = path.find('.', start);
    const std::string key = path.substr(start, dot == std::string::npos ? dot : dot - start);
    if (!at->is_object() || !at->contains(key)) return nullptr;
    at = &at->at(key);
    if (dot == std::string::npos) return at;
    start = dot + 1;
  }
}

void throw_unknown_setting(std::string_view assignment) {
  if (assignment.find('=') == std::string_view::npos) {
    throw Error("--set '" + std::string(assignment) +
                "': write PATH=VALUE, e.g. --set training.learning_rate=1e-3");
  }
  throw Error("--set '" + std::string(assignment.substr(0, assignment.find('='))) +
              "': no such setting; `hyperformer settings` lists them");
}

}  // namespace hwb
