#pragma once

#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

namespace hwb {

// T5's RMS norm: x * rsqrt(mean(x^2) + eps) * weight, no mean subtraction and no bias, computed in
// fp32 whatever the input dtype (as transformers does).
class T5LayerNormImpl : public torch::nn::Module {
 public:
  T5LayerNormImpl(int64_t d_model, double eps);
  at::Tensor forward(const at::Tensor& x);

  at::Tensor weight;

 private:
  double eps_;
};
TORCH_MODULE(T5LayerNorm);

}  // namespace hwb
