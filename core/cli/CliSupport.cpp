#include "core/cli/CliSupport.h"

#include <ATen/Context.h>

#include <sstream>

#include "core/model/T5Checkpoint.h"
#include "core/util/Error.h"
#include "core/util/Paths.h"

namespace hwb::cli {

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
                  "' asked for, but this build of LibTorch has no CUDA or no GPU is visible: "
                  "use --device cpu, or run on a machine with an NVIDIA GPU and CUDA LibTorch");
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

T5Model open_model(const std::string& spec, uint64_t seed) {
  if (spec == "builtin:tiny") {
    T5Model model(T5Config::tiny());
    model->init_weights(seed);
    return model;
  }
  return load_t5(spec);
}

std::vector<int64_t> parse_ids(const std::string& text, const std::string& option) {
  std::vector<int64_t> ids;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    const auto first = item.find_first_not_of(" \t");
    if (first == std::string::npos) continue;
    item = item.substr(first, item.find_last_not_of(" \t") + 1 - first);
    try {
      std::size_t used = 0;
      const long long v = std::stoll(item, &used);
      if (used != item.size() || v < 0) throw std::invalid_argument(item);
      ids.push_back(v);
    } catch (const std::exception&) {
      throw Error(option + ": '" + item + "' is not a token id (non-negative integers, comma separated)");
    }
  }
  if (ids.empty()) throw Error(option + ": no token ids given");
  return ids;
}

std::filesystem::path default_fixture_dir() {
  return find_resource("t5/spiece.model").parent_path().parent_path().parent_path() / "tests" /
         "fixtures";
}

}  // namespace hwb::cli
