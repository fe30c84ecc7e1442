#include "core/peft/MultiTaskAdapterHook.h"

#include <ATen/ATen.h>

#include "core/util/Error.h"

namespace hwb {

MultiTaskAdapterHook::MultiTaskAdapterHook(PeftModule module, AdapterActivation activation)
    : module_(std::move(module)), activation_(activation) {
  if (!module_->tasks().empty()) task_ = module_->tasks().front();
}

void MultiTaskAdapterHook::set_task(const std::string& task) {
  if (!module_->has_task(task)) {
    std::string known;
    for (const auto& t : module_->tasks()) known += (known.empty() ? "" : ", ") + t;
    throw Error("Task '" + task + "' is not one of this model's tasks (" + known + ")");
  }
  task_ = task;
}

int64_t MultiTaskAdapterHook::parameter_version() const {
  // Every in-place write bumps a tensor's version counter, so the sum moves on any change; the
  // count of parameters moves it when a task is added; the epoch when invalidate() is called.
  int64_t version = epoch_;
  for (const at::Tensor& p : module_->parameters()) version += p._version() + 1;
  return version;
}

const TaskAdapters& MultiTaskAdapterHook::cached(const std::string& task) {
  const int64_t version = parameter_version();
  Entry& entry = cache_[task];
  if (entry.version != version) {
    at::NoGradGuard no_grad;
    entry.adapters = module_->task_adapters(task);
    entry.version = version;
    ++generations_;
  }
  return entry.adapters;
}

const TaskAdapters& MultiTaskAdapterHook::fresh(const std::string& task, bool new_forward) {
  if (new_forward || live_task_ != task || live_.version != parameter_version()) {
    live_.adapters = module_->task_adapters(task);
    live_.version = parameter_version();
    live_task_ = task;
    ++generations_;
  }
  return live_.adapters;
}

const TaskAdapters& MultiTaskAdapterHook::adapters(const std::string& task) {
  if (!at::GradMode::is_enabled()) return cached(task);
  return fresh(task, /*new_forward=*/true);
}

at::Tensor MultiTaskAdapterHook::apply(const at::Tensor& y, StackKind stack, int64_t layer,
                                       SublayerKind where) {
  // y: [batch, seq, d_model]
  const int64_t index = module_->site_index(stack, layer, where);
  if (index < 0) return y;
  if (!at::GradMode::is_enabled()) {
    live_ = Entry{};  // a finished training forward's graph is not kept alive
    live_task_.clear();
    return apply_adapter(y, cached(task_).sites[index], activation_);
  }
  // The first site in execution order (the first stack's block 0, self-attention) starts a new
  // forward pass: its weights must carry a fresh graph for this pass's backward.
  const AdapterSite& first = module_->sites().front();
  const bool new_forward =
      stack == first.stack && layer == 0 && where == SublayerKind::kSelfAttention;
  return apply_adapter(y, fresh(task_, new_forward).sites[index], activation_);
}

void MultiTaskAdapterHook::invalidate() {
  ++epoch_;
  cache_.clear();
  live_ = Entry{};
  live_task_.clear();
}

}  // namespace hwb
