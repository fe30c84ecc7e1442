#pragma once

#include <filesystem>
#include <string_view>

namespace hwb {

// Where the running executable lives (from /proc/self/exe).
std::filesystem::path executable_dir();

// A file under resources/ (spiece.model, presets): $HWB_RESOURCE_DIR, then next to an installed
// executable (../share/hyperformer-workbench), then the source tree it was built from.
// Throws hwb::Error naming every place it looked.
std::filesystem::path find_resource(std::string_view relative);

// A run-time-loaded module (the SentencePiece bridge): $HWB_MODULE_DIR, then ../lib next to the
// executable, then the build and install folders. Throws hwb::Error naming every place it looked.
std::filesystem::path find_module(std::string_view file_name);

}  // namespace hwb
