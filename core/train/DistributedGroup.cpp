#include "core/train/DistributedGroup.h"

#include <ATen/ATen.h>
#include <torch/version.h>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#ifdef HWB_WITH_GLOO
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#endif
#ifdef HWB_WITH_NCCL
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

#include <csignal>
#include <cstdlib>
#include <stdexcept>

#include "core/util/Error.h"

namespace hwb {

namespace {

// LibTorch 2 split a process group into a front and per-device backends; the backend carries the
// collectives 1.13's ProcessGroup had, with the same signatures.
#if TORCH_VERSION_MAJOR >= 2
using Collectives = c10d::Backend;
#else
using Collectives = c10d::ProcessGroup;
#endif

int env_int(const char* name, const std::string& text, int low, int high) {
  std::size_t used = 0;
  int value = 0;
  try {
    value = std::stoi(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != text.size() || value < low || value > high) {
    throw Error(std::string("The environment variable ") + name + "='" + text +
                "' is not a whole number in " + std::to_string(low) + ".." + std::to_string(high) +
                ": set it as torchrun does, or use hyperformer train --nproc");
  }
  return value;
}

std::optional<std::string> env(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return std::nullopt;
  return std::string(v);
}

}  // namespace

std::optional<DistributedEnv> DistributedEnv::from_environment() {
  return from_variables(env);
}

std::optional<DistributedEnv> DistributedEnv::from_variables(const Variables& env) {
  const auto world = env("WORLD_SIZE");
  if (!world) return std::nullopt;
  DistributedEnv e;
  e.world_size = env_int("WORLD_SIZE", *world, 1, 4096);
  const auto rank = env("RANK");
  if (!rank && e.world_size > 1) {
    throw Error("WORLD_SIZE is " + *world +
                " but RANK is not set: every process of a distributed run needs its own RANK");
  }
  e.rank = rank ? env_int("RANK", *rank, 0, e.world_size - 1) : 0;
  e.local_rank = env("LOCAL_RANK") ? env_int("LOCAL_RANK", *env("LOCAL_RANK"), 0, 4095) : e.rank;
  if (const auto addr = env("MASTER_ADDR")) e.master_addr = *addr;
  if (const auto port = env("MASTER_PORT")) e.master_port = env_int("MASTER_PORT", *port, 1, 65535);
  return e;
}

struct DistributedGroup::Impl {
  int rank = 0;
  int world_size = 1;
  std::string backend;
  c10::Device device = c10::kCPU;
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<Collectives> group;

  // In place, over every rank's `tensor`.
  void all_reduce(at::Tensor& tensor, c10d::ReduceOp op, const char* what) {
    std::vector<at::Tensor> one{tensor};
    c10d::AllreduceOptions options;
    options.reduceOp = op;
    run(group->allreduce(one, options), what);
  }

