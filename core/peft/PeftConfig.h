#pragma once

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/model/AdapterPlacement.h"

namespace hwb {

struct T5Config;

// The variants of METHOD.md section 3, as options on one model (STYLE.md point 4).
enum class PeftVariant {
  kFullFinetune,  // everything trains; single-task with one task, multi-task (T5†) with more
  kAdapters,      // one adapter set, trained on its one task with the T5 layer norms
  kAdaptersSharedNorms,  // Adapters†: one adapter set per task, trained together, norms shared
  kHyperformer,          // one hypernetwork per (stack, layer, position), fed the projected z_t
  kHyperformerLayerConditioned,  // reference unique_hyper_net: one per stack, fed [z_t ; l_i]
  kHyperformerPP,  // one per stack for every layer and position, fed [z_t ; l_i ; p_j]
};

enum class AdapterStacks { kEncoder, kDecoder, kBoth };

// The variant's configuration; round-trips through JSON (unknown keys are refused, so a typo in a
// preset is an error rather than a silent default). Defaults are the paper's Hyperformer++ for
// T5-base (METHOD.md section 6).
struct PeftConfig {
  PeftVariant variant = PeftVariant::kHyperformerPP;
  // Task names, in the order that indexes task embeddings and adapter sets. Letters, digits, '_'
  // and '-' only: they become parts of parameter names ("peft.task_embeddings.<task>").
  std::vector<std::string> tasks;
  // Adapter bottleneck m = d_model / reduction_factor; must divide d_model.
  int64_t reduction_factor = 32;
  // The adapter's activation: "gelu_new" (tanh approximation, the published configs), "relu" or
  // "swish" (= silu).
  std::string non_linearity = "gelu_new";
  // t, the size of each task embedding z_t (and of the layer-id and position embeddings).
  int64_t task_embedding_dim = 64;
  // The task projector h_I: input -> projector_hidden_dim -> projected_task_dim (= the input size
  // of every generator).
  int64_t projector_hidden_dim = 128;
  int64_t projected_task_dim = 64;
  // A LayerNorm at the end of the projector (METHOD.md section 4; the reference code's
  // unique_hyper_net_layer_norm). The reference per-layer Hyperformer has none: set false for it.
  bool projector_layer_norm = true;
  // Hypernetwork variants: generate the adapter layer norms' gamma/beta from the task (task-
  // conditional layer norm). Off: each adapter site has one plain layer norm shared by the tasks.
  // Plain adapter variants always use plain layer norms.
  bool conditional_layer_norm = true;
  // LN_pre and LN_post of A(y) = LN_post(U act(D LN_pre(y) + b_D) + b_U) + y.
  bool adapter_layer_norm_before = false;
  bool adapter_layer_norm_after = true;
  // Which stacks get adapters (both in the paper).
  AdapterStacks adapters_in = AdapterStacks::kBoth;
  // Backbone parts that keep training in the adapter and hypernetwork variants (full fine-tuning
  // trains everything): the T5 layer norms (METHOD.md section 3), the LM head (with tied
  // embeddings that is the shared embedding), and any backbone parameter whose name contains one
  // of train_backbone_matching (e.g. "decoder.block.11.").
  bool unfreeze_layer_norms = true;
  bool train_lm_head = false;
  std::vector<std::string> train_backbone_matching;

  bool has_adapters() const { return variant != PeftVariant::kFullFinetune; }
  bool uses_hypernetwork() const;
  bool adapters_in_stack(StackKind stack) const;
  // Variants trained on one task (their per-task share is everything they train).
  bool single_task() const { return variant == PeftVariant::kAdapters; }
  // The adapter bottleneck size m for this backbone width.
  int64_t adapter_dim(int64_t d_model) const { return d_model / reduction_factor; }
  // Whether the adapter layer norms are generated per task (else plain and shared).
  bool generates_layer_norms() const { return uses_hypernetwork() && conditional_layer_norm; }

  // Throws hwb::Error listing every problem; with a backbone also checks the sizes against it.
  void validate() const;
  void validate(const T5Config& backbone) const;

  nlohmann::json to_json() const;
  // `source` names where the JSON came from, for error messages.
  static PeftConfig from_json(const nlohmann::json& j, std::string_view source = "peft config");
  // Keys, types and names only, without the checks of validate(): for a config whose task list
  // comes from elsewhere (an experiment's data section) and is checked there.
  static PeftConfig read_json(const nlohmann::json& j, std::string_view source);
};

std::string_view to_string(PeftVariant variant);
std::string_view to_string(AdapterStacks stacks);
// Throws hwb::Error naming the accepted spellings.
PeftVariant parse_peft_variant(std::string_view name);
AdapterStacks parse_adapter_stacks(std::string_view name);
// A task name usable in parameter names.
bool is_valid_task_name(std::string_view name);

}  // namespace hwb
