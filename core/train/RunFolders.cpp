#include "core/train/RunFolders.h"

namespace hwb {
namespace fs = std::filesystem;

namespace {

fs::path next_to_store(const ExperimentConfig& c, const fs::path& folder) {
  if (folder.is_absolute()) return folder;
  const fs::path store_dir = fs::path(c.store).parent_path();
  return (store_dir.empty() ? fs::path(".") : store_dir) / folder;
}

}  // namespace

fs::path run_cache_dir(const ExperimentConfig& config) {
  return next_to_store(config,
                       config.cache_dir.empty() ? fs::path("cache") : fs::path(config.cache_dir));
}

fs::path run_checkpoint_dir(const ExperimentConfig& config, int64_t run) {
  return next_to_store(config, config.checkpoint_dir) / (config.name + "-" + std::to_string(run));
}

}  // namespace hwb
