#include "core/peft/ParameterReport.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>

#include "core/peft/PeftModel.h"

namespace hwb {
namespace {

bool starts_with(const std::string& s, std::string_view prefix) {
  return s.rfind(prefix, 0) == 0;
}

std::string part_of(const std::string& name) {
  if (!starts_with(name, kPeftPrefix)) {
    return name.find("layer_norm") != std::string::npos ? "backbone.layer_norms" : "backbone.other";
  }
  const std::string rest = name.substr(std::string(kPeftPrefix).size());
  return rest.substr(0, rest.find('.'));
}

// The task a PEFT parameter belongs to alone, or "" for a shared one.
std::string owner_task(const std::string& name, const std::vector<std::string>& tasks) {
  // Spelled out in full (kPeftPrefix + ...): GCC 12 warns falsely on the concatenation.
  constexpr std::string_view embeddings = "peft.task_embeddings.";
  constexpr std::string_view adapters = "peft.adapters.";
  std::string task;
  if (starts_with(name, embeddings)) {
    task = name.substr(embeddings.size());
  } else if (starts_with(name, adapters)) {
    task = name.substr(adapters.size());
    task = task.substr(0, task.find('.'));
  }
  return std::find(tasks.begin(), tasks.end(), task) != tasks.end() ? task : "";
}

}  // namespace

ParameterReport ParameterReport::of(const PeftModel& model) {
  std::vector<ParameterCount> params;
  for (const auto& [name, p] : model.named_parameters()) {
    params.push_back({name, p.numel(), p.requires_grad()});
  }
  return tally(model.config(), params);
}

ParameterReport ParameterReport::tally(const PeftConfig& config,
                                       const std::vector<ParameterCount>& params) {
  ParameterReport r;
  r.variant = std::string(to_string(config.variant));
  r.num_tasks = static_cast<int64_t>(config.tasks.size());
  for (const auto& task : config.tasks) r.task_own[task] = 0;
  for (const ParameterCount& p : params) {
    const int64_t n = p.numel;
    const bool added = starts_with(p.name, kPeftPrefix);
    (added ? r.added : r.backbone) += n;
    r.parts[part_of(p.name)] += n;
    if (!p.trainable) continue;
    r.trainable += n;
    (added ? r.trainable_added : r.trainable_backbone) += n;
    if (added) {
      const std::string task = owner_task(p.name, config.tasks);
      if (!task.empty()) r.task_own[task] += n;
    }
  }
  r.total = r.backbone + r.added;
  r.per_task =
      r.num_tasks > 0 ? static_cast<double>(r.trainable) / static_cast<double>(r.num_tasks) : 0.0;
  r.per_task_percent = r.backbone > 0 ? 100.0 * r.per_task / static_cast<double>(r.backbone) : 0.0;
  return r;
}

nlohmann::json ParameterReport::to_json() const {
  return {{"variant", variant},
          {"num_tasks", num_tasks},
          {"backbone", backbone},
          {"added", added},
          {"total", total},
          {"trainable", trainable},
          {"trainable_backbone", trainable_backbone},
          {"trainable_added", trainable_added},
          {"task_own", task_own},
          {"per_task", per_task},
          {"per_task_percent", per_task_percent},
          {"parts", parts}};
}

std::string ParameterReport::to_text() const {
  char line[256];
  std::string out;
  std::snprintf(line, sizeof line, "variant %s, %lld task(s)\n", variant.c_str(),
                static_cast<long long>(num_tasks));
  out += line;
  std::snprintf(line, sizeof line, "total %lld (backbone %lld + added %lld)\n",
                static_cast<long long>(total), static_cast<long long>(backbone),
                static_cast<long long>(added));
  out += line;
  std::snprintf(line, sizeof line, "trainable %lld (backbone %lld, added %lld)\n",
                static_cast<long long>(trainable), static_cast<long long>(trainable_backbone),
                static_cast<long long>(trainable_added));
  out += line;
  std::snprintf(line, sizeof line, "per task %.0f = %.4f%% of the backbone\n", per_task,
                per_task_percent);
  out += line;
  return out;
}

}  // namespace hwb
