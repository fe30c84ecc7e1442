#pragma once

#include <cstdint>
#include <string>

#include "core/store/StoreTypes.h"

namespace hwb {

// How a run's writer is told alive or dead: runs record the writer's host name and pid, and a
// writer on this host whose pid no longer exists died without saying so (SIGKILL, a crash).
// A pid may be reused by an unrelated process; the run then reads as live until that one exits.
std::string current_host_name();
int64_t current_pid();
bool process_exists(int64_t pid);
// True only when it can be known: same host, and the process is gone.
bool writer_is_dead(const std::string& host, int64_t pid);

// A "running" or "paused" run whose writer is dead reads as "interrupted", ended at its last
// heartbeat. Returns whether it changed `run`; the writer stores the result, readers only show it.
bool mark_if_writer_dead(RunInfo& run);

}  // namespace hwb
