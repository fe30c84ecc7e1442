#pragma once

#include <string_view>
#include <vector>

#include "core/model/T5Config.h"
#include "core/peft/ParameterReport.h"
#include "core/peft/PeftConfig.h"

namespace hwb {

// Parameter counts worked out from the configs alone, equal to ParameterReport::of on the model
// they would build (tests/tst_parameter_estimate.cpp checks every variant), so the setup form can
// show them as the user types: building T5-base to count it takes seconds and a gigabyte.

// Every parameter a PeftModel(T5Model(backbone), peft) has, with the names it would give them
// ("peft." before the added ones) and whether it trains. Throws hwb::Error as the model would for
// sizes that do not fit the backbone (PeftConfig::validate).
std::vector<ParameterCount> expected_parameters(const T5Config& backbone, const PeftConfig& peft);

// ParameterReport::tally of expected_parameters. The tasks are peft.tasks.
ParameterReport estimate_parameters(const T5Config& backbone, const PeftConfig& peft);

// The shape of an ExperimentConfig's backbone: T5Config::tiny() for "builtin:tiny", else the
// folder's config.json. Throws hwb::Error naming the file when it is missing or invalid.
T5Config backbone_config(std::string_view backbone);

}  // namespace hwb
