#include "core/peft/TaskProjector.h"

#include <ATen/ATen.h>

namespace hwb {

TaskProjectorImpl::TaskProjectorImpl(int64_t in, int64_t hidden, int64_t out, bool norm) {
  fc1 = register_module("fc1", torch::nn::Linear(in, hidden));
  fc2 = register_module("fc2", torch::nn::Linear(hidden, out));
  if (norm) {
    layer_norm = register_module(
        "layer_norm",
        torch::nn::LayerNorm(torch::nn::LayerNormOptions({out}).eps(kProjectorLayerNormEps)));
  }
}

at::Tensor TaskProjectorImpl::forward(const at::Tensor& x) {
  at::Tensor h = fc2(at::relu(fc1(x)));
  return layer_norm ? layer_norm(h) : h;
}

}  // namespace hwb
