#include "core/train/GraphedSteps.h"

#include <map>
#include <set>
#include <tuple>

#include "core/train/CudaGraphStep.h"

namespace hwb {

namespace {

using ShapeKey = std::tuple<std::string, int64_t, int64_t, int64_t>;  // task, rows, source, target

struct Captured {
  BatchTensors inputs;  // what the graph reads: refilled in place before each replay
  std::unique_ptr<CudaGraphStep> graph;
};

}  // namespace

struct GraphedSteps::Impl {
  Step step;
  std::size_t max_graphs = 0;
  std::optional<CudaGraphStep::PoolId> pool;
  std::set<ShapeKey> seen;  // shapes that ran once eagerly, not captured yet
  std::map<ShapeKey, Captured> graphs;
};

GraphedSteps::GraphedSteps(Step step, std::size_t max_graphs) : impl_(std::make_unique<Impl>()) {
  impl_->step = std::move(step);
  impl_->max_graphs = max_graphs;
}

GraphedSteps::~GraphedSteps() = default;

bool GraphedSteps::available() {
  return CudaGraphStep::available();
}

std::size_t GraphedSteps::graph_count() const {
  return impl_->graphs.size();
}

GraphedSteps::Result GraphedSteps::run(const std::string& task, const BatchTensors& batch) {
  const ShapeKey key{task, batch.input_ids.size(0), batch.input_ids.size(1),
                     batch.labels.defined() ? batch.labels.size(1) : -1};
  auto it = impl_->graphs.find(key);
  if (it == impl_->graphs.end()) {
    const bool room = impl_->graphs.size() < impl_->max_graphs;
    if (!room || impl_->seen.insert(key).second) return {impl_->step(task, batch), false};
    if (!impl_->pool) impl_->pool = CudaGraphStep::new_pool();
    Captured c;
    c.inputs = {batch.input_ids.clone(), batch.attention_mask.clone(),
                batch.labels.defined() ? batch.labels.clone() : at::Tensor()};
    it = impl_->graphs.emplace(key, std::move(c)).first;
    BatchTensors* inputs = &it->second.inputs;
    it->second.graph = std::make_unique<CudaGraphStep>(
        [this, task, inputs] { return impl_->step(task, *inputs); }, /*warmup=*/0, impl_->pool);
    impl_->seen.erase(key);
  } else {
    it->second.inputs.input_ids.copy_(batch.input_ids, /*non_blocking=*/true);
    it->second.inputs.attention_mask.copy_(batch.attention_mask, /*non_blocking=*/true);
    if (batch.labels.defined()) it->second.inputs.labels.copy_(batch.labels, /*non_blocking=*/true);
  }
  return {it->second.graph->run(), true};
}

}  // namespace hwb
