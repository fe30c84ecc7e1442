#pragma once

#include <c10/core/ScalarType.h>

namespace hwb {

// Enables CUDA autocast to `dtype` (bf16 by default) for the guard's lifetime and restores the
// previous state after. Matrix products then run in bf16 while norms, softmax and the loss stay in
// fp32 (LibTorch's autocast op lists). Does nothing when `enabled` is false.
// Whether CUDA autocast is on in this thread, and the dtype it computes matrix products in.
bool cuda_autocast_active();
c10::ScalarType cuda_autocast_compute_dtype();

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
