#include "core/peft/BackboneFreezing.h"

#include <algorithm>

#include "core/peft/PeftConfig.h"

namespace hwb {

bool trains_backbone_parameter(const PeftConfig& config, bool tied_embeddings,
                               std::string_view name) {
  if (!config.has_adapters()) return true;
  if (config.unfreeze_layer_norms && name.find("layer_norm") != std::string_view::npos) return true;
  if (config.train_lm_head) {
    if (name.starts_with("lm_head.")) return true;
    if (tied_embeddings && name == "shared.weight") return true;
  }
  return std::any_of(
      config.train_backbone_matching.begin(), config.train_backbone_matching.end(),
      [&](const std::string& part) { return name.find(part) != std::string_view::npos; });
}

}  // namespace hwb
