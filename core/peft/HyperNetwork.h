#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/embedding.h>
#include <torch/nn/pimpl.h>

#include <vector>

#include "core/peft/Adapter.h"
#include "core/peft/AdapterGenerator.h"
#include "core/peft/PeftConfig.h"
#include "core/peft/TaskProjector.h"

namespace hwb {

struct T5Config;

// The hypernetworks of the three Hyperformer variants (METHOD.md sections 3 and 4), as options on
// one module. From a task embedding z_t it generates the adapters of every site at once (a batch
// holds one task, so this runs once per batch). Parameter names under "peft.hypernet.":
//   hyperformer (per layer):       projector.{fc1,fc2,layer_norm}.*         input t
//                                  <stack>.<layer>.<position>.<generator>.*
//   hyperformer_layer_conditioned: <stack>.layer_embeddings.weight          [layers, t]
//                                  <stack>.projector.*                      input 2t: [z_t ; l_i]
//                                  <stack>.<position>.<generator>.*
//   hyperformer_pp:                <stack>.layer_embeddings.weight          [layers, t]
//                                  <stack>.position_embeddings.weight       [2, t]
//                                  <stack>.projector.*                      input 3t: [z_t ; l_i ;
//                                  p_j] <stack>.generator.<generator>.*
// <stack> is encoder/decoder (those with adapters), <position> feed_forward/self_attention (the
// position-embedding rows 0 and 1), <generator> one of AdapterGenerator's names.
class HyperNetworkImpl : public torch::nn::Module {
 public:
  HyperNetworkImpl(const PeftConfig& config, const T5Config& backbone);

  // z: [t] -> one task's weights at every site, plus the projected embeddings I per site.
  TaskAdapters forward(const at::Tensor& z);

  const std::vector<AdapterSite>& sites() const { return sites_; }

 private:
  struct StackNet {
    StackKind stack = StackKind::kEncoder;
    int64_t layers = 0;
    torch::nn::Embedding layer_embeddings{nullptr}, position_embeddings{nullptr};
    TaskProjector projector{nullptr};
    AdapterGenerator generator{nullptr};                              // hyperformer_pp
    AdapterGenerator feed_forward{nullptr}, self_attention{nullptr};  // layer-conditioned
  };

  PeftVariant variant_;
  std::vector<AdapterSite> sites_;
  TaskProjector projector_{nullptr};               // per-layer variant
  std::vector<AdapterGenerator> site_generators_;  // per-layer variant, in site order
  std::vector<StackNet> stacks_;                   // the other two variants
};
TORCH_MODULE(HyperNetwork);

}  // namespace hwb
