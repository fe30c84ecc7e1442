#include "core/model/DeviceSpec.h"

#include <ATen/Context.h>

#include "core/util/Error.h"

namespace hwb {

c10::Device parse_device(const std::string& text) {
  c10::Device device(c10::kCPU);
  try {
    device = c10::Device(text);
  } catch (const std::exception&) {
    throw Error("Unknown device '" + text + "': use cpu, cuda or cuda:N");
  }
  if (device.is_cuda()) {
    if (!at::hasCUDA()) {
      throw Error("Device '" + text +
                  "' asked for, but this LibTorch has no CUDA or no GPU is visible: use cpu, or "
                  "run on a machine with an NVIDIA GPU and a CUDA build");
    }
    if (device.has_index() && device.index() >= static_cast<int>(at::getNumGPUs())) {
      throw Error("Device '" + text + "' does not exist: " + std::to_string(at::getNumGPUs()) +
                  " GPU(s) visible");
    }
  } else if (!device.is_cpu()) {
    throw Error("Unsupported device '" + text + "': use cpu or cuda");
  }
  return device;
}

}  // namespace hwb

namespace hwb {

std::vector<std::string> available_devices() {
  std::vector<std::string> devices{"cpu"};
  if (at::hasCUDA()) {
    for (int64_t i = 0; i < static_cast<int64_t>(at::getNumGPUs()); ++i) {
      devices.push_back("cuda:" + std::to_string(i));
    }
  }
  return devices;
}

}  // namespace hwb
