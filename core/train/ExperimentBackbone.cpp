#include "core/train/ExperimentBackbone.h"

#include "core/model/BuiltinBackbones.h"

namespace hwb {

T5Model build_backbone(const ExperimentConfig& config) {
  if (config.pretraining) {
    T5Model model(config.pretraining->architecture);
    model->init_weights(config.seed);
    return model;
  }
  return load_backbone_spec(config.backbone, config.seed);
}

}  // namespace hwb
