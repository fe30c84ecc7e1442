#include "core/peft/WeightStatistics.h"

#include <ATen/ATen.h>
#include <nlohmann/json.hpp>

#include "core/peft/PeftModel.h"

namespace hwb {
namespace {

std::vector<double> cosine_matrix(const at::Tensor& rows) {
  // rows: [tasks, n]
  const at::Tensor x = rows.to(at::kDouble);
  const at::Tensor unit = x / x.norm(2, {1}, /*keepdim=*/true).clamp_min(1e-30);
  const at::Tensor sim = at::matmul(unit, unit.t()).contiguous().cpu();
  return {sim.data_ptr<double>(), sim.data_ptr<double>() + sim.numel()};
}

}  // namespace

WeightStatistics WeightStatistics::of(PeftModel& model) {
  WeightStatistics s;
  const auto& hook = model.hook();
  if (!hook) return s;
  at::NoGradGuard no_grad;
  const std::vector<AdapterSite>& sites = model.peft()->sites();
  std::vector<at::Tensor> raw, projected;
  s.tasks = model.config().tasks;
  for (const auto& task : s.tasks) {
    const TaskAdapters& adapters = hook->adapters(task);
    for (std::size_t i = 0; i < sites.size(); ++i) {
      const AdapterWeights& w = adapters.sites[i];
      const std::pair<const char*, const at::Tensor*> tensors[] = {{"down", &w.down},
                                                                   {"down_bias", &w.down_bias},
                                                                   {"up", &w.up},
                                                                   {"up_bias", &w.up_bias},
                                                                   {"gamma", &w.post_weight},
                                                                   {"beta", &w.post_bias},
                                                                   {"pre_gamma", &w.pre_weight},
                                                                   {"pre_beta", &w.pre_bias}};
      for (const auto& [name, t] : tensors) {
        if (!t->defined()) continue;
        const at::Tensor x = t->to(at::kDouble);
        Entry e;
        e.task = task;
        e.stack = sites[i].stack;
        e.layer = sites[i].layer;
        e.where = sites[i].where;
        e.tensor = name;
        e.norm = x.norm().item<double>();
        e.mean = x.mean().item<double>();
        e.std = x.std(/*unbiased=*/false).item<double>();
        s.entries.push_back(e);
      }
    }
    if (model.peft()->task_embeddings) {
      raw.push_back(model.peft()->task_embeddings->get(task));
      projected.push_back(adapters.projected.reshape({-1}));
    }
  }
  if (!raw.empty()) {
    s.similarity_raw = cosine_matrix(at::stack(raw));
    s.similarity_projected = cosine_matrix(at::stack(projected));
  }
  return s;
}

nlohmann::json WeightStatistics::to_json() const {
  nlohmann::json rows = nlohmann::json::array();
  for (const Entry& e : entries) {
    rows.push_back(
        {{"task", e.task},
         {"stack", std::string(e.stack == StackKind::kEncoder ? "encoder" : "decoder")},
         {"layer", e.layer},
         {"position",
          std::string(e.where == SublayerKind::kFeedForward ? "feed_forward" : "self_attention")},
         {"tensor", e.tensor},
         {"norm", e.norm},
         {"mean", e.mean},
         {"std", e.std}});
  }
  return {{"entries", rows},
          {"tasks", tasks},
          {"similarity_raw", similarity_raw},
          {"similarity_projected", similarity_projected}};
}

}  // namespace hwb
