#include "core/train/ExperimentBackbone.h"

#include "core/model/T5Checkpoint.h"

namespace hwb {

T5Model build_backbone(const ExperimentConfig& config) {
  if (config.backbone == ExperimentConfig::kBuiltinTinyBackbone) {
    T5Model model(T5Config::tiny());
    model->init_weights(config.seed);
    return model;
  }
  return load_t5(config.backbone);
}

}  // namespace hwb
