#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace hwb {

// A device a run can train on, for pickers (the setup form). Torch-free, so the UI can include it.
struct ComputeDevice {
  std::string id;            // what ExperimentConfig::device takes: "cpu", "cuda:0", ...
  std::string name;          // "CPU", "NVIDIA H100 80GB HBM3", ...
  int64_t memory_bytes = 0;  // total device memory; 0 for the CPU or when the driver won't say
};

// "cpu" first, then each GPU this LibTorch can use (none with a CPU-only LibTorch). Names and
// memory come from the CUDA driver when it can be loaded; else the GPU is named by its index.
std::vector<ComputeDevice> detect_compute_devices();

}  // namespace hwb
