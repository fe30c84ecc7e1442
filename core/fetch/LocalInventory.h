#pragma once

#include <cstdint>
#include <filesystem>

#include "core/fetch/FetchCatalog.h"

namespace hwb {

enum class LocalState { kAbsent, kPartial, kReady };

struct LocalStatus {
  LocalState state = LocalState::kAbsent;
  int64_t bytes = 0;  // on disk, partial downloads included
};

// What of a model or a GLUE task is on disk, without reading file contents (quick enough for a
// list or a dialog to ask for every row).
class LocalInventory {
 public:
  // kReady: a complete fetch (ModelManifest) whose files are all there in their sizes, or a
  // folder with config.json and safetensors weights and no partial download (put there by hand).
  // kPartial: anything else in the folder.
  static LocalStatus model(const std::filesystem::path& folder);
  // kReady: every file the readers need is there. kPartial: a download of it has begun.
  static LocalStatus glue(const std::filesystem::path& glue_dir, const GlueSource& source);
  // "ready", "partial", "not downloaded".
  static const char* describe(LocalState state);
};

}  // namespace hwb
