#include "core/peft/PeftConfig.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <set>
#include <utility>

#include "core/model/T5Config.h"
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

const char* const kActivations[] = {"gelu_new", "relu", "swish", "silu"};

template <typename T>
void read_field(const nlohmann::json& j, const char* key, T& field,
                std::vector<std::string>& problems) {
  if (!j.contains(key) || j.at(key).is_null()) return;
  try {
    field = j.at(key).get<T>();
  } catch (const std::exception&) {
    const char* expected = std::is_same_v<T, std::string>                ? "a string"
                           : std::is_same_v<T, bool>                     ? "true or false"
                           : std::is_same_v<T, std::vector<std::string>> ? "a list of strings"
                                                                         : "an integer";
    problems.push_back(std::string(key) + ": expected " + expected + ", got " + j.at(key).dump());
  }
}

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
  std::vector<std::string> problems;
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
        "): run one experiment per task, or use adapters_shared_norms to train them together");
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
  if (std::find(std::begin(kActivations), std::end(kActivations), c.non_linearity) ==
      std::end(kActivations)) {
    problems.push_back("non_linearity '" + c.non_linearity +
                       "' is unknown: use gelu_new, relu or swish");
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
  return {{"variant", std::string(to_string(variant))},
          {"tasks", tasks},
          {"reduction_factor", reduction_factor},
          {"non_linearity", non_linearity},
          {"task_embedding_dim", task_embedding_dim},
          {"projector_hidden_dim", projector_hidden_dim},
          {"projected_task_dim", projected_task_dim},
          {"projector_layer_norm", projector_layer_norm},
          {"conditional_layer_norm", conditional_layer_norm},
          {"adapter_layer_norm_before", adapter_layer_norm_before},
          {"adapter_layer_norm_after", adapter_layer_norm_after},
          {"adapters_in", std::string(to_string(adapters_in))},
          {"unfreeze_layer_norms", unfreeze_layer_norms},
          {"train_lm_head", train_lm_head},
          {"train_backbone_matching", train_backbone_matching}};
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
  const nlohmann::json known = c.to_json();
  for (const auto& item : j.items()) {
    if (!known.contains(item.key())) {
      std::vector<std::string> keys;
      for (const auto& k : known.items()) keys.push_back(k.key());
      problems.push_back("unknown key '" + item.key() + "' (known: " + join(keys, ", ") + ")");
    }
  }
  std::string variant(to_string(c.variant)), stacks(to_string(c.adapters_in));
  read_field(j, "variant", variant, problems);
  read_field(j, "tasks", c.tasks, problems);
  read_field(j, "reduction_factor", c.reduction_factor, problems);
  read_field(j, "non_linearity", c.non_linearity, problems);
  read_field(j, "task_embedding_dim", c.task_embedding_dim, problems);
  read_field(j, "projector_hidden_dim", c.projector_hidden_dim, problems);
  read_field(j, "projected_task_dim", c.projected_task_dim, problems);
  read_field(j, "projector_layer_norm", c.projector_layer_norm, problems);
  read_field(j, "conditional_layer_norm", c.conditional_layer_norm, problems);
  read_field(j, "adapter_layer_norm_before", c.adapter_layer_norm_before, problems);
  read_field(j, "adapter_layer_norm_after", c.adapter_layer_norm_after, problems);
  read_field(j, "adapters_in", stacks, problems);
  read_field(j, "unfreeze_layer_norms", c.unfreeze_layer_norms, problems);
  read_field(j, "train_lm_head", c.train_lm_head, problems);
  read_field(j, "train_backbone_matching", c.train_backbone_matching, problems);
  try {
    c.variant = parse_peft_variant(variant);
  } catch (const Error& e) {
    problems.push_back(e.what());
  }
  try {
    c.adapters_in = parse_adapter_stacks(stacks);
  } catch (const Error& e) {
    problems.push_back(e.what());
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
