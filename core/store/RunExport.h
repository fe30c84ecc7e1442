#pragma once

#include <cstdint>
#include <filesystem>
#include <vector>

namespace hwb {

class RunStoreReader;

// One JSON file with everything about a run: {"format": "hyperformer-workbench-run",
// "format_version": 1, "run": {...}, "config": {...}, "versions": {...}, "scalars": {tag: {"step":
// [...], "wall_time": [...], "value": [...]}}, "metrics": [...], "weight_stats": [...],
// "similarity": [...], "checkpoints": [...], "predictions": [...], "events": [...]}. Every point,
// not down-sampled; NaN is written as null. The file is replaced atomically.
void export_run_json(const RunStoreReader& reader, int64_t run, const std::filesystem::path& file);

// A folder of CSV files (RFC 4180 quoting, a header row each): scalars.csv, metrics.csv,
// weight_stats.csv, predictions.csv, and also similarity.csv, checkpoints.csv, events.csv;
// config.json (the run's config, pretty-printed) and run.json (the run's row). Created if missing.
void export_run_csv(const RunStoreReader& reader, int64_t run, const std::filesystem::path& folder);

// Copies every run of the store file `source` (a headless GPU run, say) into `target` (created if
// missing) with new ids, origin = the source's absolute path, in one transaction; returns the new
// ids in the source's order. The source is opened read-only and never changed. Refuses a source
// of a newer schema version, a foreign file and the target itself, with a message naming them.
std::vector<int64_t> import_store(const std::filesystem::path& target,
                                  const std::filesystem::path& source);

}  // namespace hwb
