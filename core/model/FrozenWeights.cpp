#include "core/model/FrozenWeights.h"

#include <torch/nn/modules/linear.h>

namespace hwb {

int64_t store_frozen_linear_weights(torch::nn::Module& root, c10::ScalarType dtype) {
  at::NoGradGuard no_grad;
  int64_t saved = 0;
  for (const auto& module : root.modules()) {
    auto* linear = module->as<torch::nn::LinearImpl>();
    if (linear == nullptr) continue;
    at::Tensor& weight = linear->weight;
    if (weight.requires_grad() || weight.scalar_type() == dtype) continue;
    const int64_t before = weight.numel() * static_cast<int64_t>(weight.element_size());
    weight.set_data(weight.to(dtype));
    saved += before - weight.numel() * static_cast<int64_t>(weight.element_size());
  }
  return saved;
}

}  // namespace hwb
