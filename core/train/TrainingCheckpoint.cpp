#include "core/train/TrainingCheckpoint.h"

#include <ATen/ATen.h>

#include <map>

#include "core/model/Safetensors.h"
#include "core/peft/PeftModel.h"
#include "core/train/AdamW.h"
#include "core/util/Error.h"

namespace hwb {

namespace {
constexpr const char* kFormat = "hwb-training-checkpoint";
constexpr const char* kModelPrefix = "model/";
constexpr const char* kOptimPrefix = "optim/";
}  // namespace

nlohmann::json TrainingState::to_json() const {
  return {{"step", step},
          {"best_score", std::isfinite(best_score) ? nlohmann::json(best_score) : nlohmann::json()},
          {"best_step", best_step},
          {"evaluations_since_best", evaluations_since_best},
          {"elapsed_seconds", elapsed_seconds},
          {"sampler", sampler}};
}

TrainingState TrainingState::from_json(const nlohmann::json& j) {
  TrainingState s;
  s.step = j.at("step").get<int64_t>();
  if (!j.at("best_score").is_null()) s.best_score = j.at("best_score").get<double>();
  s.best_step = j.at("best_step").get<int64_t>();
  s.evaluations_since_best = j.at("evaluations_since_best").get<int64_t>();
  s.elapsed_seconds = j.at("elapsed_seconds").get<double>();
  s.sampler = j.at("sampler");
  return s;
}

void save_training_checkpoint(const std::filesystem::path& file, PeftModel& model,
                              const AdamW& optimizer, const TrainingState& state,
                              const std::string& experiment_json) {
  std::vector<std::pair<std::string, at::Tensor>> tensors;
  for (auto& [name, t] : model.named_trainable_parameters()) {
    tensors.emplace_back(kModelPrefix + name, t.detach().to(at::kFloat));
  }
  for (auto& [name, t] : optimizer.state()) tensors.emplace_back(kOptimPrefix + name, t);
  std::error_code ec;
  std::filesystem::create_directories(file.parent_path(), ec);
  write_safetensors(file, tensors,
                    {{"format", kFormat},
                     {"hwb_training_state", state.to_json().dump()},
                     {"optimizer_steps", std::to_string(optimizer.steps_taken())},
                     {"experiment", experiment_json}});
}

TrainingState load_training_checkpoint(const std::filesystem::path& file, PeftModel& model,
                                       AdamW& optimizer) {
  const SafetensorsFile st(file);
  const auto format = st.metadata().find("format");
  if (format == st.metadata().end() || format->second != kFormat) {
    throw Error("'" + file.string() + "' is not a training checkpoint of this program");
  }
  TrainingState state;
  int64_t optimizer_steps = 0;
  try {
    state = TrainingState::from_json(nlohmann::json::parse(st.metadata().at("hwb_training_state")));
    optimizer_steps = std::stoll(st.metadata().at("optimizer_steps"));
  } catch (const std::exception& e) {
    throw Error("Corrupted training state in '" + file.string() + "': " + e.what());
  }
  std::vector<std::string> problems;
  at::NoGradGuard no_grad;
  for (auto& [name, param] : model.named_trainable_parameters()) {
    const std::string key = kModelPrefix + name;
    if (!st.contains(key)) {
      problems.push_back("missing " + name);
      continue;
    }
    const at::Tensor value = st.load(key);
    if (!value.sizes().equals(param.sizes())) {
      problems.push_back(name + ": shape " + c10::str(value.sizes()) + ", model has " +
                         c10::str(param.sizes()));
      continue;
    }
    param.copy_(value);
  }
  if (!problems.empty()) {
    std::string message = "The checkpoint '" + file.string() + "' does not fit this model:";
    for (std::size_t i = 0; i < problems.size() && i < 10; ++i) message += "\n  " + problems[i];
    throw Error(message);
  }
  std::vector<std::pair<std::string, at::Tensor>> moments;
  const std::string prefix = kOptimPrefix;
  for (const auto& [key, entry] : st.entries()) {
    if (key.rfind(prefix, 0) == 0) moments.emplace_back(key.substr(prefix.size()), st.load(key));
  }
  for (auto& [name, t] : moments) {
    (void)name;
    t = t.to(model.trainable_parameters().front().device());
  }
  optimizer.load_state(moments, optimizer_steps);
  model.invalidate_generated();
  return state;
}

}  // namespace hwb
