#pragma once

#include <c10/core/Device.h>

#include <vector>

#include "core/data/Batcher.h"
#include "core/data/TaskLoader.h"
#include "core/train/TrainingObserver.h"

namespace hwb {

class GraphedSteps;
class PeftModel;
class Tokenizer;

struct EvaluationOptions {
  int64_t batch_size = 64;
  bool reference_average = false;  // the reference code's plain mean of metric values
  bool bf16 = false;               // CUDA autocast
  // CUDA: each batch's greedy decoding replayed as a graph, one per task and padded batch shape.
  // Its step generates the task's max_target_length tokens without leaving early (the same text);
  // batches are padded by `buckets`, and carry no labels.
  GraphedSteps* generation_graphs = nullptr;
  LengthBuckets buckets;
};

// Greedy generation on one split of every task (batches sorted by length), decoded and scored
// with the task's metrics; the average is the run's score. `split`: "validation" or "test".
EvaluationResult evaluate(PeftModel& model, const std::vector<LoadedTask>& tasks,
                          const std::string& split, const Tokenizer& tokenizer,
                          const c10::Device& device, const EvaluationOptions& options);

}  // namespace hwb
