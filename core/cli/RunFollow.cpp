#include "core/cli/RunFollow.h"

#include <atomic>
#include <csignal>

namespace hwb::cli {

namespace {

std::atomic<TrainingSession*> g_session{nullptr};

void on_interrupt(int sig) {
  if (TrainingSession* s = g_session.load()) {
    s->stop();
    std::signal(sig, SIG_DFL);
  }
}

}  // namespace

TrainingSession::State follow_run(const LaunchedRun& launched) {
  g_session = launched.session.get();
  std::signal(SIGINT, on_interrupt);
  std::signal(SIGTERM, on_interrupt);
  launched.session->wait();
  g_session = nullptr;
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
  return launched.session->state();
}

}  // namespace hwb::cli
