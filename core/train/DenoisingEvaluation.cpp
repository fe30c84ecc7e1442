#include "core/train/DenoisingEvaluation.h"

#include <ATen/ATen.h>
#include <torch/csrc/autograd/grad_mode.h>

#include <algorithm>

#include "core/model/Autocast.h"
#include "core/peft/PeftModel.h"
#include "core/train/BatchTensors.h"

namespace hwb {

EvaluationResult evaluate_denoising(PeftModel& model, const LoadedTask& task,
                                    const SpanCorruption& corruption, const c10::Device& device,
                                    std::int64_t batch_size, bool bf16) {
  // Noise seeds for evaluation live far from any training step's.
  constexpr std::uint64_t kEvaluationSeed = 0xE7A1'0000'0000ULL;
  const bool was_training = model.backbone()->is_training();
  model.eval();
  torch::NoGradGuard no_grad;
  double loss_sum = 0, tokens = 0, correct = 0;
  const std::vector<std::size_t>& rows = task.validation.indices;
  const auto step = static_cast<std::size_t>(std::max<std::int64_t>(1, batch_size));
  for (std::size_t begin = 0; begin < rows.size(); begin += step) {
    const std::span<const std::size_t> part(rows.data() + begin,
                                            std::min(step, rows.size() - begin));
    const Batch batch = corruption.batch(*task.validation.data, part, kEvaluationSeed + begin);
    const BatchTensors t = to_tensors(batch, device);
    Seq2SeqOutput out;
    {
      CudaAutocastGuard autocast(bf16);
      out = model.forward(task.definition.name, t.input_ids, t.attention_mask, t.labels);
    }
    const at::Tensor counted = t.labels.ne(-100);
    const double n = counted.sum().item<double>();
    const at::Tensor predicted = out.logits.argmax(-1);
    correct += predicted.eq(t.labels).logical_and(counted).sum().item<double>();
    loss_sum += out.loss.item<double>() * n;  // the loss is the mean over counted tokens
    tokens += n;
  }
  model.train(was_training);
  TaskEvaluation e;
  e.task = task.definition.name;
  e.examples = rows.size();
  const double accuracy = tokens > 0 ? 100.0 * correct / tokens : 0.0;
  e.metrics["accuracy"] = accuracy;
  e.metrics["loss"] = tokens > 0 ? loss_sum / tokens : 0.0;
  e.score = accuracy;
  EvaluationResult result;
  result.tasks.push_back(std::move(e));
  result.average = accuracy;
  return result;
}

}  // namespace hwb
