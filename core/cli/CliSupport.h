#pragma once

#include <c10/core/Device.h>

#include <filesystem>
#include <string>
#include <vector>

#include "core/model/T5Model.h"

namespace hwb::cli {

// "cpu", "cuda" or "cuda:N"; throws hwb::Error with the fix when CUDA is asked for but absent.
c10::Device parse_device(const std::string& text);

// A model folder, or "builtin:tiny" for T5Config::tiny() with seeded random weights (no files).
T5Model open_model(const std::string& spec, uint64_t seed = 42);

// "1, 2,3" -> {1, 2, 3}; throws hwb::Error naming the bad item.
std::vector<int64_t> parse_ids(const std::string& text, const std::string& option);

// Where the parity fixtures live in a source checkout (tests/fixtures next to the resources).
std::filesystem::path default_fixture_dir();

}  // namespace hwb::cli
