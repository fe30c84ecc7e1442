#include "core/train/CudaGraphStep.h"

#include "core/util/Error.h"

#include <map>
#include <mutex>

#ifdef HWB_WITH_CUDA
#include <ATen/cuda/CUDAGraph.h>
#include <c10/cuda/CUDAFunctions.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#endif

namespace hwb {

#ifdef HWB_WITH_CUDA
namespace {

// One capture stream per device for the whole process.
c10::cuda::CUDAStream capture_stream() {
  static std::mutex mutex;
  static std::map<c10::DeviceIndex, c10::cuda::CUDAStream> streams;
  const c10::DeviceIndex device = c10::cuda::current_device();
  std::lock_guard lock(mutex);
  auto it = streams.find(device);
  if (it == streams.end()) {
    it = streams.emplace(device, c10::cuda::getStreamFromPool(false, device)).first;
  }
  return it->second;
}

}  // namespace
#endif

struct CudaGraphStep::Impl {
  std::function<at::Tensor()> step;
  int warmup = 3;
  std::optional<PoolId> pool;
  bool captured = false;
  at::Tensor output;
#ifdef HWB_WITH_CUDA
  at::cuda::CUDAGraph graph;
#endif
};

CudaGraphStep::PoolId CudaGraphStep::new_pool() {
#ifdef HWB_WITH_CUDA
  return at::cuda::graph_pool_handle();
#else
  throw Error("CudaGraphStep needs a LibTorch built with CUDA");
#endif
}

CudaGraphStep::CudaGraphStep(std::function<at::Tensor()> step, int warmup,
                             std::optional<PoolId> pool)
    : impl_(std::make_unique<Impl>()) {
  if (!available()) throw Error("CudaGraphStep needs a LibTorch built with CUDA");
  if (warmup < 0) throw Error("CudaGraphStep: a negative number of warm-up steps");
  impl_->step = std::move(step);
  impl_->warmup = warmup;
  impl_->pool = pool;
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
    const c10::cuda::CUDAStream side = capture_stream();
    {
      const c10::cuda::CUDAStreamGuard guard(side);
      for (int i = 0; i < impl_->warmup; ++i) impl_->step();
      side.synchronize();
      impl_->graph.capture_begin(impl_->pool.value_or(PoolId{0, 0}));  // {0, 0}: a pool of its own
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
