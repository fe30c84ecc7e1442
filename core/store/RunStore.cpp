#include "core/store/RunStore.h"

#include <sqlite3.h>

#include <algorithm>
#include <functional>
#include <limits>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <tuple>
#include <unordered_map>

#include "core/store/DeadWriters.h"
#include "core/store/Downsample.h"
#include "core/store/ProcessLiveness.h"
#include "core/store/RunStatus.h"
#include "core/store/SqliteDatabase.h"
#include "core/store/SqliteStatement.h"
#include "core/store/SqliteTransaction.h"
#include "core/store/StoreSchema.h"
#include "core/store/StoreTables.h"
#include "core/util/Error.h"

namespace hwb {

namespace {

using Clock = std::chrono::steady_clock;

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct Series {
  int64_t run;
  std::string tag;
  int64_t id = 0;  // 0 until looked up or created inside a flush
};

struct PendingScalar {
  std::size_t series;  // index into State::series
  int64_t step;
  double wall_time;
  double value;
};

void note_step(std::map<int64_t, int64_t>& touched, int64_t run, int64_t step) {
  auto [it, inserted] = touched.try_emplace(run, step);
  if (!inserted) it->second = std::max(it->second, step);
}

// The buffered rows of one TableSpec: each add is one batch, and a flush inserts them in order.
template <typename Row>
class PendingRows {
 public:
  // Runs before a batch is inserted: how a kind of row replaces or updates rows already stored.
  using BeforeBatch = std::function<void(int64_t run, const std::vector<Row>& rows)>;

  PendingRows(SqliteDatabase& db, const TableSpec<Row>& table, BeforeBatch before = {})
      : table_(table), insert_(db, insert_sql(table.shape())), before_(std::move(before)) {}

  void add(int64_t run, std::vector<Row> rows) { batches_.push_back({run, std::move(rows)}); }
  void clear() { batches_.clear(); }

  // Notes the largest step written per run; rows without a step still mark their run as written.
  void write(std::map<int64_t, int64_t>& touched) {
    for (const auto& [run, rows] : batches_) {
      if (before_) before_(run, rows);
      for (const Row& row : rows) {
        bind_row(insert_.reset(), table_, run, row);
        insert_.run();
        if constexpr (requires { row.step; }) {
          note_step(touched, run, row.step);
        } else {
          touched.try_emplace(run, std::numeric_limits<int64_t>::min());
        }
      }
    }
  }

 private:
  struct Batch {
    int64_t run;
    std::vector<Row> rows;
  };
  const TableSpec<Row>& table_;
  SqliteStatement insert_;
  BeforeBatch before_;
  std::vector<Batch> batches_;
};

void bind_point(SqliteStatement& statement, int first, const std::optional<ScalarPoint>& point) {
  if (point) {
    statement.bind_int64(first, point->step)
        .bind_double(first + 1, point->wall_time)
        .bind_double(first + 2, point->value);
  } else {
    statement.bind_null(first).bind_null(first + 1).bind_null(first + 2);
  }
}

std::optional<ScalarPoint> column_point(const SqliteStatement& statement, int first) {
  if (statement.column_is_null(first)) return std::nullopt;
  return ScalarPoint{statement.column_int64(first), statement.column_double(first + 1),
                     statement.column_double(first + 2)};
}

}  // namespace

struct RunStore::State {
  State(SqliteDatabase database, const RunStoreOptions& store_options)
      : db(std::move(database)), options(store_options) {}

  SqliteDatabase db;
  RunStoreOptions options;
  const RunWriter writer{current_host_name(), current_pid()};
  std::mutex mutex;

