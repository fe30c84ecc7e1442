#include "core/cli/LocalProcesses.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <thread>

#include "core/util/Error.h"

namespace hwb::cli {

namespace {

// A port nobody listens on now; rank 0 binds it a moment later (the window is the same one
// torchrun's --standalone has).
int free_local_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0)
    throw Error(std::string("Cannot open a socket for the ranks' rendezvous: ") +
                std::strerror(errno));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof(address);
  const bool ok = bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
                  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0;
  close(fd);
  if (!ok) throw Error("Cannot find a free local port for the ranks' rendezvous: set MASTER_PORT");
  return ntohs(address.sin_port);
}

std::string describe_end(int status) {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    const int sig = WTERMSIG(status);
    return "was killed by signal " + std::to_string(sig) + " (" + strsignal(sig) + ")";
  }
  return "ended";
}

bool ended_well(int status) {
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

}  // namespace

std::vector<std::string> arguments_without(const std::vector<std::string>& options) {
  std::ifstream in("/proc/self/cmdline", std::ios::binary);
  const std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::string> args;
  for (std::size_t start = 0; start < all.size();) {
    const std::size_t end = all.find('\0', start);
    args.push_back(all.substr(start, end - start));
    start = end == std::string::npos ? all.size() : end + 1;
  }
  std::vector<std::string> out;
  for (std::size_t i = 1; i < args.size(); ++i) {
    bool dropped = false;
    for (const std::string& option : options) {
      if (args[i] == option) {
        ++i;  // and its value
        dropped = true;
      } else if (args[i].rfind(option + "=", 0) == 0) {
        dropped = true;
      }
    }
    if (!dropped) out.push_back(args[i]);
  }
  return out;
}

std::vector<std::string> arguments_without_nproc() {
  return arguments_without({"--nproc"});
}

int run_local_processes(int nproc, const std::vector<std::string>& rank_arguments,
                        const std::function<std::string(pid_t)>& resume_command) {
  if (nproc < 1) throw Error("--nproc must be at least 1 (it is " + std::to_string(nproc) + ")");
  const char* port_env = std::getenv("MASTER_PORT");
  const std::string port = port_env ? port_env : std::to_string(free_local_port());
  std::vector<pid_t> ranks(static_cast<std::size_t>(nproc), -1);
  pid_t rank0 = -1;
  // The terminal's Ctrl-C reaches every rank itself; they agree on the step to stop at.
  std::signal(SIGINT, SIG_IGN);
  // The program's own path, so that each rank shows in ps as what it is.
  std::error_code ec;
  const std::string self = std::filesystem::read_symlink("/proc/self/exe", ec).string();
  if (ec) throw Error("Cannot find this program's path (/proc/self/exe): " + ec.message());
  for (int r = 0; r < nproc; ++r) {
    const pid_t pid = fork();
    if (pid < 0) {
      const std::string why = std::strerror(errno);
      for (pid_t started : ranks)  // they would wait for the missing rank until their timeout
        if (started > 0) kill(started, SIGKILL);
      throw Error("Cannot start rank " + std::to_string(r) + ": " + why);
    }
    if (pid == 0) {
      std::signal(SIGINT, SIG_DFL);
      setenv("RANK", std::to_string(r).c_str(), 1);
      setenv("LOCAL_RANK", std::to_string(r).c_str(), 1);
      setenv("WORLD_SIZE", std::to_string(nproc).c_str(), 1);
      setenv("LOCAL_WORLD_SIZE", std::to_string(nproc).c_str(), 1);
      setenv("MASTER_ADDR", "127.0.0.1", 0);
      setenv("MASTER_PORT", port.c_str(), 1);
      // As torchrun does: N processes each with a thread per core would fight over the cores.
      const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
      setenv("OMP_NUM_THREADS",
             std::to_string(std::max(1u, cores / static_cast<unsigned>(nproc))).c_str(), 0);
      std::vector<std::string> copy = rank_arguments;
      copy.insert(copy.begin(), self);
      std::vector<char*> argv;
      for (std::string& a : copy) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(self.c_str(), argv.data());
      std::fprintf(stderr, "error: rank %d could not start: %s\n", r, std::strerror(errno));
      _exit(127);
    }
    ranks[static_cast<std::size_t>(r)] = pid;
    if (r == 0) rank0 = pid;
  }
  std::cerr << "started " << nproc << " ranks (rendezvous 127.0.0.1:" << port << ")" << std::endl;

  int running = nproc;
  bool failed = false;
  std::string first_failure;
  auto deadline = std::chrono::steady_clock::time_point::max();
  while (running > 0) {
    int status = 0;
    const pid_t pid = waitpid(
        -1, &status, deadline == std::chrono::steady_clock::time_point::max() ? 0 : WNOHANG);
    if (pid < 0) break;
    if (pid == 0) {
      if (std::chrono::steady_clock::now() >= deadline) {
        for (pid_t p : ranks)
          if (p > 0) kill(p, SIGKILL);
        deadline = std::chrono::steady_clock::time_point::max();
      } else {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
      continue;
    }
    for (std::size_t r = 0; r < ranks.size(); ++r) {
      if (ranks[r] != pid) continue;
      ranks[r] = -1;
      --running;
      if (!ended_well(status) && !failed) {
        failed = true;
        first_failure = "rank " + std::to_string(r) + " (pid " + std::to_string(pid) + ") " +
                        describe_end(status);
        std::cerr << first_failure << "; stopping the other ranks" << std::endl;
        for (pid_t p : ranks)
          if (p > 0) kill(p, SIGTERM);
        // Time to notice the lost peer and save a checkpoint; a rank stuck in a collective that
        // never returns (NCCL waits for its timeout) is killed after it.
        deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
      } else if (!ended_well(status)) {
        std::cerr << "rank " << r << " " << describe_end(status) << std::endl;
      }
    }
  }
  std::signal(SIGINT, SIG_DFL);
  if (failed) {
    std::string next;
    try {
      next = resume_command(rank0);
    } catch (const std::exception& e) {
      std::cerr << "cannot read the run store to say how to resume: " << e.what() << std::endl;
    }
    std::cerr << "the run on " << nproc << " processes ended because " << first_failure << "; "
              << (next.empty() ? "no run was recorded (rank 0 ended before it started)"
                               : "resume it from its last checkpoint with: " + next)
              << std::endl;
    return 1;
  }
  return 0;
}

}  // namespace hwb::cli
