#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/store/StoreTypes.h"

namespace hwb {

struct RunStoreOptions {
  // Buffered rows are committed together once this long has passed since the last commit, or
  // once this many are waiting, whichever comes first (checked whenever a row is added).
  std::chrono::milliseconds flush_interval{500};
  std::size_t flush_rows = 5000;
  // How long a commit waits for another writer of the same file (a second run, an import).
  std::chrono::milliseconds busy_timeout{5000};
  // Caps the file at this many pages (0: no cap). Tests use it to run out of disk space.
  int64_t max_page_count = 0;
};

// The write side of the run store (DESIGN.md "The run store"): one per training run, used from
// the training thread, on its own SQLite connection in WAL mode so readers never wait for it.
// Rows are buffered and committed in one transaction per flush: a reader sees whole batches or
// nothing, and a killed process leaves every committed batch behind. WAL with synchronous=NORMAL
// survives the process being killed; a power cut may lose the last few batches, never the file.
//
// Every failure is an hwb::Error naming the store file and the fix. A failed flush rolls its
// transaction back and keeps the rows buffered, so the caller can stop cleanly (or retry once
// space is freed); what was committed before stays.
class RunStore {
 public:
  // Creates the file (and its folder) or upgrades its schema; refuses a newer schema or a foreign
  // file. Runs left "running" or "paused" by a dead writer on this host become "interrupted".
  static std::unique_ptr<RunStore> open(const std::filesystem::path& file);
  static std::unique_ptr<RunStore> open(const std::filesystem::path& file,
                                        const RunStoreOptions& options);
  // Commits what is buffered; a run this writer left "running" or "paused" becomes "interrupted".
  // Never throws.
  ~RunStore();
  RunStore(const RunStore&) = delete;
  RunStore& operator=(const RunStore&) = delete;

  // A new run, "running", owned by this process (host, pid) until a final status is set.
  int64_t create_run(const std::string& name, const std::string& experiment,
                     const std::string& config_json, const std::string& device,
                     const std::string& versions_json);
  // A study of this store (docs/STUDIES.md): the id of the one named `name`, made with `spec_json`
  // when there is none. Throws hwb::Error when a study of that name was made with another spec
  // (its runs would not be the cells of this one).
  int64_t open_study(const std::string& name, const std::string& spec_json);
  // A run of a study waiting to be started, "queued": no owner, no start time.
  int64_t queue_run(const std::string& name, const std::string& config_json,
                    const std::string& device, int64_t study, int64_t cell);
  // Puts a stopped or interrupted run back in the queue ("queued", no owner), keeping its rows:
  // whoever claims it next resumes it from its last checkpoint. False when it is in another state.
  bool requeue_run(int64_t run);
  // Takes a queued run over for this process ("running", started now on `device`, with the config
  // it starts with); false when it is no longer queued (another process took it first).
  bool claim_queued_run(int64_t run, const std::string& config_json, const std::string& device,
                        const std::string& versions_json);

  // One of "running", "paused", "finished", "stopped", "failed", "interrupted"; commits what is
  // buffered first. A final status sets the end time, and is written even when the buffered rows
  // cannot be (a full disk): they are dropped and the run's message says how many and why.
  // "running" or "paused" takes the run over for this process (a resumed run).
  void set_status(int64_t run, const std::string& status, const std::string& message = {});
  // The run's parameter counts (ParameterReport::to_json()), written at once.
  void set_parameters(int64_t run, const std::string& parameters_json);

  // Buffered. A later value for the same (run, tag, step) replaces the earlier one.
  void add_scalars(int64_t run, int64_t step, double wall_time,
                   const std::vector<std::pair<std::string, double>>& tag_values);
  void add_metrics(int64_t run, const std::vector<MetricPoint>& rows);
  void add_weight_stats(int64_t run, const std::vector<WeightStat>& rows);
  void add_similarity(int64_t run, const SimilarityMatrix& m);
  void add_checkpoint(int64_t run, const CheckpointInfo& c);
  // Replaces earlier predictions of the same (task, split): the store keeps those of the best
  // evaluation when the trainer adds them only on a new best.
  void add_predictions(int64_t run, const std::vector<Prediction>& rows);
  void log(int64_t run, const std::string& level, const std::string& message);

  // Commits everything buffered in one transaction.
  void flush();
  // Resume: drops every row with a step after `step` (scalars, metrics, weight statistics,
  // similarity, checkpoints, predictions; not log lines) so curves continue without duplicates.
  void truncate_after(int64_t run, int64_t step);
  // Says this writer is alive (written with the next commit); every commit that touches a run
  // does the same, so this matters only while nothing else is written (a long evaluation).
  void heartbeat(int64_t run);
  // Removes a run and all its rows.
  void delete_run(int64_t run);

  const std::filesystem::path& file() const;

 private:
  struct State;
  explicit RunStore(std::unique_ptr<State> state);
  void maybe_flush();
  void flush_locked();
  void require_run(int64_t run);

  std::unique_ptr<State> state_;
};

}  // namespace hwb
