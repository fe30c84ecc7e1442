#pragma once

#include <ATen/core/Tensor.h>

#include <functional>
#include <memory>
#include <optional>
#include <utility>

namespace hwb {

// Runs a whole training step (forward, backward, clipping, optimiser) as one CUDA graph: the
// first run() executes the step `warmup` times on the capture stream (so lazily created state such
// as cuBLAS handles, optimiser moments and the optimiser's device step counter exists before
// capture; 0 when the caller has already run the step eagerly), then captures it once and replays
// it; every later run() is one replay, so the host launches one graph instead of thousands of
// kernels. Captures happen on one side stream of the process's (a cuBLAS workspace is made per
// stream), replays on the caller's current stream.
//
// The step must be free of host synchronisation and host-side decisions that change between
// steps: inputs are read from tensors the caller refills in place (copy_) before each run(), the
// learning rate is a device tensor (AdamW::step(const at::Tensor&)), and the shapes stay fixed.
// run() returns the tensor the step returned at capture, rewritten by each replay (copy it to keep
// a value). Only with a CUDA LibTorch (HWB_WITH_CUDA); elsewhere the constructor throws.
class CudaGraphStep {
 public:
  // A memory pool several graphs can share, when they never replay at the same time (one stream):
  // each graph's temporaries reuse what the others' use, so N shapes do not cost N times the
  // activations.
  using PoolId = std::pair<unsigned long long, unsigned long long>;
  static PoolId new_pool();

  explicit CudaGraphStep(std::function<at::Tensor()> step, int warmup = 3,
                         std::optional<PoolId> pool = std::nullopt);
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
