#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/store/StoreTypes.h"
#include "core/store/TableSpec.h"

namespace hwb {

// The read-only side of the run store, for the UI: its own connection (SQLITE_OPEN_READONLY),
// safe to poll while a writer commits (WAL: each query reads the last committed batch, whole;
// busy_timeout covers the moments SQLite itself needs the lock). Thread-safe; calls serialise.
class RunStoreReader {
 public:
  // Refuses a missing file, a foreign one, and a schema other than this build's, with a message
  // that says what to do.
  static std::unique_ptr<RunStoreReader> open(const std::filesystem::path& file);
  ~RunStoreReader();
  RunStoreReader(const RunStoreReader&) = delete;
  RunStoreReader& operator=(const RunStoreReader&) = delete;

  // By id. A "running" or "paused" run whose writer died on this host reads as "interrupted".
  std::vector<RunInfo> runs() const;
  std::optional<RunInfo> run(int64_t id) const;
  // The store's studies, by id (docs/STUDIES.md); their runs carry RunInfo::study_id.
  std::vector<StudyInfo> studies() const;

  std::vector<std::string> scalar_tags(int64_t run) const;
  // The points of one curve in step order. max_points 0: all of them. Otherwise at most max_points
  // (at least 4): the first and last point of the range and, for each bucket of steps
  // (plan_downsample in Downsample.h), the points holding its minimum and its maximum. Read from
  // the writer's min/max summaries, so 1,000,000 points -> 2,000 reads a few thousand rows.
  std::vector<ScalarPoint> scalar_series(
      int64_t run, const std::string& tag, std::size_t max_points = 0,
      std::optional<std::pair<int64_t, int64_t>> step_range = {}) const;
  // Ordered by task, split, metric, step; an empty task or metric matches all.
  std::vector<MetricPoint> metric_series(int64_t run, const std::string& task = {},
                                         const std::string& metric = {}) const;
  std::vector<int64_t> weight_stat_steps(int64_t run) const;
  // Ordered by task, stack, layer, position, statistic.
  std::vector<WeightStat> weight_stats(int64_t run, int64_t step) const;
  std::vector<int64_t> similarity_steps(int64_t run) const;
  std::vector<SimilarityMatrix> similarity(int64_t run, int64_t step) const;  // by kind
  std::vector<CheckpointInfo> checkpoints(int64_t run) const;                 // by step
  std::vector<Prediction> predictions(int64_t run, const std::string& task = {}) const;
  std::vector<EventRow> events(int64_t run) const;  // in the order they were logged

  // A run's rows of one stored series (StoreTables.h) in the table's order: what the accessors
  // above and the exports read through. `filter` ("AND step = ?2") and `bind` narrow them.
  template <typename Row>
  std::vector<Row> rows(const TableSpec<Row>& table, int64_t run, std::string_view filter = {},
                        const std::function<void(SqliteStatement&)>& bind = {}) const {
    std::vector<Row> out;
    query(select_sql(table.shape(), filter), run, bind,
          [&](const SqliteStatement& q) { out.push_back(read_row(q, table)); });
    return out;
  }

  // Changes whenever another connection commits: a poller compares it with the last value it saw
  // and skips the reload when nothing was written.
  int64_t data_version() const;
  const std::filesystem::path& file() const;

 private:
  struct State;
  explicit RunStoreReader(std::unique_ptr<State> state);
  // Runs `sql` with ?1 bound to the run, then `bind`; calls `visit` for each row.
  void query(const std::string& sql, int64_t run, const std::function<void(SqliteStatement&)>& bind,
             const std::function<void(const SqliteStatement&)>& visit) const;

  std::unique_ptr<State> state_;
};

}  // namespace hwb
