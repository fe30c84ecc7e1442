#pragma once

#include "core/peft/PeftConfig.h"
#include "core/util/SettingsTable.h"

namespace hwb {

// PeftConfig's settings, one row each (docs/SETTINGS.md): its JSON (the experiment's "variant"
// section, an adapter checkpoint's metadata), the setup form's variant fields and `--set
// variant.KEY=VALUE`. The task list is not a row: the experiment fills it from its tasks.
const SettingsTable<PeftConfig>& peft_settings();

}  // namespace hwb
