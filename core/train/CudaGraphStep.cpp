#include "core/train/CudaGraphStep.h"

#include "core/util/Error.h"

#ifdef HWB_WITH_CUDA
#include <ATen/cuda/CUDAGraph.h>
#include <c10/cuda/CUDAFunctions.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#endif

namespace hwb {

struct CudaGraphStep::Impl {
  std::function<at::Tensor()> step;
  int warmup = 3;
  bool captured = false;
  at::Tensor output;
#ifdef HWB_WITH_CUDA
  at::cuda::CUDAGraph graph;
#endif
};

CudaGraphStep::CudaGraphStep(std::function<at::Tensor()> step, int warmup)
    : impl_(std::make_unique<Impl>()) {
  if (!available()) throw Error("CudaGraphStep needs a LibTorch built with CUDA");
  if (warmup < 1) throw Error("CudaGraphStep: at least one warm-up step runs before capture");
  impl_->step = std::move(step);
  impl_->warmup = warmup;
}

CudaGraphStep::~CudaGraphStep() = default;

bool CudaGraphStep::captured() const {
  return impl_->captured;
}

bool CudaGraphStep::available() {
#ifdef HWB_WITH_CUDA
  return true;
#else
  return false;
#endif
}

at::Tensor CudaGraphStep::run() {
#ifdef HWB_WITH_CUDA
  if (!impl_->captured) {
    // Capture cannot run on the legacy default stream; warm-up runs on the same side stream so
    // the autograd engine and the allocator have seen it.
    c10::cuda::device_synchronize();
    const c10::cuda::CUDAStream side = c10::cuda::getStreamFromPool();
    {
      const c10::cuda::CUDAStreamGuard guard(side);
      for (int i = 0; i < impl_->warmup; ++i) impl_->step();
      side.synchronize();
      impl_->graph.capture_begin();
      impl_->output = impl_->step();
      impl_->graph.capture_end();
    }
    c10::cuda::device_synchronize();
    impl_->captured = true;
  }
  impl_->graph.replay();
  return impl_->output;
#else
  throw Error("CudaGraphStep needs a LibTorch built with CUDA");
#endif
}

}  // namespace hwb
