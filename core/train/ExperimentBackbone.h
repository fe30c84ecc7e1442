#pragma once

#include "core/model/T5Model.h"
#include "core/train/ExperimentConfig.h"

namespace hwb {

// The experiment's backbone: the Hugging Face folder it names, or the built-in tiny T5 initialised
// from the experiment's seed (so training and a later evaluation build the same one).
T5Model build_backbone(const ExperimentConfig& config);

}  // namespace hwb
