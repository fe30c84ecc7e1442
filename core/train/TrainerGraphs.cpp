#include "core/train/TrainerGraphs.h"

#include <ATen/ATen.h>

#include "core/model/Autocast.h"
#include "core/model/Generation.h"
#include "core/peft/PeftModel.h"
#include "core/train/AdamW.h"

namespace hwb {

std::unique_ptr<GraphedSteps> graphed_training_steps(PeftModel& model, AdamW& optimizer,
                                                     const at::Tensor& lr, const LossOptions& loss,
                                                     double max_grad_norm, bool bf16,
                                                     std::size_t max_graphs) {
  return std::make_unique<GraphedSteps>(
      [&model, &optimizer, lr, loss, max_grad_norm, bf16](const std::string& task,
                                                          const BatchTensors& t) {
        optimizer.zero_grad();
        at::Tensor value;
        {
          CudaAutocastGuard autocast(bf16);
          value = model.forward(task, t.input_ids, t.attention_mask, t.labels, loss).loss;
        }
        value.backward();
        const at::Tensor norm = optimizer.clip_grad_norm(max_grad_norm);
        optimizer.step(lr);
        model.invalidate_generated();
        return at::stack({value.detach().to(at::kFloat), norm.to(lr.device()).to(at::kFloat)});
      },
      max_graphs);
}

std::unique_ptr<GraphedSteps> graphed_decoding(PeftModel& model,
                                               std::map<std::string, int64_t> new_tokens, bool bf16,
                                               std::size_t max_graphs) {
  return std::make_unique<GraphedSteps>(
      [&model, new_tokens = std::move(new_tokens), bf16](const std::string& task,
                                                         const BatchTensors& t) {
        GenerateOptions gen;
        gen.max_new_tokens = new_tokens.at(task);
        gen.leave_when_done = false;
        // Adapters generated inside the graph, and no cache entry left pointing into it.
        model.invalidate_generated();
        at::Tensor ids;
        {
          CudaAutocastGuard autocast(bf16);
          ids = model.generate(task, t.input_ids, t.attention_mask, gen);
        }
        model.invalidate_generated();
        return ids;
      },
      max_graphs);
}

}  // namespace hwb
