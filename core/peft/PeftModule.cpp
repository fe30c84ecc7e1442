#include "core/peft/PeftModule.h"

#include <ATen/ATen.h>

#include <algorithm>

#include "core/peft/ModuleTree.h"
#include "core/util/Error.h"

namespace hwb {
namespace {

bool ends_with(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool starts_with(const std::string& s, std::string_view prefix) {
  return s.rfind(prefix, 0) == 0;
}

std::vector<std::string> site_path(std::string root, const std::string& task,
                                   const AdapterSite& site) {
  std::vector<std::string> path{std::move(root)};
  if (!task.empty()) path.push_back(task);
  path.emplace_back(stack_name(site.stack));
  path.push_back(std::to_string(site.layer));
  path.emplace_back(position_name(site.where));
  return path;
}

}  // namespace

void init_peft_parameter(const std::string& name, at::Tensor& p, const at::Generator& gen) {
  at::NoGradGuard no_grad;
  const auto f32 = at::TensorOptions().dtype(at::kFloat);
  if (starts_with(name, "task_embeddings.") || ends_with(name, "layer_embeddings.weight") ||
      ends_with(name, "position_embeddings.weight")) {
    p.copy_(at::normal(0.0, 1.0, p.sizes(), gen, f32));
  } else if (starts_with(name, "adapter_norms.") ||
             name.find(".layer_norm.") != std::string::npos) {
    p.fill_(ends_with(name, ".weight") ? 1.0 : 0.0);
  } else if (ends_with(name, ".weight")) {
    p.copy_(at::normal(0.0, 0.01, p.sizes(), gen, f32));
  } else {
    p.zero_();
  }
}

PeftModuleImpl::PeftModuleImpl(const PeftConfig& config, const T5Config& backbone, uint64_t seed)
    : config_(config), backbone_(backbone) {
  config_.validate(backbone);
  sites_ = adapter_sites(config_, backbone);
  if (config_.uses_hypernetwork()) {
    task_embeddings = register_module("task_embeddings",
                                      TaskEmbeddings(config_.tasks, config_.task_embedding_dim));
    hypernet = register_module("hypernet", HyperNetwork(config_, backbone));
  } else if (config_.has_adapters()) {
    for (const auto& task : config_.tasks) adapters_[task] = make_adapter_set(task);
  }
  const bool generated = config_.generates_layer_norms();
  const int64_t d = backbone.d_model;
  auto layer_norm = [d] {
    return torch::nn::LayerNorm(torch::nn::LayerNormOptions({d}).eps(kAdapterLayerNormEps));
  };
  for (const AdapterSite& site : sites_) {
    PlainNorms norms;
    if (!generated && (config_.adapter_layer_norm_before || config_.adapter_layer_norm_after)) {
      auto node = module_node(*this, site_path("adapter_norms", "", site));
      if (config_.adapter_layer_norm_before) norms.pre = node->register_module("pre", layer_norm());
      if (config_.adapter_layer_norm_after)
        norms.post = node->register_module("post", layer_norm());
    }
    norms_.push_back(norms);
  }
  reset_parameters(seed);
}

std::vector<PeftModuleImpl::PlainAdapter> PeftModuleImpl::make_adapter_set(
    const std::string& task) {
  const int64_t d = backbone_.d_model, m = config_.adapter_dim(backbone_.d_model);
  std::vector<PlainAdapter> set;
  for (const AdapterSite& site : sites_) {
    auto node = module_node(*this, site_path("adapters", task, site));
    PlainAdapter a;
    a.down = node->register_module("down", torch::nn::Linear(d, m));
    a.up = node->register_module("up", torch::nn::Linear(m, d));
    set.push_back(a);
  }
  return set;
}

int64_t PeftModuleImpl::site_index(StackKind stack, int64_t layer, SublayerKind where) const {
  const AdapterSite wanted{stack, layer, where};
  const auto it = std::find(sites_.begin(), sites_.end(), wanted);
  return it == sites_.end() ? -1 : static_cast<int64_t>(it - sites_.begin());
}

bool PeftModuleImpl::has_task(const std::string& task) const {
  return std::find(config_.tasks.begin(), config_.tasks.end(), task) != config_.tasks.end();
}

TaskAdapters PeftModuleImpl::task_adapters(const std::string& task) {
  if (!has_task(task)) {
    std::string known;
    for (const auto& t : config_.tasks) known += (known.empty() ? "" : ", ") + t;
    throw Error("Task '" + task + "' is not one of this model's tasks (" + known + ")");
  }
  TaskAdapters out;
  if (hypernet) {
    out = hypernet(task_embeddings->get(task));
  } else {
    for (const PlainAdapter& a : adapters_.at(task)) {
      AdapterWeights w;
      w.down = a.down->weight;
      w.down_bias = a.down->bias;
      w.up = a.up->weight;
      w.up_bias = a.up->bias;
      out.sites.push_back(w);
    }
  }
  for (std::size_t i = 0; i < out.sites.size(); ++i) {
    if (norms_[i].pre) {
      out.sites[i].pre_weight = norms_[i].pre->weight;
      out.sites[i].pre_bias = norms_[i].pre->bias;
    }
    if (norms_[i].post) {
      out.sites[i].post_weight = norms_[i].post->weight;
      out.sites[i].post_bias = norms_[i].post->bias;
    }
  }
  return out;
}

void PeftModuleImpl::add_task(const std::string& task, uint64_t seed) {
  if (!is_valid_task_name(task)) {
    throw Error("'" + task + "' is not a valid task name (letters, digits, '_' and '-' only)");
  }
  if (has_task(task)) throw Error("Task '" + task + "' already exists in this model");
  if (!config_.has_adapters() || config_.single_task()) {
    throw Error("Variant " + std::string(to_string(config_.variant)) +
                " cannot add a task to a trained model: it trains one model per task");
  }
  const at::Tensor like = parameters().front();
  const at::Generator gen = at::detail::createCPUGenerator(seed);
  if (hypernet) {
    task_embeddings->add(task, seed);
  } else {
    adapters_[task] = make_adapter_set(task);
    for (auto& item : named_parameters()) {
      if (!starts_with(item.key(), "adapters." + task + ".")) continue;
      at::Tensor& p = item.value();
      init_peft_parameter(item.key(), p, gen);
      at::NoGradGuard no_grad;
      p.set_data(p.to(like.device(), like.scalar_type()));
    }
  }
  config_.tasks.push_back(task);
}

void PeftModuleImpl::reset_parameters(uint64_t seed) {
  const at::Generator gen = at::detail::createCPUGenerator(seed);
  for (auto& item : named_parameters()) init_peft_parameter(item.key(), item.value(), gen);
}

}  // namespace hwb
