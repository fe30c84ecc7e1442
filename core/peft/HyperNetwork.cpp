#include "core/peft/HyperNetwork.h"

#include <ATen/ATen.h>

#include "core/model/T5Config.h"
#include "core/peft/ModuleTree.h"
#include "core/util/Error.h"

namespace hwb {

HyperNetworkImpl::HyperNetworkImpl(const PeftConfig& config, const T5Config& backbone)
    : variant_(config.variant), sites_(adapter_sites(config, backbone)) {
  if (!config.uses_hypernetwork()) {
    throw Error("HyperNetwork: variant " + std::string(to_string(config.variant)) +
                " has no hypernetwork");
  }
  const int64_t t = config.task_embedding_dim;
  AdapterGeneratorOptions gen;
  gen.input_dim = config.projected_task_dim;
  gen.d_model = backbone.d_model;
  gen.adapter_dim = config.adapter_dim(backbone.d_model);
  gen.pre_norm = config.adapter_layer_norm_before && config.conditional_layer_norm;
  gen.post_norm = config.adapter_layer_norm_after && config.conditional_layer_norm;
  auto projector = [&](int64_t in) {
    return TaskProjector(in, config.projector_hidden_dim, config.projected_task_dim,
                         config.projector_layer_norm);
  };

  if (variant_ == PeftVariant::kHyperformer) {
    projector_ = register_module("projector", projector(t));
    for (const AdapterSite& site : sites_) {
      auto node =
          module_node(*this, {std::string(stack_name(site.stack)), std::to_string(site.layer)});
      site_generators_.push_back(
          node->register_module(std::string(position_name(site.where)), AdapterGenerator(gen)));
    }
    return;
  }
  const bool pp = variant_ == PeftVariant::kHyperformerPP;
  for (StackKind stack : {StackKind::kEncoder, StackKind::kDecoder}) {
    if (!config.adapters_in_stack(stack)) continue;
    StackNet net;
    net.stack = stack;
    net.layers = stack == StackKind::kEncoder ? backbone.num_layers : backbone.num_decoder_layers;
    auto node = module_node(*this, std::string(stack_name(stack)));
    net.layer_embeddings =
        node->register_module("layer_embeddings", torch::nn::Embedding(net.layers, t));
    if (pp) {
      net.position_embeddings =
          node->register_module("position_embeddings", torch::nn::Embedding(2, t));
    }
    net.projector = node->register_module("projector", projector(pp ? 3 * t : 2 * t));
    if (pp) {
      net.generator = node->register_module("generator", AdapterGenerator(gen));
    } else {
      net.feed_forward = node->register_module("feed_forward", AdapterGenerator(gen));
      net.self_attention = node->register_module("self_attention", AdapterGenerator(gen));
    }
    stacks_.push_back(net);
  }
}

TaskAdapters HyperNetworkImpl::forward(const at::Tensor& z) {
  // z: [t]
  TaskAdapters out;
  if (variant_ == PeftVariant::kHyperformer) {
    const at::Tensor projected = projector_(z.unsqueeze(0));  // [1, P]
    for (AdapterGenerator& g : site_generators_)
      out.sites.push_back(unbind_adapters(g(projected))[0]);
    out.projected = projected.expand({static_cast<int64_t>(sites_.size()), projected.size(1)});
    return out;
  }
  std::vector<at::Tensor> projected_rows;
  for (StackNet& net : stacks_) {
    const int64_t n = net.layers;
    const at::Tensor layers = net.layer_embeddings->weight;  // [n, t]
    if (variant_ == PeftVariant::kHyperformerPP) {
      // Rows in site order: layer-major, feed-forward (p_0) before self-attention (p_1).
      const at::Tensor x =
          at::cat({z.unsqueeze(0).expand({2 * n, z.size(0)}), layers.repeat_interleave(2, 0),
                   net.position_embeddings->weight.repeat({n, 1})},
                  1);
      const at::Tensor projected = net.projector(x);  // [2n, P]
      for (AdapterWeights& w : unbind_adapters(net.generator(projected))) {
        out.sites.push_back(std::move(w));
      }
      projected_rows.push_back(projected);
    } else {
      const at::Tensor x = at::cat({z.unsqueeze(0).expand({n, z.size(0)}), layers}, 1);
      const at::Tensor projected = net.projector(x);  // [n, P]
      const std::vector<AdapterWeights> ff = unbind_adapters(net.feed_forward(projected));
      const std::vector<AdapterWeights> sa = unbind_adapters(net.self_attention(projected));
      for (std::size_t i = 0; i < ff.size(); ++i) {
        out.sites.push_back(ff[i]);
        out.sites.push_back(sa[i]);
      }
      projected_rows.push_back(projected.repeat_interleave(2, 0));
    }
  }
  out.projected = at::cat(projected_rows, 0);
  return out;
}

}  // namespace hwb
