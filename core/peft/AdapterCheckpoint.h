#pragma once

#include <filesystem>
#include <map>
#include <string>

#include "core/model/T5Config.h"
#include "core/peft/PeftConfig.h"

namespace hwb {

class PeftModel;

// A trained adapter set on its own: one safetensors file with the PEFT parameters and the
// backbone parameters the variant trains, small enough to keep per experiment and to apply later
// to the same backbone.
//
// Tensor names (all F32 unless the model's parameters have another dtype):
//   peft.task_embeddings.<task>                                   [t]
//   peft.hypernet.projector.{fc1,fc2,layer_norm}.{weight,bias}    per-layer Hyperformer
//   peft.hypernet.<stack>.<layer>.<position>.<generator>.{weight,bias}
//   peft.hypernet.<stack>.layer_embeddings.weight                 [layers, t]  (both below)
//   peft.hypernet.<stack>.projector.{fc1,fc2,layer_norm}.{weight,bias}
//   peft.hypernet.<stack>.<position>.<generator>.{weight,bias}    layer-conditioned
//   peft.hypernet.<stack>.position_embeddings.weight              [2, t]  Hyperformer++
//   peft.hypernet.<stack>.generator.<generator>.{weight,bias}     Hyperformer++
//   peft.adapters.<task>.<stack>.<layer>.<position>.{down,up}.{weight,bias}
//   peft.adapter_norms.<stack>.<layer>.<position>.{pre,post}.{weight,bias}
//   <backbone name>, e.g. encoder.block.0.layer.0.layer_norm.weight (the trained backbone parts)
// with <stack> = encoder | decoder, <position> = feed_forward | self_attention, <generator> =
// down [m*d, P] | down_bias [m, P] | up [d*m, P] | up_bias [d, P] | gamma, beta, pre_gamma,
// pre_beta [d, P] (weights; biases are [out]). D = reshape(down(I), m x d) row-major.
//
// __metadata__: "format" = "hwb-peft", "format_version" = "1", "peft_config" and "t5_config"
// (JSON), plus whatever the caller adds.
inline constexpr const char* kAdapterFormat = "hwb-peft";
inline constexpr const char* kAdapterFormatVersion = "1";

void save_adapters(PeftModel& model, const std::filesystem::path& path,
                   const std::map<std::string, std::string>& metadata = {});

// Loads a saved adapter set into `model`, strictly: the backbone shape in the file must match the
// model's (differences listed by field), and missing, unexpected and mis-shaped tensors are
// reported together in one error naming the file. Cached generated weights are dropped.
void load_adapters(PeftModel& model, const std::filesystem::path& path);

// The configurations stored in a saved adapter set, to build the model it loads into.
PeftConfig read_adapter_config(const std::filesystem::path& path);
T5Config read_adapter_backbone_config(const std::filesystem::path& path);

}  // namespace hwb
