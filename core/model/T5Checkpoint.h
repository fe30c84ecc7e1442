#pragma once

#include <c10/core/ScalarType.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "core/model/T5Model.h"

namespace hwb {

// Reading and writing a Hugging Face T5 model folder: config.json plus model.safetensors, or
// shards model-0000x-of-0000y.safetensors listed by model.safetensors.index.json.
//
// Loading is strict: every parameter of the model must come from the files with its exact shape,
// and every tensor in the files must be used. Missing, unexpected and mis-shaped names are reported
// together in one error naming the folder, so a model never runs with a silently random weight.
struct T5LoadOptions {
  c10::ScalarType dtype = c10::kFloat;  // stored F32/F16/BF16 tensors are converted to this
};

T5Model load_t5(const std::filesystem::path& folder, const T5LoadOptions& options = {});

// The model's weights as the checkpoint names them (tied models store "shared.weight" only).
std::vector<std::pair<std::string, at::Tensor>> t5_state(T5Model& model);

// Writes config.json and model.safetensors (in the parameters' own dtype) into `folder`, created
// if needed; `metadata` goes into the safetensors header.
void save_t5(T5Model& model, const std::filesystem::path& folder,
             const std::map<std::string, std::string>& metadata = {});

// The one place where older or alternative checkpoint layouts are renamed to ours. Returns the
// name to use, or an empty string for a tensor that is a known duplicate (a tied lm_head, the
// per-stack copies of the shared embedding) and is skipped.
std::string canonical_t5_weight_name(const std::string& name, const T5Config& config,
                                     bool file_has_shared);

}  // namespace hwb