  void run(c10::intrusive_ptr<c10d::Work> work, const char* what) {
    try {
      work->wait();
    } catch (const std::exception& e) {
      // A peer that died shows up here first (Gloo: the connection closes; both: the timeout).
      std::string why = e.what();
      throw CollectiveError(std::string("The ") + backend + " " + what + " across " +
                            std::to_string(world_size) + " processes failed on rank " +
                            std::to_string(rank) + ": " + why.substr(0, why.find('\n')) +
                            " (another rank has probably stopped; see its output)");
    }
  }
};

bool DistributedGroup::available_for(c10::Device device) {
#ifdef HWB_WITH_NCCL
  if (device.is_cuda()) return true;
#endif
#ifdef HWB_WITH_GLOO
  if (device.is_cpu()) return true;
#endif
  (void)device;
  return false;
}

std::shared_ptr<DistributedGroup> DistributedGroup::join(const DistributedEnv& env,
                                                         c10::Device device,
                                                         std::chrono::milliseconds timeout) {
  auto impl = std::make_unique<Impl>();
  impl->rank = env.rank;
  impl->world_size = env.world_size;
  impl->device = device;
  impl->backend = device.is_cuda() ? "nccl" : "gloo";
  if (!available_for(device)) {
    throw Error("This build has no " + impl->backend + " backend for distributed training on " +
                device.str() +
                (device.is_cuda() ? ": build against a CUDA LibTorch with NCCL"
                                  : ": build against a LibTorch with Gloo (Debian: libgloo-dev)"));
  }
  // A peer that dies leaves sockets whose writes raise SIGPIPE, which would end this process
  // without a word; ignored, the write fails and the collective reports the lost peer.
  std::signal(SIGPIPE, SIG_IGN);
  const std::string where = env.master_addr + ":" + std::to_string(env.master_port);
  try {
    c10d::TCPStoreOptions options;
    options.port = static_cast<std::uint16_t>(env.master_port);
    options.isServer = env.rank == 0;
    options.numWorkers = static_cast<std::size_t>(env.world_size);
    options.waitWorkers = true;
    options.timeout = timeout;
    impl->store = c10::make_intrusive<c10d::TCPStore>(env.master_addr, options);
  } catch (const std::exception& e) {
    std::string why = e.what();
    throw Error("Rank " + std::to_string(env.rank) + " could not meet the others at " + where +
                ": " + why.substr(0, why.find('\n')) +
                (env.rank == 0 ? " (is the port taken? choose another MASTER_PORT)"
                               : " (is rank 0 running and MASTER_ADDR reachable?)"));
  }
  try {
#ifdef HWB_WITH_NCCL
    if (device.is_cuda()) {
      auto options = c10d::ProcessGroupNCCL::Options::create();
      options->timeout = timeout;
      impl->group = c10::make_intrusive<c10d::ProcessGroupNCCL>(impl->store, env.rank,
                                                                env.world_size, options);
    }
#endif
#ifdef HWB_WITH_GLOO
    if (device.is_cpu()) {
      auto options = c10d::ProcessGroupGloo::Options::create(timeout);
      // One host: the loopback device needs no name resolution (containers often have none).
      const bool local = env.master_addr == "127.0.0.1" || env.master_addr == "localhost";
      options->devices.push_back(local
                                     ? c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1")
                                     : c10d::ProcessGroupGloo::createDefaultDevice());
      impl->group = c10::make_intrusive<c10d::ProcessGroupGloo>(impl->store, env.rank,
                                                                env.world_size, options);
    }
#endif
  } catch (const std::exception& e) {
    std::string why = e.what();
    throw Error("The " + impl->backend + " process group of " + std::to_string(env.world_size) +
                " ranks (rendezvous " + where + ") could not form on rank " +
                std::to_string(env.rank) + ": " + why.substr(0, why.find('\n')));
  }
  return std::shared_ptr<DistributedGroup>(new DistributedGroup(std::move(impl)));
}

DistributedGroup::DistributedGroup(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
DistributedGroup::~DistributedGroup() = default;

int DistributedGroup::rank() const {
  return impl_->rank;
}
int DistributedGroup::world_size() const {
  return impl_->world_size;
}
const std::string& DistributedGroup::backend() const {
  return impl_->backend;
}
c10::Device DistributedGroup::device() const {
  return impl_->device;
}

void DistributedGroup::all_reduce_mean(const std::vector<at::Tensor>& tensors) {
  std::vector<at::Tensor> present;
  for (const at::Tensor& t : tensors)
    if (t.defined()) present.push_back(t);
  if (present.empty()) return;
  std::vector<at::Tensor> flat_parts;
  flat_parts.reserve(present.size());
  for (const at::Tensor& t : present) flat_parts.push_back(t.reshape({-1}));
  at::Tensor buffer = at::cat(flat_parts);
  impl_->all_reduce(buffer, c10d::ReduceOp::SUM, "gradient all-reduce");
  buffer.div_(static_cast<double>(impl_->world_size));
  int64_t offset = 0;
  for (const at::Tensor& t : present) {
    const int64_t n = t.numel();
    t.copy_(buffer.narrow(0, offset, n).view(t.sizes()));
    offset += n;
  }
}

void DistributedGroup::all_reduce_sum(at::Tensor& tensor) {
  impl_->all_reduce(tensor, c10d::ReduceOp::SUM, "sum");
}

void DistributedGroup::all_reduce_max(at::Tensor& tensor) {
  impl_->all_reduce(tensor, c10d::ReduceOp::MAX, "maximum");
}

void DistributedGroup::broadcast_from_root(const std::vector<at::Tensor>& tensors) {
  // One at a time: run once at the start, where simplicity beats a flat buffer.
  for (const at::Tensor& t : tensors) {
    if (!t.defined()) continue;
    std::vector<at::Tensor> one{t.is_contiguous() ? t : t.contiguous()};
    c10d::BroadcastOptions options;
    options.rootRank = 0;
    impl_->run(impl_->group->broadcast(one, options), "broadcast");
    if (!one[0].is_same(t)) t.copy_(one[0]);
  }
}

void DistributedGroup::barrier() {
  impl_->run(impl_->group->barrier(), "barrier");
}

}  // namespace hwb
