#include "core/util/Paths.h"

#include <cstdlib>
#include <string>
#include <system_error>
#include <vector>

#include "core/util/Error.h"

namespace hwb {
namespace fs = std::filesystem;

namespace {

fs::path first_existing(std::string_view what, std::string_view name,
                        const std::vector<fs::path>& folders, const char* env_var) {
  std::string looked;
  for (const fs::path& folder : folders) {
    if (folder.empty()) continue;
    fs::path candidate = folder / fs::path(name);
    std::error_code ec;
    if (fs::exists(candidate, ec)) return candidate;
    looked += "\n  " + candidate.string();
  }
  throw Error(std::string(what) + " '" + std::string(name) + "' not found; looked in:" + looked +
              "\nSet " + env_var + " to the folder that holds it, or reinstall the workbench.");
}

fs::path env_path(const char* var) {
  const char* value = std::getenv(var);
  return value ? fs::path(value) : fs::path();
}

}  // namespace

fs::path executable_dir() {
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::current_path() : exe.parent_path();
}

fs::path find_resource(std::string_view relative) {
  const fs::path exe = executable_dir();
  return first_existing("Resource", relative,
                        {env_path("HWB_RESOURCE_DIR"), exe / "../share/hyperformer-workbench",
                         fs::path(HWB_BUILD_RESOURCE_DIR), fs::path(HWB_INSTALL_RESOURCE_DIR)},
                        "HWB_RESOURCE_DIR");
}

fs::path find_module(std::string_view file_name) {
  const fs::path exe = executable_dir();
  return first_existing(
      "Module", file_name,
      {env_path("HWB_MODULE_DIR"), exe / "../lib", exe / "../lib/hyperformer-workbench",
       fs::path(HWB_BUILD_MODULE_DIR), fs::path(HWB_INSTALL_MODULE_DIR)},
      "HWB_MODULE_DIR");
}

}  // namespace hwb