  SqliteStatement run_exists{db, "SELECT 1 FROM runs WHERE id = ?1"};
  SqliteStatement insert_series{db, "INSERT OR IGNORE INTO series (run_id, tag) VALUES (?1, ?2)"};
  SqliteStatement select_series{db, "SELECT id FROM series WHERE run_id = ?1 AND tag = ?2"};
  SqliteStatement insert_scalar{
      db,
      "INSERT OR REPLACE INTO scalars (series_id, step, wall_time, value) VALUES (?1, ?2, ?3, ?4)"};
  SqliteStatement select_scalars{db,
                                 "SELECT step, wall_time, value FROM scalars WHERE series_id = ?1 "
                                 "AND step BETWEEN ?2 AND ?3 ORDER BY step"};
  SqliteStatement delete_summaries{db,
                                   "DELETE FROM scalar_summaries WHERE series_id = ?1 AND level = "
                                   "?2 AND block BETWEEN ?3 AND ?4"};
  SqliteStatement select_summaries{
      db,
      "SELECT block, min_step, min_wall, min_value, max_step, max_wall, max_value FROM "
      "scalar_summaries WHERE series_id = ?1 AND level = ?2 AND block BETWEEN ?3 AND ?4 "
      "ORDER BY block"};
  SqliteStatement insert_summary{
      db,
      "INSERT OR REPLACE INTO scalar_summaries (series_id, level, block, min_step, min_wall, "
      "min_value, max_step, max_wall, max_value) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"};
  SqliteStatement clear_best{db, "UPDATE checkpoints SET best = 0 WHERE run_id = ?1 AND best"};
  SqliteStatement delete_predictions{
      db, "DELETE FROM predictions WHERE run_id = ?1 AND task = ?2 AND split = ?3"};
  SqliteStatement touch_run{db,
                            "UPDATE runs SET last_step = max(last_step, ?2), heartbeat_ms = ?3 "
                            "WHERE id = ?1"};

  // Buffered rows, committed by the next flush.
  std::vector<Series> series;
  std::unordered_map<int64_t, std::unordered_map<std::string, std::size_t>> series_index;
  std::vector<PendingScalar> scalars;
  PendingRows<MetricPoint> metrics{db, kMetricsTable};
  PendingRows<WeightStat> weight_stats{db, kWeightStatsTable};
  PendingRows<SimilarityMatrix> similarities{db, kSimilarityTable};
  PendingRows<CheckpointInfo> checkpoints{
      db, kCheckpointsTable, [this](int64_t run, const auto& rows) { clear_best_for(run, rows); }};
  PendingRows<Prediction> predictions{db, kPredictionsTable, [this](int64_t run, const auto& rows) {
                                        replace_predictions(run, rows);
                                      }};
  PendingRows<EventRow> events{db, kEventsTable};
  std::set<int64_t> heartbeats;
  std::size_t pending_rows = 0;
  Clock::time_point last_flush = Clock::now();

  std::set<int64_t> known_runs;
  // Runs this writer made "running" or "paused": closing the store without a final status for
  // them leaves them "interrupted", not "running" forever.
  std::set<int64_t> owned_runs;

  bool has_pending() const { return pending_rows > 0 || !heartbeats.empty(); }

  void clear_pending() {
    scalars.clear();
    metrics.clear();
    weight_stats.clear();
    similarities.clear();
    checkpoints.clear();
    predictions.clear();
    events.clear();
    heartbeats.clear();
    pending_rows = 0;
  }

  // At most one best checkpoint per run: a new best clears the flag on the others.
  void clear_best_for(int64_t run, const std::vector<CheckpointInfo>& rows) {
    for (const CheckpointInfo& c : rows) {
      if (c.best) clear_best.reset().bind_int64(1, run).run();
    }
  }

  // A batch of predictions replaces the stored ones of each (task, split) it holds: the store
  // keeps those of the best evaluation.
  void replace_predictions(int64_t run, const std::vector<Prediction>& rows) {
    std::set<std::pair<std::string, std::string>> replaced;
    for (const Prediction& p : rows) {
      if (!replaced.emplace(p.task, p.split).second) continue;
      delete_predictions.reset()
          .bind_int64(1, run)
          .bind_text(2, p.task)
          .bind_text(3, p.split)
          .run();
    }
  }

  int64_t series_id(Series& s) {
    if (s.id != 0) return s.id;
    insert_series.reset().bind_int64(1, s.run).bind_text(2, s.tag).run();
    select_series.reset().bind_int64(1, s.run).bind_text(2, s.tag);
    if (!select_series.step()) throw Error("run store " + db.file().string() + ": lost series");
    s.id = select_series.column_int64(0);
    select_series.reset();
    return s.id;
  }

