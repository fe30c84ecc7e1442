#pragma once

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/util/Error.h"

namespace hwb {

// A collective that did not complete: a peer died or stopped answering. The trainer saves what it
// can on this, unlike on other errors.
class CollectiveError : public Error {
 public:
  using Error::Error;
};

// Where this process stands in a data-parallel run, in torchrun's terms: RANK, WORLD_SIZE,
// LOCAL_RANK, MASTER_ADDR, MASTER_PORT. `hyperformer train --nproc N` sets the same variables for
// the processes it starts, so both launchers meet here.
struct DistributedEnv {
  int rank = 0;
  int world_size = 1;
  int local_rank = 0;
  std::string master_addr = "127.0.0.1";
  int master_port = 29500;

  // nullopt when WORLD_SIZE is unset; throws hwb::Error naming the variable when one is malformed
  // or inconsistent (RANK outside 0..WORLD_SIZE-1, a port outside 1..65535).
  static std::optional<DistributedEnv> from_environment();
  // The same from `variables` (name -> value) instead of the process environment, which a test
  // must not change while other threads (Qt Test's watchdog) read it.
  using Variables = std::function<std::optional<std::string>(const char* name)>;
  static std::optional<DistributedEnv> from_variables(const Variables& variables);
};

// One c10d process group over all ranks: NCCL for CUDA tensors, Gloo for CPU ones. The trainer
// uses it to average gradients, agree on scalars (losses, stop flags) and start from rank 0's
// parameters; it never sees c10d itself, which differs between LibTorch 1.13 and 2.x.
class DistributedGroup {
 public:
  // Rendezvous through a TCP store hosted by rank 0 at master_addr:master_port. `timeout` bounds
  // the rendezvous and every collective (rank 0 evaluates while the others wait, so it is long).
  // Throws hwb::Error naming the backend or address when the group cannot form.
  static std::shared_ptr<DistributedGroup> join(const DistributedEnv& env, c10::Device device,
                                                std::chrono::milliseconds timeout);
  // Whether this build can form a group for tensors on `device` ("gloo" / "nccl" compiled in).
  static bool available_for(c10::Device device);
  ~DistributedGroup();

  int rank() const;
  int world_size() const;
  const std::string& backend() const;
  // What this rank trains on: the device the group was formed for.
  c10::Device device() const;

  // Averages the tensors in place across ranks, through one flat buffer (one collective however
  // many parameters there are). Undefined tensors are skipped.
  void all_reduce_mean(const std::vector<at::Tensor>& tensors);
  void all_reduce_sum(at::Tensor& tensor);
  void all_reduce_max(at::Tensor& tensor);
  // Overwrites the tensors with rank 0's, in place.
  void broadcast_from_root(const std::vector<at::Tensor>& tensors);
  void barrier();

 private:
  struct Impl;
  explicit DistributedGroup(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace hwb
