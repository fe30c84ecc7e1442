#pragma once

#include "core/train/RunLauncher.h"

namespace hwb::cli {

// Waits until the launched run's session ends. Meanwhile Ctrl-C (or SIGTERM, from a scheduler or
// the --nproc launcher) asks it to stop with a checkpoint, and a second one ends the process at
// once. Returns how the session ended; the caller says what comes next.
TrainingSession::State follow_run(const LaunchedRun& launched);

}  // namespace hwb::cli
