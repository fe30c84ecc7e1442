#include "core/peft/ParameterEstimate.h"

#include <filesystem>
#include <string>

#include "core/model/BuiltinBackbones.h"
#include "core/peft/BackboneFreezing.h"
#include "core/util/Error.h"

namespace hwb {
namespace {

// Collects names and sizes the way LibTorch's named_parameters would list them. The order is not
// the model's; the report does not depend on it.
class ParameterList {
 public:
  ParameterList(const T5Config& backbone, const PeftConfig& peft)
      : backbone_(backbone), peft_(peft) {}

  void backbone(const std::string& name, int64_t numel) {
    out_.push_back(
        {name, numel, trains_backbone_parameter(peft_, backbone_.tie_word_embeddings, name)});
  }
  // PeftModel::apply_freezing: every added parameter trains.
  void added(const std::string& name, int64_t numel) {
    out_.push_back({"peft." + name, numel, true});
  }
  // torch::nn::Linear(in, out) with its bias.
  void added_linear(const std::string& name, int64_t in, int64_t out) {
    added(name + ".weight", in * out);
    added(name + ".bias", out);
  }
  void added_layer_norm(const std::string& name, int64_t d) {
    added(name + ".weight", d);
    added(name + ".bias", d);
  }

  std::vector<ParameterCount> take() { return std::move(out_); }

