#pragma once

#include <ATen/core/Tensor.h>
#include <c10/core/ScalarType.h>
#include <c10/core/impl/LocalDispatchKeySet.h>

namespace hwb {

// Enables CUDA autocast to `dtype` (bf16 by default) for the guard's lifetime and restores the
// previous state after. Matrix products then run in bf16 while norms, softmax and the loss stay in
// fp32 (LibTorch's autocast op lists). Does nothing when `enabled` is false.
// Whether CUDA autocast is on in this thread, and the dtype it computes matrix products in.
bool cuda_autocast_active();
c10::ScalarType cuda_autocast_compute_dtype();

// `x` in the dtype CUDA autocast would cast it to for a matrix product, or `x` itself when autocast
// is off or `x` is no fp32 CUDA tensor. Autocast casts an activation again for every product that
// reads it (its cache holds weights only), and the backward of each cast is another full-size copy
// and fp32 add; products sharing an input take it cast once from here.
at::Tensor autocast_operand(const at::Tensor& x);

// Runs the ops in its scope in their inputs' dtypes, autocast or not. For layer norms over bf16
// activations: autocast would upcast their input and output to fp32, two more full-size passes,
// while LibTorch's kernels accumulate half types in fp32 anyway.
class AutocastExcludedGuard {
 public:
  AutocastExcludedGuard() : guard_(c10::autocast_dispatch_keyset) {}

 private:
  c10::impl::ExcludeDispatchKeyGuard guard_;
};

class CudaAutocastGuard {
 public:
  explicit CudaAutocastGuard(bool enabled, c10::ScalarType dtype = c10::kBFloat16);
  ~CudaAutocastGuard();
  CudaAutocastGuard(const CudaAutocastGuard&) = delete;
  CudaAutocastGuard& operator=(const CudaAutocastGuard&) = delete;

 private:
  bool active_ = false;
  bool previous_enabled_ = false;
  c10::ScalarType previous_dtype_ = c10::kHalf;
};

}  // namespace hwb
