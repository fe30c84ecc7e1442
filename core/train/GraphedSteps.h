#pragma once

#include <ATen/core/Tensor.h>

#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "core/train/BatchTensors.h"

namespace hwb {

// The Trainer's optimiser step as CUDA graphs, one per task and batch shape: the host launches one
// graph per step instead of thousands of kernels (an eager step of T5-base is host-bound at about
// 11 steps/s). The first step of a task and shape runs eagerly (it is the warm-up capture needs:
// cuBLAS, the optimiser's device state), the second is captured and then replayed, and every later
// one is a replay. All graphs share one memory pool: they replay one after the other on one
// stream, so their temporaries can overlap. Batches must come in few shapes (LengthBuckets); past
// `max_graphs` new shapes run eagerly.
//
// `step(task, inputs)` must be one whole step with no host synchronisation and nothing decided on
// the host that changes between steps (the learning rate a device tensor the caller refills). It
// returns a tensor of what the step reports (loss and gradient norm; or, for evaluation, the
// generated ids of a fixed-length greedy decoding, with inputs that carry no labels).
class GraphedSteps {
 public:
  using Step = std::function<at::Tensor(const std::string& task, const BatchTensors& inputs)>;

  GraphedSteps(Step step, std::size_t max_graphs);
  ~GraphedSteps();
  GraphedSteps(const GraphedSteps&) = delete;
  GraphedSteps& operator=(const GraphedSteps&) = delete;

  struct Result {
    at::Tensor output;      // the step's report; a replay's is rewritten by the next replay
    bool replayed = false;  // false: the step ran eagerly (first of its shape, or no room left)
  };
  Result run(const std::string& task, const BatchTensors& batch);

  std::size_t graph_count() const;
  // Whether this build can capture CUDA graphs at all (a CUDA LibTorch).
  static bool available();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hwb