 private:
  const T5Config& backbone_;
  const PeftConfig& peft_;
  std::vector<ParameterCount> out_;
};

std::string stack_prefix(StackKind stack) {
  return stack == StackKind::kEncoder ? "encoder" : "decoder";
}

int64_t stack_layers(const T5Config& c, StackKind stack) {
  return stack == StackKind::kEncoder ? c.num_layers : c.num_decoder_layers;
}

// T5Model: shared embedding, per block the attention and feed-forward sublayers each with its RMS
// norm (weight only), the relative-position table in each stack's first block, a final norm per
// stack, and lm_head only when it is not tied to the embedding.
void add_backbone(const T5Config& c, ParameterList& list) {
  const int64_t d = c.d_model, inner = c.num_heads * c.d_kv;
  list.backbone("shared.weight", c.vocab_size * d);
  for (StackKind stack : {StackKind::kEncoder, StackKind::kDecoder}) {
    const std::string s = stack_prefix(stack);
    const bool decoder = stack == StackKind::kDecoder;
    for (int64_t i = 0; i < stack_layers(c, stack); ++i) {
      const std::string block = s + ".block." + std::to_string(i) + ".layer.";
      auto attention = [&](const std::string& sub) {
        for (const char* m : {"q", "k", "v"}) list.backbone(sub + "." + m + ".weight", d * inner);
        list.backbone(sub + ".o.weight", inner * d);
      };
      attention(block + "0.SelfAttention");
      if (i == 0) {
        list.backbone(block + "0.SelfAttention.relative_attention_bias.weight",
                      c.relative_attention_num_buckets * c.num_heads);
      }
      list.backbone(block + "0.layer_norm.weight", d);
      if (decoder) {
        attention(block + "1.EncDecAttention");
        list.backbone(block + "1.layer_norm.weight", d);
      }
      const std::string ff = block + (decoder ? "2" : "1");
      if (c.gated_ffn()) {
        list.backbone(ff + ".DenseReluDense.wi_0.weight", d * c.d_ff);
        list.backbone(ff + ".DenseReluDense.wi_1.weight", d * c.d_ff);
      } else {
        list.backbone(ff + ".DenseReluDense.wi.weight", d * c.d_ff);
      }
      list.backbone(ff + ".DenseReluDense.wo.weight", c.d_ff * d);
      list.backbone(ff + ".layer_norm.weight", d);
    }
    list.backbone(s + ".final_layer_norm.weight", d);
  }
  if (!c.tie_word_embeddings) list.backbone("lm_head.weight", d * c.vocab_size);
}

struct Site {
  StackKind stack;
  int64_t layer;
  SublayerKind where;
  std::string path() const {
    return stack_prefix(stack) + "." + std::to_string(layer) + "." +
           (where == SublayerKind::kFeedForward ? "feed_forward" : "self_attention");
  }
};

// adapter_sites (Adapter.h): layer-major, feed-forward before self-attention, encoder first.
std::vector<Site> sites_of(const T5Config& c, const PeftConfig& peft) {
  std::vector<Site> sites;
  for (StackKind stack : {StackKind::kEncoder, StackKind::kDecoder}) {
    if (!peft.adapters_in_stack(stack)) continue;
    for (int64_t layer = 0; layer < stack_layers(c, stack); ++layer) {
      for (SublayerKind where : {SublayerKind::kFeedForward, SublayerKind::kSelfAttention}) {
        sites.push_back({stack, layer, where});
      }
    }
  }
  return sites;
}

// AdapterGenerator: linear maps from the projected task vector to each adapter tensor.
void add_generator(const std::string& name, const T5Config& c, const PeftConfig& peft,
                   ParameterList& list) {
  const int64_t in = peft.projected_task_dim, d = c.d_model, m = peft.adapter_dim(c.d_model);
  list.added_linear(name + ".down", in, m * d);
  list.added_linear(name + ".down_bias", in, m);
  list.added_linear(name + ".up", in, d * m);
  list.added_linear(name + ".up_bias", in, d);
  if (peft.adapter_layer_norm_after && peft.conditional_layer_norm) {
    list.added_linear(name + ".gamma", in, d);
    list.added_linear(name + ".beta", in, d);
  }
  if (peft.adapter_layer_norm_before && peft.conditional_layer_norm) {
    list.added_linear(name + ".pre_gamma", in, d);
    list.added_linear(name + ".pre_beta", in, d);
  }
}

// TaskProjector: in -> hidden -> projected, with an optional LayerNorm.
void add_projector(const std::string& name, int64_t in, const PeftConfig& peft,
                   ParameterList& list) {
  list.added_linear(name + ".fc1", in, peft.projector_hidden_dim);
  list.added_linear(name + ".fc2", peft.projector_hidden_dim, peft.projected_task_dim);
  if (peft.projector_layer_norm)
    list.added_layer_norm(name + ".layer_norm", peft.projected_task_dim);
}

void add_hypernetwork(const T5Config& c, const PeftConfig& peft, const std::vector<Site>& sites,
                      ParameterList& list) {
  const int64_t t = peft.task_embedding_dim;
  for (const auto& task : peft.tasks) list.added("task_embeddings." + task, t);
  if (peft.variant == PeftVariant::kHyperformer) {
    add_projector("hypernet.projector", t, peft, list);
    for (const Site& site : sites) add_generator("hypernet." + site.path(), c, peft, list);
    return;
  }
  const bool pp = peft.variant == PeftVariant::kHyperformerPP;
  for (StackKind stack : {StackKind::kEncoder, StackKind::kDecoder}) {
    if (!peft.adapters_in_stack(stack)) continue;
    const std::string net = "hypernet." + stack_prefix(stack);
    list.added(net + ".layer_embeddings.weight", stack_layers(c, stack) * t);
    if (pp) list.added(net + ".position_embeddings.weight", 2 * t);
    add_projector(net + ".projector", pp ? 3 * t : 2 * t, peft, list);
    if (pp) {
      add_generator(net + ".generator", c, peft, list);
    } else {
      add_generator(net + ".feed_forward", c, peft, list);
      add_generator(net + ".self_attention", c, peft, list);
    }
  }
}

// PeftModule: plain adapters per task, or the hypernetwork; then the plain adapter layer norms,
// one per site shared by the tasks, unless the hypernetwork generates them.
void add_peft(const T5Config& c, const PeftConfig& peft, ParameterList& list) {
  const std::vector<Site> sites = sites_of(c, peft);
  if (peft.uses_hypernetwork()) {
    add_hypernetwork(c, peft, sites, list);
  } else if (peft.has_adapters()) {
    const int64_t d = c.d_model, m = peft.adapter_dim(c.d_model);
    for (const auto& task : peft.tasks) {
      for (const Site& site : sites) {
        list.added_linear("adapters." + task + "." + site.path() + ".down", d, m);
        list.added_linear("adapters." + task + "." + site.path() + ".up", m, d);
      }
    }
  }
  if (peft.generates_layer_norms()) return;
  for (const Site& site : sites) {
    if (peft.adapter_layer_norm_before)
      list.added_layer_norm("adapter_norms." + site.path() + ".pre", c.d_model);
    if (peft.adapter_layer_norm_after)
      list.added_layer_norm("adapter_norms." + site.path() + ".post", c.d_model);
  }
}

}  // namespace

std::vector<ParameterCount> expected_parameters(const T5Config& backbone, const PeftConfig& peft) {
  backbone.validate();
  peft.validate(backbone);
  ParameterList list(backbone, peft);
  add_backbone(backbone, list);
  add_peft(backbone, peft, list);
  return list.take();
}

ParameterReport estimate_parameters(const T5Config& backbone, const PeftConfig& peft) {
  return ParameterReport::tally(peft, expected_parameters(backbone, peft));
}

T5Config backbone_config(std::string_view backbone) {
  return backbone_spec_config(backbone);
}

}  // namespace hwb
