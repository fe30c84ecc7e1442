#include "core/peft/TaskEmbeddings.h"

#include <ATen/ATen.h>

#include <algorithm>

#include "core/util/Error.h"

namespace hwb {

TaskEmbeddingsImpl::TaskEmbeddingsImpl(const std::vector<std::string>& tasks, int64_t dim)
    : dim_(dim) {
  for (const auto& task : tasks) {
    tasks_.push_back(task);
    // Drawn by PeftModule's seeded initialisation.
    register_parameter(task, at::zeros({dim}, at::kFloat));
  }
}

at::Tensor TaskEmbeddingsImpl::add(const std::string& task, uint64_t seed) {
  if (contains(task)) throw Error("Task '" + task + "' already has a task embedding");
  const at::Generator gen = at::detail::createCPUGenerator(seed);
  at::Tensor z = at::normal(0.0, 1.0, {dim_}, gen, at::TensorOptions().dtype(at::kFloat));
  if (!tasks_.empty()) {
    const at::Tensor like = get(tasks_.front());
    z = z.to(like.device(), like.scalar_type());
  }
  tasks_.push_back(task);
  return register_parameter(task, z);
}

at::Tensor TaskEmbeddingsImpl::get(const std::string& task) const {
  const auto params = named_parameters(/*recurse=*/false);
  const at::Tensor* z = params.find(task);
  if (!z) {
    std::string known;
    for (const auto& t : tasks_) known += (known.empty() ? "" : ", ") + t;
    throw Error("Task '" + task + "' has no task embedding (known tasks: " + known + ")");
  }
  return *z;
}

bool TaskEmbeddingsImpl::contains(const std::string& task) const {
  return std::find(tasks_.begin(), tasks_.end(), task) != tasks_.end();
}

at::Tensor TaskEmbeddingsImpl::stacked() const {
  std::vector<at::Tensor> rows;
  for (const auto& t : tasks_) rows.push_back(get(t));
  return at::stack(rows);
}

}  // namespace hwb
