#include "core/model/BuiltinBackbones.h"

#include <algorithm>
#include <system_error>

#include "core/model/T5Checkpoint.h"
#include "core/util/Error.h"
#include "core/util/Paths.h"

namespace hwb {

namespace fs = std::filesystem;

namespace {

// resources/backbones, where pretrained backbones ship; empty when this installation has none.
fs::path shipped_backbones_dir() {
  try {
    return find_resource("backbones");
  } catch (const std::exception&) {
    return {};
  }
}

std::string known_specs() {
  std::string out;
  for (const std::string& name : builtin_backbone_names())
    out += (out.empty() ? "" : ", ") + std::string(kBuiltinPrefix) + name;
  return out;
}

}  // namespace

bool is_builtin_tiny(std::string_view spec) {
  return spec == kBuiltinTinySpec;
}

namespace {

bool is_random(std::string_view spec) {
  return spec.substr(0, kRandomPrefix.size()) == kRandomPrefix;
}

}  // namespace

bool is_made_from_seed(std::string_view spec) {
  return is_builtin_tiny(spec) || is_random(spec);
}

std::vector<std::string> builtin_backbone_names() {
  std::vector<std::string> names = {"tiny"};
  const fs::path dir = shipped_backbones_dir();
  std::error_code ec;
  if (dir.empty() || !fs::is_directory(dir, ec)) return names;
  std::vector<std::string> shipped;
  for (const fs::directory_entry& e : fs::directory_iterator(dir, ec)) {
    if (fs::is_regular_file(e.path() / "config.json", ec))
      shipped.push_back(e.path().filename().string());
  }
  std::sort(shipped.begin(), shipped.end());
  names.insert(names.end(), shipped.begin(), shipped.end());
  return names;
}

fs::path backbone_folder(std::string_view spec) {
  if (is_random(spec)) return backbone_folder(spec.substr(kRandomPrefix.size()));
  if (spec.substr(0, kBuiltinPrefix.size()) != kBuiltinPrefix) return fs::path(spec);
  const std::string name(spec.substr(kBuiltinPrefix.size()));
  if (name == "tiny") throw Error("builtin:tiny is made on the spot and has no folder");
  const fs::path dir = shipped_backbones_dir();
  std::error_code ec;
  if (!name.empty() && name.find('/') == std::string::npos && !dir.empty() &&
      fs::is_regular_file(dir / name / "config.json", ec)) {
    return dir / name;
  }
  throw Error("'" + std::string(spec) + "' is not a built-in backbone; known: " + known_specs() +
              " (or give a Hugging Face T5 folder)");
}

T5Config backbone_spec_config(std::string_view spec) {
  if (is_random(spec)) return backbone_spec_config(spec.substr(kRandomPrefix.size()));
  if (is_builtin_tiny(spec)) return T5Config::tiny();
  const fs::path folder = backbone_folder(spec);
  std::error_code ec;
  if (!fs::is_regular_file(folder / "config.json", ec)) {
    throw Error("'" + std::string(spec) + "' " +
                (fs::is_directory(folder, ec) ? "has no config.json" : "is not a folder") +
                ": choose a Hugging Face T5 folder (config.json and model.safetensors) or one of " +
                known_specs());
  }
  return T5Config::load(folder / "config.json");
}

T5Model load_backbone_spec(std::string_view spec, uint64_t seed) {
  if (is_made_from_seed(spec)) {
    T5Model model(backbone_spec_config(spec));
    model->init_weights(seed);
    return model;
  }
  return load_t5(backbone_folder(spec));
}

}  // namespace hwb
