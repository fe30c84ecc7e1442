#include "core/peft/PeftConfig.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <set>
#include <utility>

#include "core/model/T5Config.h"
#include "core/peft/PeftSettings.h"
#include "core/util/Error.h"

namespace hwb {
namespace {

constexpr std::pair<PeftVariant, std::string_view> kVariants[] = {
    {PeftVariant::kFullFinetune, "full_finetune"},
    {PeftVariant::kAdapters, "adapters"},
    {PeftVariant::kAdaptersSharedNorms, "adapters_shared_norms"},
    {PeftVariant::kHyperformer, "hyperformer"},
    {PeftVariant::kHyperformerLayerConditioned, "hyperformer_layer_conditioned"},
    {PeftVariant::kHyperformerPP, "hyperformer_pp"},
};

constexpr std::pair<AdapterStacks, std::string_view> kStacks[] = {
    {AdapterStacks::kEncoder, "encoder"},
    {AdapterStacks::kDecoder, "decoder"},
    {AdapterStacks::kBoth, "both"},
};

std::string join(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : std::string(sep)) + s;
  return out;
}

void throw_problems(std::string_view what, const std::vector<std::string>& problems) {
  if (problems.empty()) return;
  std::string message(what);
  for (const auto& p : problems) message += "\n  " + p;
  throw Error(message);
}

std::vector<std::string> config_problems(const PeftConfig& c) {
  // Ranges and choices (the activation's name among them) come from the settings table.
  std::vector<std::string> problems = settings_problems(peft_settings(), c);
  if (c.tasks.empty()) problems.push_back("tasks: at least one task is needed");
  std::set<std::string> seen;
  for (const auto& t : c.tasks) {
    if (!is_valid_task_name(t)) {
      problems.push_back("tasks: '" + t +
                         "' is not a valid task name (letters, digits, '_' and '-' only)");
    }
    if (!seen.insert(t).second) problems.push_back("tasks: '" + t + "' is listed twice");
  }
  if (c.variant == PeftVariant::kAdapters && c.tasks.size() > 1) {
    problems.push_back(
        "variant adapters trains one task per model (it has " + std::to_string(c.tasks.size()) +
        "): run one experiment per task (data.single_task: true makes a study do that), or use "
        "adapters_shared_norms to train them together");
  }
  if (!c.has_adapters()) return problems;
  auto positive = [&](const char* name, int64_t v) {
    if (v <= 0)
      problems.push_back(std::string(name) + " must be positive, got " + std::to_string(v));
  };
  positive("reduction_factor", c.reduction_factor);
  if (c.uses_hypernetwork()) {
    positive("task_embedding_dim", c.task_embedding_dim);
    positive("projector_hidden_dim", c.projector_hidden_dim);
    positive("projected_task_dim", c.projected_task_dim);
  }
  return problems;
}

}  // namespace

bool PeftConfig::uses_hypernetwork() const {
  return variant == PeftVariant::kHyperformer ||
         variant == PeftVariant::kHyperformerLayerConditioned ||
         variant == PeftVariant::kHyperformerPP;
}

bool PeftConfig::adapters_in_stack(StackKind stack) const {
  if (!has_adapters()) return false;
  switch (adapters_in) {
    case AdapterStacks::kEncoder:
      return stack == StackKind::kEncoder;
    case AdapterStacks::kDecoder:
      return stack == StackKind::kDecoder;
    case AdapterStacks::kBoth:
      return true;
  }
  return false;
}

void PeftConfig::validate() const {
  throw_problems("Invalid PEFT configuration:", config_problems(*this));
}

void PeftConfig::validate(const T5Config& backbone) const {
  std::vector<std::string> problems = config_problems(*this);
  if (has_adapters() && reduction_factor > 0 &&
      (backbone.d_model % reduction_factor != 0 || reduction_factor > backbone.d_model)) {
    problems.push_back("reduction_factor " + std::to_string(reduction_factor) +
                       " does not divide the backbone's d_model " +
                       std::to_string(backbone.d_model));
  }
  throw_problems("Invalid PEFT configuration:", problems);
}

nlohmann::json PeftConfig::to_json() const {
  nlohmann::json j = nlohmann::json::object();
  write_settings(peft_settings(), *this, j);
  j["tasks"] = tasks;
  return j;
}

PeftConfig PeftConfig::from_json(const nlohmann::json& j, std::string_view source) {
  PeftConfig c = read_json(j, source);
  throw_problems(std::string(source) + ": invalid PEFT configuration:", config_problems(c));
  return c;
}

PeftConfig PeftConfig::read_json(const nlohmann::json& j, std::string_view source) {
  if (!j.is_object()) throw Error(std::string(source) + ": expected a JSON object");
  PeftConfig c;
  std::vector<std::string> problems;
  unknown_setting_keys(peft_settings(), j, "", {"tasks"}, problems);
  read_settings(peft_settings(), j, c, problems);
  if (const auto tasks = j.find("tasks"); tasks != j.end() && !tasks->is_null()) {
    if (tasks->is_array() &&
        std::all_of(tasks->begin(), tasks->end(), [](const auto& t) { return t.is_string(); })) {
      c.tasks = tasks->get<std::vector<std::string>>();
    } else {
      problems.push_back("tasks: expected a list of strings, got " + tasks->dump());
    }
  }
  throw_problems(std::string(source) + ": invalid PEFT configuration:", problems);
  return c;
}

std::string_view to_string(PeftVariant variant) {
  for (const auto& [v, name] : kVariants) {
    if (v == variant) return name;
  }
  return "unknown";
}

std::string_view to_string(AdapterStacks stacks) {
  for (const auto& [s, name] : kStacks) {
    if (s == stacks) return name;
  }
  return "unknown";
}

PeftVariant parse_peft_variant(std::string_view name) {
  std::vector<std::string> names;
  for (const auto& [v, n] : kVariants) {
    if (n == name) return v;
    names.emplace_back(n);
  }
  throw Error("variant '" + std::string(name) + "' is unknown: use one of " + join(names, ", "));
}

AdapterStacks parse_adapter_stacks(std::string_view name) {
  for (const auto& [s, n] : kStacks) {
    if (n == name) return s;
  }
  throw Error("adapters_in '" + std::string(name) + "' is unknown: use encoder, decoder or both");
}

bool is_valid_task_name(std::string_view name) {
  if (name.empty()) return false;
  return std::all_of(name.begin(), name.end(), [](char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch == '_' || ch == '-';
  });
}

}  // namespace hwb
