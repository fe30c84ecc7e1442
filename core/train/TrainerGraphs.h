#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "core/model/T5Model.h"
#include "core/train/GraphedSteps.h"

namespace hwb {

class OptimizerStep;
class PeftModel;

// The Trainer's two kinds of CUDA graphs (training.cuda_graphs), as GraphedSteps.

// OptimizerStep::run on one batch, its learning rate read from `lr` (a 0-dim device tensor the
// caller refills before each step); each run returns [loss, gradient norm before clipping].
std::unique_ptr<GraphedSteps> graphed_training_steps(OptimizerStep& step, const at::Tensor& lr,
                                                     std::size_t max_graphs);

// Evaluation's greedy decoding of `new_tokens[task]` tokens, finished rows padded (the text of a
// decoding that leaves early). Inputs carry no labels; each run returns the generated ids.
std::unique_ptr<GraphedSteps> graphed_decoding(PeftModel& model,
                                               std::map<std::string, int64_t> new_tokens, bool bf16,
                                               std::size_t max_graphs);

}  // namespace hwb
