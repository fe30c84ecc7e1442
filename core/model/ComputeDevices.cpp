#include "core/model/ComputeDevices.h"

#include <ATen/Context.h>
#include <dlfcn.h>

#include <cstddef>

namespace hwb {
namespace {

// The few CUDA driver calls that name a GPU and size its memory. The driver library comes with
// the NVIDIA driver itself, so this works with any LibTorch build and needs no CUDA headers;
// ordinals follow CUDA_VISIBLE_DEVICES as LibTorch's do.
class CudaDriver {
 public:
  CudaDriver() {
    handle_ = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
    if (!handle_) return;
    init_ = reinterpret_cast<InitFn>(dlsym(handle_, "cuInit"));
    get_ = reinterpret_cast<GetFn>(dlsym(handle_, "cuDeviceGet"));
    name_ = reinterpret_cast<NameFn>(dlsym(handle_, "cuDeviceGetName"));
    memory_ = reinterpret_cast<MemoryFn>(dlsym(handle_, "cuDeviceTotalMem_v2"));
    ok_ = init_ && get_ && name_ && memory_ && init_(0) == 0;
  }
  ~CudaDriver() {
    if (handle_) dlclose(handle_);
  }
  CudaDriver(const CudaDriver&) = delete;
  CudaDriver& operator=(const CudaDriver&) = delete;

  // Fills name and memory of GPU `ordinal`; false when the driver could not say.
  bool describe(int ordinal, ComputeDevice& device) const {
    int handle = 0;
    if (!ok_ || get_(&handle, ordinal) != 0) return false;
    char name[256] = {};
    std::size_t bytes = 0;
    if (name_(name, sizeof name, handle) != 0 || memory_(&bytes, handle) != 0) return false;
    device.name = name;
    device.memory_bytes = static_cast<int64_t>(bytes);
    return true;
  }

 private:
  using InitFn = int (*)(unsigned);
  using GetFn = int (*)(int*, int);
  using NameFn = int (*)(char*, int, int);
  using MemoryFn = int (*)(std::size_t*, int);

  void* handle_ = nullptr;
  InitFn init_ = nullptr;
  GetFn get_ = nullptr;
  NameFn name_ = nullptr;
  MemoryFn memory_ = nullptr;
  bool ok_ = false;
};

}  // namespace

std::vector<ComputeDevice> detect_compute_devices() {
  std::vector<ComputeDevice> devices{{"cpu", "CPU", 0}};
  if (!at::hasCUDA()) return devices;
  const CudaDriver driver;
  const int gpus = static_cast<int>(at::getNumGPUs());
  for (int i = 0; i < gpus; ++i) {
    ComputeDevice gpu{"cuda:" + std::to_string(i), "CUDA GPU " + std::to_string(i), 0};
    driver.describe(i, gpu);
    devices.push_back(gpu);
  }
  return devices;
}

}  // namespace hwb
