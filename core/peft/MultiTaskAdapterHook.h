#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/model/AdapterHook.h"
#include "core/peft/Adapter.h"
#include "core/peft/PeftModule.h"

namespace hwb {

// The AdapterHook of every adapter variant: applies the current task's adapter at each site.
//
// Generated weights depend only on (task, layer, position) (METHOD.md section 4), so they are
// generated for all sites at once, never per example or per site:
// - With autograd on (training), once per forward pass: at the model's first adapter site, or
//   when the task changes, the current task's weights are generated afresh with their graph,
//   so the backward pass reaches the hypernetwork and each step sees the updated hypernetwork.
// - Without autograd (evaluation, generation), once per task, then cached. A cache entry is
//   dropped when any PEFT parameter changes in place (an optimiser step, a checkpoint load: the
//   tensors' version counters move), when invalidate() is called, or when a task is added.
//   Code that writes parameters through .data() bypasses the version counters and must call
//   invalidate().
class MultiTaskAdapterHook : public AdapterHook {
 public:
  MultiTaskAdapterHook(PeftModule module, AdapterActivation activation);

  // The task of the coming batches (a batch holds one task). Throws for an unknown task.
  void set_task(const std::string& task);
  const std::string& task() const { return task_; }

  at::Tensor apply(const at::Tensor& y, StackKind stack, int64_t layer,
                   SublayerKind where) override;

  // The weights apply() uses for `task` now (cached or generated under the current grad mode).
  const TaskAdapters& adapters(const std::string& task);

  // Forgets every generated weight; the next apply() generates again.
  void invalidate();

  // How many times weights were generated (or plain weights gathered) so far; for tests and
  // diagnostics.
  int64_t generation_count() const { return generations_; }

 private:
  struct Entry {
    TaskAdapters adapters;
    int64_t version = -1;
    // Under CUDA autocast the cached weights are kept in its compute dtype: apply_adapter would
    // otherwise convert six tensors per site at every decoding step.
    c10::ScalarType dtype = c10::ScalarType::Undefined;
  };

  // A fingerprint of the PEFT parameters: changes when one is modified in place, moved, or added.
  int64_t parameter_version();
  // The task's no-grad weights, regenerated when the fingerprint moved.
  const TaskAdapters& cached(const std::string& task);
  // The task's weights generated now, with autograd.
  const TaskAdapters& generate_live(const std::string& task);

  PeftModule module_;
  AdapterActivation activation_;
  std::string task_;
  std::map<std::string, Entry> cache_;  // no-grad generations, per task
  Entry live_;                          // the current forward's generation, with autograd
  // What the sites of the current stack pass use: checked at block 0 (where every encoder call
  // and every decoding step starts), not at every site.
  const TaskAdapters* current_ = nullptr;
  bool current_live_ = false;
  std::string current_task_;
  std::vector<at::Tensor> parameters_;  // the module's, refreshed when a task is added
  std::size_t parameters_tasks_ = 0;
  int64_t generations_ = 0;
  int64_t epoch_ = 0;  // bumped by invalidate()
};

}  // namespace hwb
