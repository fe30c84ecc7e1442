#pragma once

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/model/Generation.h"
#include "core/model/T5Model.h"
#include "core/peft/MultiTaskAdapterHook.h"
#include "core/peft/PeftConfig.h"
#include "core/peft/PeftModule.h"

namespace hwb {

// A T5 backbone with one variant of METHOD.md section 3 on it: the PEFT module, its adapter hook
// installed on the backbone, and the freezing the variant prescribes.
//
// Parameter names: the backbone's own (Hugging Face checkpoint keys) and "peft." + the PEFT
// module's (see PeftModule, HyperNetwork).
//
// Freezing (apply_freezing, done on construction):
// - full_finetune: every backbone parameter trains (with tied embeddings the LM head is the shared
//   embedding, which trains too).
// - every other variant: the backbone is frozen except its layer norms (unfreeze_layer_norms),
//   the LM head (train_lm_head; the shared embedding when tied) and the parameters named by
//   train_backbone_matching; every PEFT parameter trains.
class PeftModel {
 public:
  // Installs the adapter hook on `backbone` (replacing any other). `seed` draws the PEFT
  // parameters.
  PeftModel(T5Model backbone, const PeftConfig& config, uint64_t seed = 0);

  T5Model& backbone() { return backbone_; }
  PeftModule& peft() { return peft_; }
  const PeftConfig& config() const { return peft_->config(); }
  // Null for full fine-tuning.
  const std::shared_ptr<MultiTaskAdapterHook>& hook() const { return hook_; }

  // The task of the coming batches; throws for an unknown task.
  void set_task(const std::string& task);
  // A teacher-forced pass on one task's batch.
  Seq2SeqOutput forward(const std::string& task, const at::Tensor& input_ids,
                        const at::Tensor& attention_mask, const at::Tensor& labels,
                        const LossOptions& loss = {});
  // Greedy generation for one task's batch (adapters generated once and cached).
  at::Tensor generate(const std::string& task, const at::Tensor& input_ids,
                      const at::Tensor& attention_mask, const GenerateOptions& options = {});

  void train(bool on = true);
  void eval() { train(false); }
  void to(const c10::Device& device);

  // Sets requires_grad as the variant prescribes (see above).
  void apply_freezing();
  // Whether the variant trains this backbone parameter (by its checkpoint name).
  bool trains_backbone_parameter(const std::string& name) const;

  // Adds a task to a trained multi-task model: a task embedding for the hypernetwork variants, a
  // new adapter set for Adapters†. Call train_only_tasks({task}) to learn only it, and give the
  // optimiser the new parameters.
  void add_task(const std::string& task, uint64_t seed);
  // Freezes everything except the parameters that belong to these tasks alone (their task
  // embeddings, or their adapter sets).
  void train_only_tasks(const std::vector<std::string>& tasks);

  // All parameters, backbone then "peft.*"; with tied embeddings "shared.weight" appears once.
  std::vector<std::pair<std::string, at::Tensor>> named_parameters() const;
  std::vector<std::pair<std::string, at::Tensor>> named_trainable_parameters() const;
  // What an optimiser gets.
  std::vector<at::Tensor> trainable_parameters() const;
  // The parameters a saved adapter set holds: every PEFT parameter and the backbone parameters
  // the variant trains, named as above.
  std::vector<std::pair<std::string, at::Tensor>> named_saved_parameters() const;

  // Drops cached generated weights (automatic after in-place parameter changes; see
  // MultiTaskAdapterHook).
  void invalidate_generated();

 private:
  T5Model backbone_;
  PeftModule peft_;
  std::shared_ptr<MultiTaskAdapterHook> hook_;
};

// The name prefix of the PEFT module's parameters.
inline constexpr const char* kPeftPrefix = "peft.";

}  // namespace hwb
