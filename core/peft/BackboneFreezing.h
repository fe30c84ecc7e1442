#pragma once

#include <string_view>

namespace hwb {

struct PeftConfig;

// Whether a backbone parameter keeps training under this PEFT config (PeftConfig's
// unfreeze_layer_norms, train_lm_head and train_backbone_matching). One rule for the built model
// (PeftModel's freezing) and for the estimate the setup form shows before any model exists.
// `tied_embeddings`: the backbone's lm_head is "shared.weight" (T5Config::tie_word_embeddings).
bool trains_backbone_parameter(const PeftConfig& config, bool tied_embeddings,
                               std::string_view name);

}  // namespace hwb
