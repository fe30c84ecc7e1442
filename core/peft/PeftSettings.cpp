#include "core/peft/PeftSettings.h"

namespace hwb {

const SettingsTable<PeftConfig>& peft_settings() {
  using C = PeftConfig;
  // Choices by their JSON names (to_string), so the names are written once, in PeftConfig.cpp.
  auto named = [](auto value, const char* label) {
    return std::pair{value, SettingChoice{std::string(to_string(value)), label}};
  };
  // Sizes are checked per variant by PeftConfig::validate (a hypernetwork size matters only to
  // the variants that have one), so their rows bound only what a size can be at all.
  const SettingRange size = SettingRange::closed(0, 65536);
  static const SettingsTable<C> table = {
      choice_setting<C, PeftVariant>(
          "variant", &C::variant,
          {named(PeftVariant::kHyperformerPP, "Hyperformer++ (one hypernetwork per stack)"),
           named(PeftVariant::kHyperformer, "Hyperformer (per-layer hypernetworks)"),
           named(PeftVariant::kHyperformerLayerConditioned, "Hyperformer, layer-conditioned"),
           named(PeftVariant::kAdaptersSharedNorms, "Adapters† (one set per task)"),
           named(PeftVariant::kAdapters, "Adapters (single task)"),
           named(PeftVariant::kFullFinetune, "Full fine-tuning")},
          "Variant", "What trains (docs/METHOD.md, 'The variants')"),
      setting("reduction_factor", &C::reduction_factor, "Reduction factor",
              "Adapter bottleneck = d_model / reduction factor", size),
      choice_setting<C, std::string>("non_linearity", &C::non_linearity,
                                     {{"gelu_new", {"gelu_new", "gelu_new"}},
                                      {"relu", {"relu", "relu"}},
                                      {"swish", {"swish", "swish"}},
                                      {"silu", {"silu", "silu (= swish)"}}},
                                     "Adapter activation", "The adapters' activation"),
      setting("task_embedding_dim", &C::task_embedding_dim, "Task embedding size",
              "Size of each task's learned embedding (hypernetwork variants)", size),
      setting("projector_hidden_dim", &C::projector_hidden_dim, "Projector hidden size",
              "Hidden size of the task projector (hypernetwork variants)", size),
      setting("projected_task_dim", &C::projected_task_dim, "Projected task size",
              "What the task projector outputs, the hypernetworks' input (hypernetwork variants)",
              size),
      setting("projector_layer_norm", &C::projector_layer_norm,
              "Layer norm after the task projector",
              "A layer norm on the projected task embedding"),
      setting("conditional_layer_norm", &C::conditional_layer_norm,
              "Generate adapter layer norms per task",
              "The hypernetworks also generate the adapters' layer norms"),
      setting("adapter_layer_norm_before", &C::adapter_layer_norm_before,
              "Adapter layer norm before", "A layer norm on the adapter's input"),
      setting("adapter_layer_norm_after", &C::adapter_layer_norm_after, "Adapter layer norm after",
              "A layer norm on the adapter's output"),
      choice_setting<C, AdapterStacks>("adapters_in", &C::adapters_in,
                                       {named(AdapterStacks::kBoth, "Encoder and decoder"),
                                        named(AdapterStacks::kEncoder, "Encoder only"),
                                        named(AdapterStacks::kDecoder, "Decoder only")},
                                       "Adapters in", "The stacks whose blocks get adapters"),
      setting("unfreeze_layer_norms", &C::unfreeze_layer_norms, "Train the T5 layer norms",
              "The backbone's layer norms train with the adapters"),
      setting("train_lm_head", &C::train_lm_head, "Train the LM head",
              "The output projection trains (an untied head only)"),
      setting("train_backbone_matching", &C::train_backbone_matching, "Also train",
              "Also train backbone parameters whose name contains one of these, comma-separated "
              "(e.g. decoder.block.11.)"),
  };
  return table;
}

}  // namespace hwb
