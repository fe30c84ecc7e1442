#include "core/train/Evaluator.h"

#include <ATen/ATen.h>

#include "core/data/Batcher.h"
#include "core/data/Tokenizer.h"
#include "core/model/Autocast.h"
#include "core/peft/PeftModel.h"
#include "core/train/BatchTensors.h"
#include "core/train/GraphedSteps.h"
#include "core/util/Error.h"

namespace hwb {

namespace {

const TaskSplit& split_of(const LoadedTask& task, const std::string& split) {
  if (split == "validation") return task.validation;
  if (split == "test") return task.test;
  if (split == "train") return task.train;
  throw Error("Unknown split '" + split + "': use train, validation or test");
}

}  // namespace

EvaluationResult evaluate(PeftModel& model, const std::vector<LoadedTask>& tasks,
                          const std::string& split, const Tokenizer& tokenizer,
                          const c10::Device& device, const EvaluationOptions& options) {
  EvaluationResult result;
  result.split = split;
  const bool was_training = model.backbone()->is_training();
  model.eval();
  std::vector<MetricValues> all;
  GraphedSteps* graphs = options.generation_graphs;
  for (const LoadedTask& task : tasks) {
    const TaskSplit& rows = split_of(task, split);
    if (rows.empty()) continue;
    const TaskDataset& data = *rows.data;
    TaskEvaluation eval;
    eval.task = task.definition.name;
    GenerateOptions gen;
    gen.max_new_tokens = task.definition.max_target_length;
    for (const auto& batch_rows : Batcher::evaluation_batches(
             data, rows.indices, static_cast<std::size_t>(options.batch_size))) {
      const Batch batch =
          Batcher::make(data, batch_rows, graphs ? options.buckets : LengthBuckets{});
      BatchTensors t = to_tensors(batch, device);
      at::Tensor generated;
      if (graphs) {
        t.labels = at::Tensor();
        generated = graphs->run(eval.task, t).output.to(at::kCPU);
      } else {
        CudaAutocastGuard autocast(options.bf16 && device.is_cuda());
        generated = model.generate(eval.task, t.input_ids, t.attention_mask, gen).to(at::kCPU);
      }
      for (int64_t i = 0; i < batch.size; ++i) {
        const at::Tensor row = generated[i].slice(0, 1).contiguous();  // drop the start token
        const std::size_t example = batch.examples[static_cast<std::size_t>(i)];
        eval.inputs.emplace_back(data.source(example));
        eval.golds.emplace_back(data.target(example));
        eval.predictions.push_back(tokenizer.decode(std::span<const int64_t>(
            row.data_ptr<int64_t>(), static_cast<std::size_t>(row.numel()))));
      }
    }
    std::vector<MetricKind> kinds;
    for (const std::string& m : task.definition.metrics) kinds.push_back(metric_from_name(m));
    const std::vector<std::string> labels = task.definition.target_labels();
    eval.metrics = task_metrics(eval.predictions, eval.golds, labels, kinds);
    eval.score = task_score(eval.metrics);
    eval.examples = eval.predictions.size();
    all.push_back(eval.metrics);
    result.tasks.push_back(std::move(eval));
  }
  if (!all.empty()) {
    result.average =
        run_average(all, options.reference_average ? RunAverage::kReferenceMeanOfMetrics
                                                   : RunAverage::kMeanOfTaskScores);
  }
  model.train(was_training);
  return result;
}

}  // namespace hwb
