#include "core/train/CheckpointEvaluation.h"

#include <ATen/ATen.h>

#include <algorithm>

#include "core/data/SentencePieceTokenizer.h"
#include "core/model/DeviceSpec.h"
#include "core/peft/AdapterCheckpoint.h"
#include "core/peft/PeftModel.h"
#include "core/store/RunStoreReader.h"
#include "core/train/AdamW.h"
#include "core/train/Evaluator.h"
#include "core/train/ExperimentBackbone.h"
#include "core/train/ExperimentData.h"
#include "core/train/RunFolders.h"
#include "core/train/StoredRun.h"
#include "core/train/TrainingCheckpoint.h"
#include "core/util/Error.h"

namespace hwb {
namespace fs = std::filesystem;

EvaluationResult evaluate_stored_run(const StoredRunEvaluation& request) {
  // Its cache sits next to the store it is read from.
  const ExperimentConfig config = load_stored_run(request.store, request.run).config;
  const std::vector<std::string> all = config.task_names();
  for (const std::string& t : request.tasks) {
    if (std::find(all.begin(), all.end(), t) == all.end()) {
      throw Error("Run " + std::to_string(request.run) + " has no task '" + t + "'");
    }
  }

  fs::path file = request.checkpoint;
  int64_t step = 0;
  if (request.checkpoint == "best" || request.checkpoint == "last") {
    file.clear();
    for (const CheckpointInfo& c : RunStoreReader::open(request.store)->checkpoints(request.run)) {
      const bool is_best_file = fs::path(c.path).filename() == "best.safetensors";
      if ((request.checkpoint == "best") == is_best_file) {
        file = c.path;
        step = c.step;
      }
    }
    if (file.empty()) {
      throw Error("Run " + std::to_string(request.run) + " has no " + request.checkpoint +
                  " checkpoint yet");
    }
  }
  if (!fs::exists(file)) throw Error("Checkpoint '" + file.string() + "' does not exist");

  const c10::Device device = parse_device(request.device.empty() ? config.device : request.device);
  const auto tokenizer = SentencePieceTokenizer::load_t5();
  std::vector<LoadedTask> tasks = load_experiment_tasks(config, *tokenizer, run_cache_dir(config));
  if (!request.tasks.empty()) {
    std::erase_if(tasks, [&](const LoadedTask& t) {
      return std::find(request.tasks.begin(), request.tasks.end(), t.definition.name) ==
             request.tasks.end();
    });
  }

  PeftConfig peft = config.peft;
  peft.tasks = all;
  PeftModel model(build_backbone(config), peft, config.seed);
  model.to(device);
  if (request.checkpoint == "last") {
    AdamW optimizer(model.named_trainable_parameters(), {});
    load_training_checkpoint(file, model, optimizer);
  } else {
    load_adapters(model, file);
  }
  EvaluationOptions options;
  options.batch_size = config.eval_batch_size;
  options.reference_average = config.reference_compatible;
  options.bf16 = config.bf16 && device.is_cuda();
  EvaluationResult result = evaluate(model, tasks, request.split, *tokenizer, device, options);
  result.step = step;
  return result;
}

}  // namespace hwb