  // Recomputes the min/max summaries of every level over steps [lo, hi] of a series: level 1 from
  // the points, each level above from the one below (16 rows per block). Appends touch only the
  // last block of each level; rewritten or deleted points are handled by the same path.
  void rebuild_summaries(int64_t id, int64_t lo, int64_t hi) {
    for (int level = 1; level <= kSummaryLevels; ++level) {
      const int shift = kSummaryShift * level;
      const int64_t first_block = lo >> shift;
      const int64_t last_block = hi >> shift;
      delete_summaries.reset()
          .bind_int64(1, id)
          .bind_int64(2, level)
          .bind_int64(3, first_block)
          .bind_int64(4, last_block)
          .run();

      std::optional<int64_t> block;
      MinMax extremes;
      const auto write_block = [&] {
        if (!block || (!extremes.min && !extremes.max)) return;
        insert_summary.reset().bind_int64(1, id).bind_int64(2, level).bind_int64(3, *block);
        bind_point(insert_summary, 4, extremes.min);
        bind_point(insert_summary, 7, extremes.max);
        insert_summary.run();
      };
      const auto start_block = [&](int64_t b) {
        if (block == b) return;
        write_block();
        block = b;
        extremes = {};
      };

      if (level == 1) {
        SqliteStatement& points = select_scalars;
        points.reset()
            .bind_int64(1, id)
            .bind_int64(2, first_block << shift)
            .bind_int64(3, ((last_block + 1) << shift) - 1);
        while (points.step()) {
          const ScalarPoint point{points.column_int64(0), points.column_double(1),
                                  points.column_double(2)};
          start_block(point.step >> shift);
          extremes.add(point);
        }
      } else {
        SqliteStatement& children = select_summaries;
        children.reset()
            .bind_int64(1, id)
            .bind_int64(2, level - 1)
            .bind_int64(3, first_block << kSummaryShift)
            .bind_int64(4, ((last_block + 1) << kSummaryShift) - 1);
        while (children.step()) {
          start_block(children.column_int64(0) >> kSummaryShift);
          extremes.merge(MinMax{column_point(children, 1), column_point(children, 4)});
        }
      }
      write_block();
    }
  }

  void write_scalars(std::map<int64_t, int64_t>& touched) {
    // Sorted by series then step; stable, so a later value for the same step is written last
    // and wins.
    std::stable_sort(scalars.begin(), scalars.end(),
                     [](const PendingScalar& a, const PendingScalar& b) {
                       return std::tie(a.series, a.step) < std::tie(b.series, b.step);
                     });
    for (std::size_t begin = 0; begin < scalars.size();) {
      std::size_t end = begin;
      while (end < scalars.size() && scalars[end].series == scalars[begin].series) ++end;
      Series& s = series[scalars[begin].series];
      const int64_t id = series_id(s);
      for (std::size_t i = begin; i < end; ++i) {
        insert_scalar.reset()
            .bind_int64(1, id)
            .bind_int64(2, scalars[i].step)
            .bind_double(3, scalars[i].wall_time)
            .bind_double(4, scalars[i].value)
            .run();
      }
      rebuild_summaries(id, scalars[begin].step, scalars[end - 1].step);
      note_step(touched, s.run, scalars[end - 1].step);
      begin = end;
    }
  }

  void write_rows(std::map<int64_t, int64_t>& touched) {
    metrics.write(touched);
    weight_stats.write(touched);
    similarities.write(touched);
    checkpoints.write(touched);
    predictions.write(touched);
    events.write(touched);
    for (int64_t run : heartbeats) touched.try_emplace(run, std::numeric_limits<int64_t>::min());
  }

