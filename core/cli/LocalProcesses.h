#pragma once

#include <sys/types.h>
#include <functional>
#include <string>
#include <vector>

namespace hwb::cli {

// `--nproc N`: this program again, N times, as the ranks of one data-parallel run on this host,
// with torchrun's environment (RANK, LOCAL_RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT). Waits for
// all; when one ends badly the others get SIGTERM (they save a checkpoint when they can), then
// SIGKILL after a grace period, and `resume_command(rank 0's pid)` says how to go on (empty: no
// run was recorded). Returns the exit status for this process: 0 only if every rank ended well.
int run_local_processes(int nproc, const std::vector<std::string>& rank_arguments,
                        const std::function<std::string(pid_t)>& resume_command);

// This process's arguments (argv[1..]) without the options named, each with its value
// (`--gpus 0,1` and `--gpus=0,1` alike).
std::vector<std::string> arguments_without(const std::vector<std::string>& options);
// Without `--nproc N` / `--nproc=N`: what each rank runs.
std::vector<std::string> arguments_without_nproc();

}  // namespace hwb::cli
