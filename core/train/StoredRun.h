#pragma once

#include <cstdint>
#include <filesystem>

#include "core/store/StoreTypes.h"
#include "core/train/ExperimentConfig.h"

namespace hwb {

// A run as the store keeps it: its record and the experiment it was started with.
struct StoredRun {
  RunInfo info;
  ExperimentConfig config;  // output.store is the file it was read from, so that relative
                            // checkpoint and cache folders resolve next to it
};

// Throws hwb::Error naming the store when the run is not in it, or its config does not parse.
StoredRun load_stored_run(const std::filesystem::path& store, int64_t run);

}  // namespace hwb
