#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "core/model/T5Model.h"

namespace hwb {

// Backbone specs: a Hugging Face T5 folder, "builtin:tiny" (a small random T5 made on the spot from
// a seed), "builtin:NAME" for a pretrained folder shipped in resources/backbones/NAME
// (docs/PRETRAINING.md says how builtin:t5-mini was made), or "random:SPEC", the shape of SPEC
// with weights drawn from the seed (the control that shows what pretraining brings). Every place
// that takes a backbone spec resolves it here.
inline constexpr std::string_view kBuiltinTinySpec = "builtin:tiny";
inline constexpr std::string_view kBuiltinPrefix = "builtin:";
inline constexpr std::string_view kRandomPrefix = "random:";

bool is_builtin_tiny(std::string_view spec);
// builtin:tiny and random:SPEC: weights made from a seed, no folder to read them from.
bool is_made_from_seed(std::string_view spec);

// The names after "builtin:" that a spec may use: "tiny" and the shipped folders.
std::vector<std::string> builtin_backbone_names();

// The folder a spec names ("builtin:t5-mini" resolved to its shipped folder; any other text is the
// folder itself; random:SPEC gives SPEC's). Throws hwb::Error for an unknown builtin name, listing
// the known ones. Not for builtin:tiny, which has no folder.
std::filesystem::path backbone_folder(std::string_view spec);

// The config of the backbone a spec names (T5Config::tiny() for builtin:tiny), read from its
// config.json; throws hwb::Error naming the folder and the fix when there is none.
T5Config backbone_spec_config(std::string_view spec);

// The backbone itself: builtin:tiny and random:SPEC initialised from `seed` (T5's own
// initialisation), else the folder's weights (fp32).
T5Model load_backbone_spec(std::string_view spec, uint64_t seed);

}  // namespace hwb
