#pragma once

#include <ATen/core/Tensor.h>

#include <functional>
#include <memory>

namespace hwb {

// Runs a whole training step (forward, backward, clipping, optimiser) as one CUDA graph: the
// first run() executes the step `warmup` times on a side stream (so lazily created state such as
// cuBLAS handles, optimiser moments and the optimiser's device step counter exists before
// capture), then captures it once and replays it; every later run() is one replay, so the host
// launches one graph instead of thousands of kernels.
//
// The step must be free of host synchronisation and host-side decisions that change between
// steps: inputs are read from tensors the caller refills in place (copy_) before each run(), the
// learning rate is a device tensor (AdamW::step(const at::Tensor&)), and the shapes stay fixed.
// run() returns the tensor the step returned at capture, rewritten by each replay (copy it to keep
// a value). Only with a CUDA LibTorch (HWB_WITH_CUDA); elsewhere the constructor throws.
class CudaGraphStep {
 public:
  explicit CudaGraphStep(std::function<at::Tensor()> step, int warmup = 3);
  ~CudaGraphStep();
  CudaGraphStep(const CudaGraphStep&) = delete;
  CudaGraphStep& operator=(const CudaGraphStep&) = delete;

  at::Tensor run();
  bool captured() const;

  // Whether this build can capture graphs at all.
  static bool available();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hwb
