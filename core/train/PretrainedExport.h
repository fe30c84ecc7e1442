#pragma once

#include <filesystem>
#include <map>
#include <string>

#include "core/model/T5Model.h"

namespace hwb {

// Writes a pretrained backbone as a Hugging Face T5 folder that this program (`inspect`, `forward`,
// training) and transformers load alike: config.json, model.safetensors (bf16 or fp32, from a CPU
// copy, so the model itself is untouched) and T5's spiece.model. The folder is written beside
// its final place and renamed over it, so a failed export leaves the previous one whole. Throws
// hwb::Error naming the folder.
void export_pretrained(T5Model& model, const std::filesystem::path& folder, bool bf16,
                       const std::map<std::string, std::string>& metadata);

}  // namespace hwb
