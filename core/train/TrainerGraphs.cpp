#include "core/train/TrainerGraphs.h"

#include <ATen/ATen.h>

#include "core/model/Autocast.h"
#include "core/model/Generation.h"
#include "core/peft/PeftModel.h"
#include "core/train/OptimizerStep.h"

namespace hwb {

std::unique_ptr<GraphedSteps> graphed_training_steps(OptimizerStep& step, const at::Tensor& lr,
                                                     std::size_t max_graphs) {
  return std::make_unique<GraphedSteps>(
      [&step, lr](const std::string& task, const BatchTensors& t) { return step.run(task, t, lr); },
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
