#include "core/store/ProcessLiveness.h"

#include <cerrno>
#include <csignal>

#include <unistd.h>

namespace hwb {

std::string current_host_name() {
  char name[256] = {};
  if (gethostname(name, sizeof(name) - 1) != 0) return {};
  return name;
}

int64_t current_pid() {
  return static_cast<int64_t>(getpid());
}

bool process_exists(int64_t pid) {
  if (pid <= 0) return false;
  // EPERM: it exists but belongs to someone else.
  return kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH;
}

bool writer_is_dead(const std::string& host, int64_t pid) {
  return pid > 0 && host == current_host_name() && !process_exists(pid);
}

bool mark_if_writer_dead(RunInfo& run) {
  if (run.status != "running" && run.status != "paused") return false;
  if (!writer_is_dead(run.host, run.pid)) return false;
  run.message = "the training process (pid " + std::to_string(run.pid) + " on " + run.host +
                ") ended without closing the run; rows committed before that are kept";
  run.status = "interrupted";
  run.ended_at_ms = run.heartbeat_ms;
  return true;
}

}  // namespace hwb
