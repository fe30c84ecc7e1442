#include "core/model/Autocast.h"

#include <ATen/autocast_mode.h>
#include <torch/version.h>

// LibTorch 2.4 replaced the per-backend autocast functions with device-typed ones; Debian ships
// 1.13, the GPU machine 2.11.
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
#define HWB_AUTOCAST_DEVICE_API 1
#endif

namespace hwb {
namespace {

bool cuda_autocast_enabled() {
#ifdef HWB_AUTOCAST_DEVICE_API
  return at::autocast::is_autocast_enabled(at::kCUDA);
#else
  return at::autocast::is_enabled();
#endif
}

c10::ScalarType cuda_autocast_dtype() {
#ifdef HWB_AUTOCAST_DEVICE_API
  return at::autocast::get_autocast_dtype(at::kCUDA);
#else
  return at::autocast::get_autocast_gpu_dtype();
#endif
}

void set_cuda_autocast(bool enabled, c10::ScalarType dtype) {
#ifdef HWB_AUTOCAST_DEVICE_API
  at::autocast::set_autocast_enabled(at::kCUDA, enabled);
  at::autocast::set_autocast_dtype(at::kCUDA, dtype);
#else
  at::autocast::set_enabled(enabled);
  at::autocast::set_autocast_gpu_dtype(dtype);
#endif
}

}  // namespace

bool cuda_autocast_active() {
  return cuda_autocast_enabled();
}
c10::ScalarType cuda_autocast_compute_dtype() {
  return cuda_autocast_dtype();
}

at::Tensor autocast_operand(const at::Tensor& x) {
  if (!x.is_cuda() || x.scalar_type() != at::kFloat || !cuda_autocast_enabled()) return x;
  return x.to(cuda_autocast_dtype());
}

CudaAutocastGuard::CudaAutocastGuard(bool enabled, c10::ScalarType dtype) : active_(enabled) {
  if (!active_) return;
  previous_enabled_ = cuda_autocast_enabled();
  previous_dtype_ = cuda_autocast_dtype();
  set_cuda_autocast(true, dtype);
  at::autocast::increment_nesting();
}

CudaAutocastGuard::~CudaAutocastGuard() {
  if (!active_) return;
  // Leaving the outermost autocast region frees the cached bf16 copies of the weights.
  if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
  set_cuda_autocast(previous_enabled_, previous_dtype_);
}

}  // namespace hwb
