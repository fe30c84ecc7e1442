#include "core/peft/PeftModel.h"

#include <ATen/ATen.h>

#include <algorithm>

#include "core/peft/BackboneFreezing.h"
#include "core/util/Error.h"

namespace hwb {
namespace {

bool starts_with(const std::string& s, std::string_view prefix) {
  return s.rfind(prefix, 0) == 0;
}

}  // namespace

PeftModel::PeftModel(T5Model backbone, const PeftConfig& config, uint64_t seed)
    : backbone_(std::move(backbone)), peft_(config, backbone_->config(), seed) {
  if (config.has_adapters()) {
    hook_ = std::make_shared<MultiTaskAdapterHook>(peft_,
                                                   parse_adapter_activation(config.non_linearity));
  }
  backbone_->set_adapter_hook(hook_);
  const at::Tensor like = backbone_->parameters().front();
  peft_->to(like.device());
  peft_->train(backbone_->is_training());
  apply_freezing();
}

void PeftModel::set_task(const std::string& task) {
  if (hook_) {
    hook_->set_task(task);
  } else if (!peft_->has_task(task)) {
    // Full fine-tuning has no per-task parts, but a wrong name is still a mistake worth naming.
    std::string known;
    for (const auto& t : config().tasks) known += (known.empty() ? "" : ", ") + t;
    throw Error("Task '" + task + "' is not one of this model's tasks (" + known + ")");
  }
}

Seq2SeqOutput PeftModel::forward(const std::string& task, const at::Tensor& input_ids,
                                 const at::Tensor& attention_mask, const at::Tensor& labels,
                                 const LossOptions& loss) {
  set_task(task);
  return backbone_->forward(input_ids, attention_mask, labels, loss);
}

at::Tensor PeftModel::generate(const std::string& task, const at::Tensor& input_ids,
                               const at::Tensor& attention_mask, const GenerateOptions& options) {
  set_task(task);
  return greedy_generate(backbone_, input_ids, attention_mask, options);
}

void PeftModel::train(bool on) {
  backbone_->train(on);
  peft_->train(on);
}

void PeftModel::to(const c10::Device& device) {
  backbone_->to(device);
  peft_->to(device);
  invalidate_generated();
}

bool PeftModel::trains_backbone_parameter(const std::string& name) const {
  return hwb::trains_backbone_parameter(config(), backbone_->config().tie_word_embeddings, name);
}

void PeftModel::apply_freezing() {
  for (auto& item : backbone_->named_parameters()) {
    item.value().set_requires_grad(trains_backbone_parameter(item.key()));
  }
  for (auto& p : peft_->parameters()) p.set_requires_grad(true);
}

void PeftModel::add_task(const std::string& task, uint64_t seed) {
  peft_->add_task(task, seed);
  invalidate_generated();
}

void PeftModel::train_only_tasks(const std::vector<std::string>& tasks) {
  for (const auto& task : tasks) set_task(task);
  for (auto& p : backbone_->parameters()) p.set_requires_grad(false);
  for (auto& item : peft_->named_parameters()) {
    const std::string& name = item.key();
    bool own = false;
    for (const auto& task : tasks) {
      own = own || name == "task_embeddings." + task || starts_with(name, "adapters." + task + ".");
    }
    item.value().set_requires_grad(own);
  }
}

std::vector<std::pair<std::string, at::Tensor>> PeftModel::named_parameters() const {
  std::vector<std::pair<std::string, at::Tensor>> out;
  for (const auto& item : backbone_->named_parameters()) out.emplace_back(item.key(), item.value());
  for (const auto& item : peft_->named_parameters()) {
    out.emplace_back(kPeftPrefix + item.key(), item.value());
  }
  return out;
}

std::vector<std::pair<std::string, at::Tensor>> PeftModel::named_trainable_parameters() const {
  auto all = named_parameters();
  std::erase_if(all, [](const auto& item) { return !item.second.requires_grad(); });
  return all;
}

std::vector<at::Tensor> PeftModel::trainable_parameters() const {
  std::vector<at::Tensor> out;
  for (auto& item : named_trainable_parameters()) out.push_back(item.second);
  return out;
}

std::vector<std::pair<std::string, at::Tensor>> PeftModel::named_saved_parameters() const {
  auto all = named_parameters();
  std::erase_if(all, [this](const auto& item) {
    return !starts_with(item.first, kPeftPrefix) && !trains_backbone_parameter(item.first);
  });
  return all;
}

void PeftModel::invalidate_generated() {
  if (hook_) hook_->invalidate();
}

}  // namespace hwb
