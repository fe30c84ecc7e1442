#include "core/train/StoredRun.h"

#include <nlohmann/json.hpp>

#include "core/store/RunStoreReader.h"
#include "core/util/Error.h"

namespace hwb {

StoredRun load_stored_run(const std::filesystem::path& store, int64_t run) {
  const std::optional<RunInfo> info = RunStoreReader::open(store)->run(run);
  if (!info) throw Error("Run " + std::to_string(run) + " is not in '" + store.string() + "'");
  StoredRun stored{*info, ExperimentConfig::from_json(nlohmann::json::parse(info->config_json),
                                                      "the config of run " + std::to_string(run))};
  stored.config.store = store.string();
  return stored;
}

}  // namespace hwb
