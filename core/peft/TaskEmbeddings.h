#pragma once

#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

#include <cstdint>
#include <string>
#include <vector>

namespace hwb {

// One trained embedding z_t per task (METHOD.md section 4), registered under the task's name so
// the checkpoint calls it "peft.task_embeddings.<task>". Initialised N(0, 1).
class TaskEmbeddingsImpl : public torch::nn::Module {
 public:
  TaskEmbeddingsImpl(const std::vector<std::string>& tasks, int64_t dim);

  // Adds a task after training (a new task learns only this), drawn N(0, 1) from `seed`, on the
  // device and in the dtype of the existing embeddings. Throws if the task exists.
  at::Tensor add(const std::string& task, uint64_t seed);

  // z_t [dim]; throws hwb::Error naming the known tasks for an unknown one.
  at::Tensor get(const std::string& task) const;
  bool contains(const std::string& task) const;
  const std::vector<std::string>& tasks() const { return tasks_; }
  int64_t dim() const { return dim_; }
  // [tasks, dim] in task order.
  at::Tensor stacked() const;

 private:
  std::vector<std::string> tasks_;
  int64_t dim_;
};
TORCH_MODULE(TaskEmbeddings);

}  // namespace hwb
