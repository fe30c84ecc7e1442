#pragma once

#include <ATen/core/Tensor.h>

#include <string>

#include "core/model/T5Model.h"
#include "core/train/BatchTensors.h"

namespace hwb {

class AdamW;
class PeftModel;

// The one optimiser step of this project: clear the gradients, forward (under bf16 autocast when
// asked) and backward over one or more batches, clip the joint gradient norm, AdamW, and drop the
// adapters the hypernetworks generated from the old weights. The Trainer's eager and CUDA-graph
// steps, the selftest and the GPU benchmark all run this class, so what they check or time is the
// step training takes (docs/ARCHITECTURE.md, "Training").
//
// Between accumulate() and finish() a data-parallel run averages the gradients over its ranks;
// nothing else may come between them.
class OptimizerStep {
 public:
  struct Options {
    LossOptions loss;
    double max_grad_norm = 1.0;  // 0: no clipping (the norm is still reported)
    bool bf16 = false;           // CUDA bf16 autocast around the forward pass
  };

  OptimizerStep(PeftModel& model, AdamW& optimizer, Options options);

  // Starts a step: every trainable parameter's gradient cleared.
  void begin();
  // One batch's forward and backward; the backward pass sees the loss times `backward_scale`
  // (1 / gradient-accumulation batches, a data-parallel rank's share). Returns the batch's
  // unscaled loss, detached.
  at::Tensor accumulate(const std::string& task, const BatchTensors& batch,
                        double backward_scale = 1.0);
  // Clips, updates with learning rate `lr` and drops the generated adapters; returns the gradient
  // norm before clipping (0-dim, on the parameters' device, no host synchronisation).
  at::Tensor finish(double lr);
  // The same with the learning rate a 0-dim device tensor: capturable in a CUDA graph.
  at::Tensor finish(const at::Tensor& lr);

  // begin, accumulate and finish on one batch: one whole step, capturable in a CUDA graph.
  // Returns [loss, gradient norm before clipping] as a float tensor on the device.
  at::Tensor run(const std::string& task, const BatchTensors& batch, const at::Tensor& lr);

  const Options& options() const { return options_; }

 private:
  template <typename LearningRate>
  at::Tensor finish_with(const LearningRate& lr);

  PeftModel& model_;
  AdamW& optimizer_;
  Options options_;
};

}  // namespace hwb
