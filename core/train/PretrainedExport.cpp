#include "core/train/PretrainedExport.h"

#include <ATen/ATen.h>
#include <torch/csrc/autograd/grad_mode.h>

#include "core/model/T5Checkpoint.h"
#include "core/util/Error.h"
#include "core/util/Paths.h"

namespace hwb {

namespace fs = std::filesystem;

void export_pretrained(T5Model& model, const fs::path& folder, bool bf16,
                       const std::map<std::string, std::string>& metadata) {
  T5Model copy(model->config());
  {
    torch::NoGradGuard no_grad;
    const auto source = model->named_parameters();
    for (auto& item : copy->named_parameters()) {
      at::Tensor& target = item.value();
      target.copy_(source[item.key()].detach().to(at::kCPU, at::kFloat));
    }
  }
  if (bf16) copy->to(at::kBFloat16);
  fs::path staging = folder;
  staging += ".partial";
  std::error_code ec;
  fs::remove_all(staging, ec);
  try {
    save_t5(copy, staging, metadata);
    fs::copy_file(find_resource("t5/spiece.model"), staging / "spiece.model",
                  fs::copy_options::overwrite_existing);
  } catch (const std::exception& e) {
    fs::remove_all(staging, ec);
    throw Error("Exporting the pretrained model to '" + folder.string() + "' failed: " + e.what());
  }
  fs::remove_all(folder, ec);
  fs::rename(staging, folder, ec);
  if (ec) {
    throw Error("Exporting the pretrained model: cannot move '" + staging.string() + "' to '" +
                folder.string() + "': " + ec.message());
  }
}

}  // namespace hwb
