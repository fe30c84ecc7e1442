#pragma once

#include "core/train/ExperimentConfig.h"
#include "core/util/SettingsTable.h"

namespace hwb {

// Every scalar setting of an experiment, one row each, at its JSON path (docs/SETTINGS.md): the
// variant's rows (peft_settings) under "variant.", then data, training and output. The task list
// and a pretraining run's section are read by ExperimentConfig itself.
const SettingsTable<ExperimentConfig>& experiment_settings();

}  // namespace hwb
