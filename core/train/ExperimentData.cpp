#include "core/train/ExperimentData.h"

#include "core/data/GlueTasks.h"
#include "core/util/Error.h"
#include "core/util/Paths.h"

namespace hwb {
namespace fs = std::filesystem;

std::vector<TaskDefinition> experiment_task_definitions(const ExperimentConfig& config) {
  const fs::path glue_dir = config.glue_dir == ExperimentConfig::kBuiltinDemoData
                                ? find_resource("demo/glue")
                                : fs::path(config.glue_dir);
  GlueOptions glue_options;
  glue_options.reference_compatible = config.reference_compatible;
  std::vector<TaskDefinition> definitions;
  std::vector<std::string> missing;
  for (const ExperimentTask& task : config.tasks) {
    TaskDefinition def =
        task.custom ? *task.custom : GlueTasks::definition(task.glue, glue_dir, glue_options);
    def.max_source_length = config.max_source_length;
    for (const std::string& role : def.required_files()) {
      const auto it = def.files.find(role);
      if (it == def.files.end() || !fs::exists(it->second)) {
        missing.push_back(def.name + " needs its " + role + " file " +
                          (it == def.files.end() ? std::string("(none given)")
                                                 : "'" + it->second.string() + "'"));
      }
    }
    definitions.push_back(std::move(def));
  }
  if (!missing.empty()) {
    std::string message = "Task files are missing:";
    for (const auto& m : missing) message += "\n  " + m;
    message +=
        "\nPoint data.glue_dir at GLUE's download folder (SST-2/, RTE/, ... inside), or "
        "use builtin:demo for the bundled samples.";
    throw Error(message);
  }
  return definitions;
}

std::vector<LoadedTask> load_experiment_tasks(const ExperimentConfig& config,
                                              const Tokenizer& tokenizer,
                                              const fs::path& cache_dir) {
  const std::vector<TaskDefinition> definitions = experiment_task_definitions(config);
  std::vector<LoadedTask> tasks;
  for (std::size_t i = 0; i < definitions.size(); ++i) {
    TaskLoadOptions options;
    options.cache_dir = cache_dir;
    options.bad_rows = config.skip_bad_rows ? BadRowPolicy::kSkip : BadRowPolicy::kRefuse;
    options.split.seed = config.data_seed;
    options.split.reference_leak = config.reference_compatible;
    options.split.max_train = config.tasks[i].max_train;
    options.split.max_validation = config.tasks[i].max_validation;
    options.split.max_test = config.tasks[i].max_test;
    tasks.push_back(TaskLoader(tokenizer, options).load(definitions[i]));
    if (tasks.back().train.empty()) {
      throw Error("Task '" + definitions[i].name +
                  "' has no training examples left after its "
                  "split and caps; raise data.tasks[" +
                  std::to_string(i) + "].max_train");
    }
  }
  return tasks;
}

}  // namespace hwb
