#include "core/peft/MultiTaskAdapterHook.h"

#include <ATen/ATen.h>
#include <c10/core/DispatchKeySet.h>
#include <c10/core/impl/LocalDispatchKeySet.h>

#include <cstdint>

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

namespace {

// The weights are generated in the parameters' own precision even under autocast: they are
// computed once per batch from a few small products, and bf16 would round every generated weight.
TaskAdapters generate(PeftModule& module, const std::string& task) {
  const c10::impl::ExcludeDispatchKeyGuard no_autocast(c10::autocast_dispatch_keyset);
  return module->task_adapters(task);
}

}  // namespace

int64_t MultiTaskAdapterHook::parameter_version() const {
  // Every in-place write bumps a tensor's version counter; set_data (a move to another device)
  // changes the storage; adding a task changes the count; invalidate() changes the epoch.
  uint64_t h = static_cast<uint64_t>(epoch_);
  for (const at::Tensor& p : module_->parameters()) {
    h = h * 1000003u + static_cast<uint64_t>(p._version());
    h = h * 1000003u + reinterpret_cast<uintptr_t>(p.data_ptr());
  }
  return static_cast<int64_t>(h >> 1);
}

const TaskAdapters& MultiTaskAdapterHook::cached(const std::string& task) {
  const int64_t version = parameter_version();
  Entry& entry = cache_[task];
  if (entry.version != version) {
    at::NoGradGuard no_grad;
    entry.adapters = generate(module_, task);
    entry.version = version;
    ++generations_;
  }
  return entry.adapters;
}

const TaskAdapters& MultiTaskAdapterHook::fresh(const std::string& task, bool new_forward) {
  if (new_forward || live_task_ != task || live_.version != parameter_version()) {
    live_.adapters = generate(module_, task);
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
