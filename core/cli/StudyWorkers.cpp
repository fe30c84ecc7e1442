#include "core/cli/StudyWorkers.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstring>
#include <iostream>
#include <thread>

#include "core/util/Error.h"

namespace hwb::cli {

namespace {

// Ctrl-C or SIGTERM to this process: how many so far.
std::atomic<int> g_interrupts{0};

void on_interrupt(int) {
  ++g_interrupts;
}

pid_t start(const StudyWorker& w, const std::string& self) {
  const pid_t pid = fork();
  if (pid != 0) return pid;
  // A process group of its own: the terminal's Ctrl-C reaches only the parent, which passes it on
  // once, so each worker stops its run with a checkpoint instead of dying at a second signal.
  setpgid(0, 0);
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
  for (const std::string& assignment : w.environment) putenv(strdup(assignment.c_str()));
  const int log = open(w.log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  if (log >= 0) {
    dup2(log, STDOUT_FILENO);
    dup2(log, STDERR_FILENO);
    close(log);
  }
  std::vector<std::string> copy = w.arguments;
  copy.insert(copy.begin(), self);
  std::vector<char*> argv;
  for (std::string& a : copy) argv.push_back(a.data());
  argv.push_back(nullptr);
  execv(self.c_str(), argv.data());
  std::fprintf(stderr, "error: %s could not start: %s\n", w.name.c_str(), std::strerror(errno));
  _exit(127);
}

}  // namespace

int run_study_workers(const std::vector<StudyWorker>& workers, const std::function<void()>& poll) {
  std::error_code ec;
  const std::string self = std::filesystem::read_symlink("/proc/self/exe", ec).string();
  if (ec) throw Error("Cannot find this program's path (/proc/self/exe): " + ec.message());
  g_interrupts = 0;
  std::signal(SIGINT, on_interrupt);
  std::signal(SIGTERM, on_interrupt);
  std::vector<pid_t> pids;
  for (const StudyWorker& w : workers) {
    const pid_t pid = start(w, self);
    if (pid < 0) {
      std::cerr << "error: " << w.name << " could not start: " << std::strerror(errno) << std::endl;
      continue;
    }
    pids.push_back(pid);
    std::cout << w.name << ": process " << pid << ", output in " << w.log.string() << std::endl;
  }
  int failed = static_cast<int>(workers.size() - pids.size());
  std::size_t running = pids.size();
  int passed_on = 0;
  auto last_poll = std::chrono::steady_clock::now();
  while (running > 0) {
    // The first interrupt asks every worker to stop with a checkpoint; a second ends them now.
    if (g_interrupts > passed_on) {
      passed_on = g_interrupts;
      for (pid_t p : pids)
        if (p > 0) kill(p, passed_on == 1 ? SIGTERM : SIGKILL);
      if (passed_on == 1)
        std::cout << "stopping: each worker saves a checkpoint (Ctrl-C again ends them at once)"
                  << std::endl;
    }
    int status = 0;
    const pid_t pid = waitpid(-1, &status, WNOHANG);
    if (pid < 0) break;
    if (pid > 0) {
      for (std::size_t i = 0; i < pids.size(); ++i) {
        if (pids[i] != pid) continue;
        pids[i] = -1;
        --running;
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
          ++failed;
          std::cerr << workers[i].name << " ended badly (" << workers[i].log.string()
                    << " says why); the others go on" << std::endl;
        }
      }
      continue;
    }
    if (std::chrono::steady_clock::now() - last_poll >= std::chrono::seconds(1)) {
      poll();
      last_poll = std::chrono::steady_clock::now();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  poll();
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
  return failed;
}

}  // namespace hwb::cli
