#pragma once

#include <ATen/core/Tensor.h>

#include <string>
#include <utility>
#include <vector>

namespace hwb {

// AdamW (decoupled weight decay, bias-corrected moments) over named parameters. Our own rather than
// torch::optim's so that its state is plain named tensors: a checkpoint stores them in safetensors
// the same way under LibTorch 1.13 and 2.x, and resume restores them exactly.
class AdamW {
 public:
  struct Options {
    double beta1 = 0.9;
    double beta2 = 0.999;
    double eps = 1e-8;
    double weight_decay = 0.0;
    // On CUDA with LibTorch 2.4 or later: step(const at::Tensor&) and clip_grad_norm as
    // multi-tensor kernels (a few launches for all parameters instead of about ten per parameter,
    // one pass over each state tensor instead of several). Same arithmetic; off for comparison.
    bool fused = true;
  };

  AdamW(std::vector<std::pair<std::string, at::Tensor>> parameters, Options options);

  // One update with learning rate `lr` from the parameters' .grad(); parameters without a
  // gradient are left alone.
  void step(double lr);
  // The same update with the learning rate as a 0-dim tensor on the parameters' device and the
  // step count kept on the device: no value comes from the host, so the call can be captured in a
  // CUDA graph and replayed (each replay counts a step on the device, a capture none).
  // The first call must not be inside a capture (it creates the device step counter).
  void step(const at::Tensor& lr);
  void zero_grad();
  // Steps taken, for checkpoints: the device's count once step(const at::Tensor&) has run (a
  // synchronisation then), since only the device sees graph replays.
  int64_t steps_taken() const;

  // Scales all gradients so their joint L2 norm is at most max_norm; returns the norm before
  // scaling as a 0-dim tensor (no host synchronisation).
  at::Tensor clip_grad_norm(double max_norm);

  // "<name>.exp_avg" / "<name>.exp_avg_sq" for every parameter, for checkpoints.
  std::vector<std::pair<std::string, at::Tensor>> state() const;
  // Restores moments by those names and the step count; throws hwb::Error listing missing names.
  void load_state(const std::vector<std::pair<std::string, at::Tensor>>& tensors, int64_t steps);

 private:
  struct Slot {
    std::string name;
    at::Tensor param, exp_avg, exp_avg_sq;
  };
  // Whether the multi-tensor kernels take this update: fused on, a CUDA parameter, and every
  // gradient fp32 like its parameter (what autocast leaves for fp32 parameters).
  bool use_fused() const;
  std::vector<Slot> slots_;
  Options options_;
  int64_t steps_ = 0;
  at::Tensor device_steps_;  // float 0-dim, for step(const at::Tensor&)
};

}  // namespace hwb
