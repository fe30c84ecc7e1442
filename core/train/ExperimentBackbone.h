#pragma once

#include "core/model/T5Model.h"
#include "core/train/ExperimentConfig.h"

namespace hwb {

// The experiment's backbone: the folder or built-in its spec names (BuiltinBackbones.h; the tiny
// T5 initialised from the experiment's seed, so training and a later evaluation build the same
// one), or in a pretraining run fresh weights of pretraining.architecture from that seed.
T5Model build_backbone(const ExperimentConfig& config);

}  // namespace hwb
