#pragma once

#include <nlohmann/json.hpp>

#include <set>
#include <string>
#include <vector>

namespace hwb {

// Reads one JSON object field by field into a struct, collecting every problem ("path.key: ...")
// instead of stopping at the first, and reporting keys nobody read as unknown, so a typo in a
// config file is an error rather than a silent default.
class JsonFields {
 public:
  JsonFields(const nlohmann::json& object, std::string path, std::vector<std::string>& problems)
      : object_(object), path_(std::move(path)), problems_(problems) {
    if (!object_.is_object()) problems_.push_back(where("") + "expected a JSON object");
  }

  // Leaves `out` unchanged when the key is absent.
  template <typename T>
  void read(const char* key, T& out) {
    const nlohmann::json* value = find(key);
    if (!value) return;
    try {
      out = value->get<T>();
    } catch (const std::exception&) {
      problems_.push_back(where(key) + "expected " + type_name<T>() + ", got " + value->dump());
    }
  }

  // The raw value of `key`, or nullptr when absent; marks it as read.
  const nlohmann::json* find(const char* key) {
    if (!object_.is_object() || !object_.contains(key)) return nullptr;
    read_.insert(key);
    return &object_.at(key);
  }

  std::string child_path(const std::string& key) const {
    return path_.empty() ? key : path_ + "." + key;
  }

  // Reports the keys that were never read.
  void finish() {
    if (!object_.is_object()) return;
    for (const auto& [key, _] : object_.items()) {
      if (!read_.count(key)) problems_.push_back(where(key) + "unknown key");
    }
  }

 private:
  std::string where(const std::string& key) const {
    const std::string p = key.empty() ? path_ : child_path(key);
    return (p.empty() ? std::string("(top level)") : p) + ": ";
  }

  template <typename T>
  static const char* type_name() {
    if constexpr (std::is_same_v<T, bool>)
      return "true or false";
    else if constexpr (std::is_integral_v<T>)
      return "a whole number";
    else if constexpr (std::is_floating_point_v<T>)
      return "a number";
    else if constexpr (std::is_same_v<T, std::string>)
      return "a string";
    else
      return "a value of another type";
  }

  const nlohmann::json& object_;
  std::string path_;
  std::vector<std::string>& problems_;
  std::set<std::string> read_;
};

}  // namespace hwb
