#include "core/train/OptimizerStep.h"

#include <ATen/ATen.h>

#include "core/model/Autocast.h"
#include "core/peft/PeftModel.h"
#include "core/train/AdamW.h"

namespace hwb {

OptimizerStep::OptimizerStep(PeftModel& model, AdamW& optimizer, Options options)
    : model_(model), optimizer_(optimizer), options_(options) {}

void OptimizerStep::begin() {
  optimizer_.zero_grad();
}

at::Tensor OptimizerStep::accumulate(const std::string& task, const BatchTensors& batch,
                                     double backward_scale) {
  at::Tensor loss;
  {
    CudaAutocastGuard autocast(options_.bf16);
    loss = model_.forward(task, batch.input_ids, batch.attention_mask, batch.labels, options_.loss)
               .loss;
  }
  (backward_scale == 1.0 ? loss : loss * backward_scale).backward();
  return loss.detach();
}

template <typename LearningRate>
at::Tensor OptimizerStep::finish_with(const LearningRate& lr) {
  const at::Tensor norm = optimizer_.clip_grad_norm(options_.max_grad_norm);
  optimizer_.step(lr);
  model_.invalidate_generated();
  return norm;
}

at::Tensor OptimizerStep::finish(double lr) {
  return finish_with(lr);
}

at::Tensor OptimizerStep::finish(const at::Tensor& lr) {
  return finish_with(lr);
}

at::Tensor OptimizerStep::run(const std::string& task, const BatchTensors& batch,
                              const at::Tensor& lr) {
  begin();
  const at::Tensor loss = accumulate(task, batch);
  const at::Tensor norm = finish(lr);
  return at::stack({loss.to(at::kFloat), norm.to(loss.device()).to(at::kFloat)});
}

}  // namespace hwb