  // Every run written to is alive: its heartbeat moves with each commit.
  void touch_runs(const std::map<int64_t, int64_t>& touched) {
    const int64_t now = now_ms();
    for (const auto& [run, step] : touched) {
      touch_run.reset().bind_int64(1, run).bind_int64(2, step).bind_int64(3, now).run();
    }
  }
};

std::unique_ptr<RunStore> RunStore::open(const std::filesystem::path& file) {
  return open(file, RunStoreOptions{});
}

std::unique_ptr<RunStore> RunStore::open(const std::filesystem::path& file,
                                         const RunStoreOptions& options) {
  const std::string where = "run store " + file.string();
  if (file.has_parent_path()) {
    std::error_code ec;
    std::filesystem::create_directories(file.parent_path(), ec);
    if (ec) {
      throw Error(where + ": cannot create its folder (" + ec.message() +
                  "); choose a writable folder for the run store");
    }
  }
  SqliteDatabase db(file, SqliteDatabase::Mode::ReadWriteCreate);
  // SQLite falls back to read-only when it may not write the file, without failing.
  if (db.read_only()) {
    throw Error(sqlite_error_message(file, SQLITE_READONLY, EACCES, "the file is read-only",
                                     "opening for writing"));
  }
  db.set_busy_timeout(options.busy_timeout);
  migrate_store(db);
  // WAL: readers keep reading the last commit while a batch is written, and never block it.
  const std::string journal = db.pragma_text("journal_mode = WAL");
  if (journal != "wal") {
    throw Error(where + ": cannot use write-ahead logging on this file system (journal mode '" +
                journal + "'); choose a folder on a local disk");
  }
  db.exec("PRAGMA synchronous = NORMAL");
  db.exec("PRAGMA journal_size_limit = 67108864");
  if (options.max_page_count > 0) {
    db.pragma_int("max_page_count = " + std::to_string(options.max_page_count));
  }
  auto store =
      std::unique_ptr<RunStore>(new RunStore(std::make_unique<State>(std::move(db), options)));
  interrupt_dead_writers(store->state_->db);
  return store;
}

RunStore::RunStore(std::unique_ptr<State> state) : state_(std::move(state)) {}

RunStore::~RunStore() {
  if (!state_) return;
  State& s = *state_;
  std::lock_guard lock(s.mutex);
  try {
    flush_locked();
  } catch (...) {
    // Destructors must not throw; the failed flush has already rolled back, and what was
    // committed before stays.
  }
  if (s.owned_runs.empty()) return;
  try {
    SqliteTransaction transaction(s.db, SqliteTransaction::Kind::Write);
    for (int64_t run : s.owned_runs) {
      interrupt_run(s.db, run,
                    "the run store was closed while the run was live, without a final status",
                    now_ms(), s.writer);
    }
    transaction.commit();
  } catch (...) {
  }
}

const std::filesystem::path& RunStore::file() const {
  return state_->db.file();
}

void RunStore::require_run(int64_t run) {
  State& s = *state_;
  if (s.known_runs.count(run)) return;
  s.run_exists.reset().bind_int64(1, run);
  const bool exists = s.run_exists.step();
  s.run_exists.reset();
  if (!exists) {
    throw Error("run store " + s.db.file().string() + ": no run with id " + std::to_string(run) +
                " (deleted, or an id from another store)");
  }
  s.known_runs.insert(run);
}

int64_t RunStore::create_run(const std::string& name, const std::string& experiment,
                             const std::string& config_json, const std::string& device,
                             const std::string& versions_json) {
  State& s = *state_;
  std::lock_guard lock(s.mutex);
  const int64_t now = now_ms();
  SqliteTransaction transaction(s.db, SqliteTransaction::Kind::Write);
  std::optional<int64_t> experiment_id;
  if (!experiment.empty()) {
    SqliteStatement insert(
        s.db, "INSERT OR IGNORE INTO experiments (name, created_at_ms) VALUES (?1, ?2)");
    insert.bind_text(1, experiment).bind_int64(2, now).run();
    SqliteStatement select(s.db, "SELECT id FROM experiments WHERE name = ?1");
    select.bind_text(1, experiment);
    if (select.step()) experiment_id = select.column_int64(0);
  }
  SqliteStatement insert(
      s.db,
      "INSERT INTO runs (experiment_id, name, status, config_json, device, versions_json, "
      "started_at_ms, host, pid, heartbeat_ms) VALUES (?1, ?2, 'running', ?3, ?4, ?5, ?6, ?7, ?8, "
      "?6)");
  if (experiment_id) {
    insert.bind_int64(1, *experiment_id);
  } else {
    insert.bind_null(1);
  }
  insert.bind_text(2, name)
      .bind_text(3, config_json)
      .bind_text(4, device)
      .bind_text(5, versions_json)
      .bind_int64(6, now)
      .bind_text(7, s.writer.host)
      .bind_int64(8, s.writer.pid)
      .run();
  const int64_t run = s.db.last_insert_rowid();
  transaction.commit();
  s.known_runs.insert(run);
  s.owned_runs.insert(run);
  return run;
}

int64_t RunStore::open_study(const std::string& name, const std::string& spec_json) {
  State& s = *state_;
  std::lock_guard lock(s.mutex);
  SqliteTransaction transaction(s.db, SqliteTransaction::Kind::Write);
  SqliteStatement select(s.db, "SELECT id, spec_json FROM studies WHERE name = ?1");
  select.bind_text(1, name);
  if (select.step()) {
    if (select.column_text(1) != spec_json) {
      throw Error("run store " + s.db.file().string() + ": a study named '" + name +
                  "' was started there with other settings; give this one another name "
                  "(the study file's \"study\") or start it in another store");
    }
    return select.column_int64(0);
  }
  SqliteStatement insert(
      s.db, "INSERT INTO studies (name, spec_json, created_at_ms) VALUES (?1, ?2, ?3)");
  insert.bind_text(1, name).bind_text(2, spec_json).bind_int64(3, now_ms()).run();
  const int64_t id = s.db.last_insert_rowid();
  transaction.commit();
  return id;
}

int64_t RunStore::queue_run(const std::string& name, const std::string& config_json,
                            const std::string& device, int64_t study, int64_t cell) {
  State& s = *state_;
  std::lock_guard lock(s.mutex);
  SqliteTransaction transaction(s.db, SqliteTransaction::Kind::Write);
  SqliteStatement insert(
      s.db,
      "INSERT INTO runs (name, status, config_json, device, versions_json, started_at_ms, "
      "study_id, study_cell) VALUES (?1, 'queued', ?2, ?3, '', 0, ?4, ?5)");
  insert.bind_text(1, name)
      .bind_text(2, config_json)
      .bind_text(3, device)
      .bind_int64(4, study)
      .bind_int64(5, cell)
      .run();
  const int64_t run = s.db.last_insert_rowid();
  transaction.commit();
  s.known_runs.insert(run);
  return run;
}

bool RunStore::requeue_run(int64_t run) {
  State& s = *state_;
  std::lock_guard lock(s.mutex);
  require_run(run);
  SqliteTransaction transaction(s.db, SqliteTransaction::Kind::Write);
  SqliteStatement requeue(s.db,
                          "UPDATE runs SET status = 'queued', ended_at_ms = 0, message = '', "
                          "host = '', pid = 0 WHERE id = ?1 AND status IN ('stopped', "
                          "'interrupted')");
  requeue.bind_int64(1, run).run();
  const bool requeued = sqlite3_changes(s.db.handle()) == 1;
  transaction.commit();
  if (requeued) s.owned_runs.erase(run);
  return requeued;
}

bool RunStore::claim_queued_run(int64_t run, const std::string& config_json,
                                const std::string& device, const std::string& versions_json) {
  State& s = *state_;
  std::lock_guard lock(s.mutex);
  require_run(run);
  const int64_t now = now_ms();
  SqliteTransaction transaction(s.db, SqliteTransaction::Kind::Write);
  SqliteStatement claim(
      s.db,
      "UPDATE runs SET status = 'running', device = ?2, versions_json = ?3, started_at_ms = ?4, "
      "heartbeat_ms = ?4, host = ?5, pid = ?6, config_json = ?7 WHERE id = ?1 AND status = "
      "'queued'");
  claim.bind_int64(1, run)
      .bind_text(7, config_json)
      .bind_text(2, device)
      .bind_text(3, versions_json)
      .bind_int64(4, now)
      .bind_text(5, s.writer.host)
      .bind_int64(6, s.writer.pid)
      .run();
  const bool claimed = sqlite3_changes(s.db.handle()) == 1;
  transaction.commit();
  if (claimed) s.owned_runs.insert(run);
  return claimed;
}

void RunStore::set_status(int64_t run, const std::string& status, const std::string& message) {
  State& s = *state_;
  require_known_status(s.db, status);
  std::lock_guard lock(s.mutex);
  require_run(run);
  const bool live = is_live_status(status);
  std::optional<Error> flush_error;
  std::size_t dropped = 0;
  try {
    flush_locked();
  } catch (const Error& e) {
    // A run that goes on needs its rows. A final status is how a run stops cleanly after a full
    // disk: the rows that cannot be written are dropped and the status is still tried.
    if (live) throw;
    flush_error = e;
    dropped = s.pending_rows;
    s.clear_pending();
  }
  try {
    write_run_status(
        s.db, run, status,
        flush_error ? with_dropped_rows(message, dropped, flush_error->what()) : message, s.writer,
        now_ms());
  } catch (const Error&) {
    if (flush_error) throw *flush_error;
    throw;
  }
  if (live) {
    s.owned_runs.insert(run);
  } else {
    s.owned_runs.erase(run);
  }
}

void RunStore::set_parameters(int64_t run, const std::string& parameters_json) {
  State& s = *state_;
  std::lock_guard lock(s.mutex);
  require_run(run);
  SqliteStatement update(s.db, "UPDATE runs SET parameters_json = ?2 WHERE id = ?1");
  update.bind_int64(1, run).bind_text(2, parameters_json).run();
}

void RunStore::add_scalars(int64_t run, int64_t step, double wall_time,
                           const std::vector<std::pair<std::string, double>>& tag_values) {
  State& s = *state_;
  std::lock_guard lock(s.mutex);
  require_run(run);
  auto& by_tag = s.series_index[run];
  for (const auto& [tag, value] : tag_values) {
    auto it = by_tag.find(tag);
    if (it == by_tag.end()) {
      s.series.push_back(Series{run, tag});
      it = by_tag.emplace(tag, s.series.size() - 1).first;
    }
    s.scalars.push_back(PendingScalar{it->second, step, wall_time, value});
  }
  s.pending_rows += tag_values.size();
  maybe_flush();
}

void RunStore::add_metrics(int64_t run, const std::vector<MetricPoint>& rows) {
  State& s = *state_;
  std::lock_guard lock(s.mutex);
  require_run(run);
  s.metrics.add(run, rows);
  s.pending_rows += rows.size();
  maybe_flush();
}

void RunStore::add_weight_stats(int64_t run, const std::vector<WeightStat>& rows) {
  State& s = *state_;
  std::lock_guard lock(s.mutex);
  require_run(run);
  s.weight_stats.add(run, rows);
  s.pending_rows += rows.size();
  maybe_flush();
}

void RunStore::add_similarity(int64_t run, const SimilarityMatrix& m) {
  State& s = *state_;
  if (m.values.size() != m.tasks.size() * m.tasks.size()) {
    throw Error("run store " + s.db.file().string() + ": a " + m.kind + " similarity matrix for " +
                std::to_string(m.tasks.size()) + " tasks needs " +
                std::to_string(m.tasks.size() * m.tasks.size()) + " values, got " +
                std::to_string(m.values.size()));
  }
  std::lock_guard lock(s.mutex);
  require_run(run);
  s.similarities.add(run, {m});
  s.pending_rows += 1;
  maybe_flush();
}

void RunStore::add_checkpoint(int64_t run, const CheckpointInfo& c) {
  State& s = *state_;
  std::lock_guard lock(s.mutex);
  require_run(run);
  s.checkpoints.add(run, {c});
  s.pending_rows += 1;
  maybe_flush();
}

void RunStore::add_predictions(int64_t run, const std::vector<Prediction>& rows) {
  State& s = *state_;
  std::lock_guard lock(s.mutex);
  require_run(run);
  s.predictions.add(run, rows);
  s.pending_rows += rows.size();
  maybe_flush();
}

void RunStore::log(int64_t run, const std::string& level, const std::string& message) {
  State& s = *state_;
  std::lock_guard lock(s.mutex);
  require_run(run);
  s.events.add(run, {EventRow{now_ms(), level, message}});
  s.pending_rows += 1;
  maybe_flush();
}

void RunStore::heartbeat(int64_t run) {
  State& s = *state_;
  std::lock_guard lock(s.mutex);
  require_run(run);
  s.heartbeats.insert(run);
  maybe_flush();
}

void RunStore::flush() {
  std::lock_guard lock(state_->mutex);
  flush_locked();
}

void RunStore::maybe_flush() {
  State& s = *state_;
  if (!s.has_pending()) return;
  if (s.pending_rows >= s.options.flush_rows ||
      Clock::now() - s.last_flush >= s.options.flush_interval) {
    flush_locked();
  }
}

void RunStore::flush_locked() {
  State& s = *state_;
  if (!s.has_pending()) {
    s.last_flush = Clock::now();
    return;
  }
  try {
    SqliteTransaction transaction(s.db, SqliteTransaction::Kind::Write);
    std::map<int64_t, int64_t> touched;  // run -> largest step written
    s.write_scalars(touched);
    s.write_rows(touched);
    s.touch_runs(touched);
    transaction.commit();
  } catch (...) {
    // Series rows created inside the rolled-back transaction are gone: look them up again.
    for (Series& series : s.series) series.id = 0;
    throw;
  }
  s.clear_pending();
  s.last_flush = Clock::now();
}

void RunStore::truncate_after(int64_t run, int64_t step) {
  State& s = *state_;
  std::lock_guard lock(s.mutex);
  require_run(run);
  flush_locked();
  SqliteTransaction transaction(s.db, SqliteTransaction::Kind::Write);
  std::vector<int64_t> series_ids;
  {
    SqliteStatement select(s.db, "SELECT id FROM series WHERE run_id = ?1");
    select.bind_int64(1, run);
    while (select.step()) series_ids.push_back(select.column_int64(0));
  }
  SqliteStatement drop_points(s.db, "DELETE FROM scalars WHERE series_id = ?1 AND step > ?2");
  SqliteStatement drop_blocks(
      s.db, "DELETE FROM scalar_summaries WHERE series_id = ?1 AND level = ?2 AND block > ?3");
  for (int64_t id : series_ids) {
    drop_points.reset().bind_int64(1, id).bind_int64(2, step).run();
    for (int level = 1; level <= kSummaryLevels; ++level) {
      drop_blocks.reset()
          .bind_int64(1, id)
          .bind_int64(2, level)
          .bind_int64(3, step >> (kSummaryShift * level))
          .run();
    }
    // The block holding `step` lost its later points at every level.
    s.rebuild_summaries(id, step, step);
  }
  // Log lines stay: they tell what happened before the resume.
  for_each_run_table([&](const auto& table) {
    const TableShape shape = table.shape();
    if (!shape.has_step()) return;
    SqliteStatement drop(s.db, truncate_after_sql(shape));
    drop.bind_int64(1, run).bind_int64(2, step).run();
  });
  SqliteStatement update(s.db, "UPDATE runs SET last_step = min(last_step, ?2) WHERE id = ?1");
  update.bind_int64(1, run).bind_int64(2, step).run();
  transaction.commit();
}

void RunStore::delete_run(int64_t run) {
  State& s = *state_;
  std::lock_guard lock(s.mutex);
  require_run(run);
  flush_locked();
  SqliteTransaction transaction(s.db, SqliteTransaction::Kind::Write);
  std::vector<std::string> statements = {
      "DELETE FROM scalars WHERE series_id IN (SELECT id FROM series WHERE run_id = ?1)",
      "DELETE FROM scalar_summaries WHERE series_id IN (SELECT id FROM series WHERE run_id = ?1)",
      "DELETE FROM series WHERE run_id = ?1"};
  for_each_run_table(
      [&](const auto& table) { statements.push_back(delete_run_sql(table.shape())); });
  statements.push_back("DELETE FROM runs WHERE id = ?1");
  for (const std::string& sql : statements) {
    SqliteStatement drop(s.db, sql);
    drop.bind_int64(1, run).run();
  }
  transaction.commit();
  // Nothing is buffered after the flush; the cached series ids of the run are void.
  s.series.clear();
  s.series_index.clear();
  s.known_runs.erase(run);
  s.owned_runs.erase(run);
}

}  // namespace hwb
