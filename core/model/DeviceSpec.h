#pragma once

#include <c10/core/Device.h>

#include <string>
#include <vector>

namespace hwb {

// "cpu", "cuda" or "cuda:N" as a device; throws hwb::Error with the fix when the text is not a
// device, or CUDA is asked for and this LibTorch or machine has none.
c10::Device parse_device(const std::string& text);

}  // namespace hwb

namespace hwb {

// "cpu" followed by "cuda:N" for each visible GPU, for device pickers.
std::vector<std::string> available_devices();

}  // namespace hwb
