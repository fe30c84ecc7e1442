#include "core/peft/MultiTaskAdapterHook.h"

#include <ATen/ATen.h>
#include <c10/core/DispatchKeySet.h>
#include <c10/core/impl/LocalDispatchKeySet.h>

#include <cstdint>

#include "core/model/Autocast.h"
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

int64_t MultiTaskAdapterHook::parameter_version() {
  if (parameters_.empty() || parameters_tasks_ != module_->tasks().size()) {
    parameters_ = module_->parameters();
    parameters_tasks_ = module_->tasks().size();
  }
  // Every in-place write bumps a tensor's version counter; set_data (a move to another device)
  // changes the storage; adding a task changes the count; invalidate() changes the epoch.
  uint64_t h = static_cast<uint64_t>(epoch_) * 1000003u + parameters_.size();
  for (const at::Tensor& p : parameters_) {
    h = h * 1000003u + static_cast<uint64_t>(p._version());
    h = h * 1000003u + reinterpret_cast<uintptr_t>(p.data_ptr());
  }
  return static_cast<int64_t>(h >> 1);
}

const TaskAdapters& MultiTaskAdapterHook::cached(const std::string& task) {
  const int64_t version = parameter_version();
  const c10::ScalarType dtype =
      cuda_autocast_active() ? cuda_autocast_compute_dtype() : c10::ScalarType::Undefined;
  Entry& entry = cache_[task];
  if (entry.version != version || entry.dtype != dtype) {
    at::NoGradGuard no_grad;
    entry.adapters = generate(module_, task);
    entry.version = version;
    entry.dtype = dtype;
    ++generations_;
    if (dtype != c10::ScalarType::Undefined) {
      auto cast = [dtype](at::Tensor& t) {
        if (t.defined() && t.is_cuda()) t = t.to(dtype);
      };
      for (AdapterWeights& w : entry.adapters.sites) {
        for (at::Tensor* t : {&w.down, &w.down_bias, &w.up, &w.up_bias, &w.pre_weight, &w.pre_bias,
                              &w.post_weight, &w.post_bias}) {
          cast(*t);
        }
      }
    }
  }
  return entry.adapters;
}

const TaskAdapters& MultiTaskAdapterHook::generate_live(const std::string& task) {
  live_.adapters = generate(module_, task);
  live_.version = parameter_version();
  ++generations_;
  return live_.adapters;
}

const TaskAdapters& MultiTaskAdapterHook::adapters(const std::string& task) {
  if (!at::GradMode::is_enabled()) return cached(task);
  current_ = nullptr;  // the live weights are replaced under a running pass
  return generate_live(task);
}

at::Tensor MultiTaskAdapterHook::apply(const at::Tensor& y, StackKind stack, int64_t layer,
                                       SublayerKind where) {
  // y: [batch, seq, d_model]
  const int64_t index = module_->site_index(stack, layer, where);
  if (index < 0) return y;
  // Block 0 starts every stack pass (an encoder call, a decoding step): the parameters are
  // checked there, not at every site.
  const bool pass_start = layer == 0;
  const bool stale = !current_ || current_task_ != task_;
  if (!at::GradMode::is_enabled()) {
    if (current_live_) live_ = Entry{};  // a finished training pass's graph is not kept alive
    if (pass_start || stale || current_live_) {
      current_ = &cached(task_);
      current_live_ = false;
      current_task_ = task_;
    }
  } else {
    // The model's first site starts a forward pass: its weights need a graph of their own for
    // this pass's backward, and each optimiser step changes them.
    const bool new_forward = pass_start && where == SublayerKind::kSelfAttention &&
                             stack == module_->sites().front().stack;
    if (new_forward || stale || !current_live_ ||
        (pass_start && live_.version != parameter_version())) {
      current_ = &generate_live(task_);
      current_live_ = true;
      current_task_ = task_;
    }
  }
  return apply_adapter(y, current_->sites[static_cast<std::size_t>(index)], activation_);
}

void MultiTaskAdapterHook::invalidate() {
  ++epoch_;
  cache_.clear();
  live_ = Entry{};
  current_ = nullptr;
  current_live_ = false;
  parameters_.clear();
}

}  // namespace hwb
