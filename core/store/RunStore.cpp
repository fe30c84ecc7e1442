#include "core/store/RunStore.h"

#include <sqlite3.h>

#include <algorithm>
#include <limits>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <tuple>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "core/store/Downsample.h"
#include "core/store/ProcessLiveness.h"
#include "core/store/SqliteDatabase.h"
#include "core/store/SqliteStatement.h"
#include "core/store/SqliteTransaction.h"
#include "core/store/StoreSchema.h"
#include "core/util/Error.h"

namespace hwb {

namespace {

using Clock = std::chrono::steady_clock;

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

constexpr const char* kStatuses[] = {"running", "paused", "finished",
                                     "stopped", "failed", "interrupted"};

bool is_known_status(const std::string& status) {
  return std::find(std::begin(kStatuses), std::end(kStatuses), status) != std::end(kStatuses);
}

bool is_live_status(const std::string& status) {
  return status == "running" || status == "paused";
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

template <typename Row>
struct ForRun {
  int64_t run;
  Row row;
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
  const std::string host = current_host_name();
  const int64_t pid = current_pid();
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
  SqliteStatement insert_metric{db,
                                "INSERT OR REPLACE INTO metrics (run_id, task, split, metric, "
                                "step, value) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"};
  SqliteStatement insert_weight_stat{
      db,
      "INSERT OR REPLACE INTO weight_stats (run_id, step, task, stack, layer, position, "
      "statistic, value) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"};
  SqliteStatement insert_similarity{db,
                                    "INSERT OR REPLACE INTO similarity (run_id, step, kind, "
                                    "tasks_json, values_json) VALUES (?1, ?2, ?3, ?4, ?5)"};
  SqliteStatement clear_best{db, "UPDATE checkpoints SET best = 0 WHERE run_id = ?1 AND best"};
  SqliteStatement insert_checkpoint{
      db,
      "INSERT OR REPLACE INTO checkpoints (run_id, path, step, score, best, created_at_ms) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6)"};
  SqliteStatement delete_predictions{
      db, "DELETE FROM predictions WHERE run_id = ?1 AND task = ?2 AND split = ?3"};
  SqliteStatement insert_prediction{
      db,
      "INSERT OR REPLACE INTO predictions (run_id, task, split, idx, step, input, target, "
      "prediction) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"};
  SqliteStatement insert_event{
      db, "INSERT INTO events (run_id, wall_ms, level, message) VALUES (?1, ?2, ?3, ?4)"};
  SqliteStatement touch_run{db,
                            "UPDATE runs SET last_step = max(last_step, ?2), heartbeat_ms = ?3 "
                            "WHERE id = ?1"};

  // Buffered rows, committed by the next flush.
  std::vector<Series> series;
  std::unordered_map<int64_t, std::unordered_map<std::string, std::size_t>> series_index;
  std::vector<PendingScalar> scalars;
  std::vector<ForRun<MetricPoint>> metrics;
  std::vector<ForRun<WeightStat>> weight_stats;
  std::vector<ForRun<SimilarityMatrix>> similarities;
  std::vector<ForRun<CheckpointInfo>> checkpoints;
  std::vector<ForRun<std::vector<Prediction>>> predictions;
  std::vector<ForRun<EventRow>> events;
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

  static void note_step(std::map<int64_t, int64_t>& touched, int64_t run, int64_t step) {
    auto [it, inserted] = touched.try_emplace(run, step);
    if (!inserted) it->second = std::max(it->second, step);
  }

  void write_rows(std::map<int64_t, int64_t>& touched) {
    for (const auto& [run, m] : metrics) {
      insert_metric.reset()
          .bind_int64(1, run)
          .bind_text(2, m.task)
          .bind_text(3, m.split)
          .bind_text(4, m.metric)
          .bind_int64(5, m.step)
          .bind_double(6, m.value)
          .run();
      note_step(touched, run, m.step);
    }
    for (const auto& [run, w] : weight_stats) {
      insert_weight_stat.reset()
          .bind_int64(1, run)
          .bind_int64(2, w.step)
          .bind_text(3, w.task)
          .bind_text(4, w.stack)
          .bind_int64(5, w.layer)
          .bind_text(6, w.position)
          .bind_text(7, w.statistic)
          .bind_double(8, w.value)
          .run();
      note_step(touched, run, w.step);
    }
    for (const auto& [run, m] : similarities) {
      // JSON writes NaN as null; the reader turns null back into NaN.
      insert_similarity.reset()
          .bind_int64(1, run)
          .bind_int64(2, m.step)
          .bind_text(3, m.kind)
          .bind_text(4, nlohmann::json(m.tasks).dump())
          .bind_text(5, nlohmann::json(m.values).dump())
          .run();
      note_step(touched, run, m.step);
    }
    for (const auto& [run, c] : checkpoints) {
      if (c.best) clear_best.reset().bind_int64(1, run).run();
      insert_checkpoint.reset()
          .bind_int64(1, run)
          .bind_text(2, c.path)
          .bind_int64(3, c.step)
          .bind_double(4, c.score)
          .bind_int64(5, c.best ? 1 : 0)
          .bind_int64(6, c.created_at_ms)
          .run();
      note_step(touched, run, c.step);
    }
    for (const auto& [run, rows] : predictions) {
      std::set<std::pair<std::string, std::string>> replaced;
      for (const Prediction& p : rows) {
        if (!replaced.emplace(p.task, p.split).second) continue;
        delete_predictions.reset()
            .bind_int64(1, run)
            .bind_text(2, p.task)
            .bind_text(3, p.split)
            .run();
      }
      for (const Prediction& p : rows) {
        insert_prediction.reset()
            .bind_int64(1, run)
            .bind_text(2, p.task)
            .bind_text(3, p.split)
            .bind_int64(4, p.index)
            .bind_int64(5, p.step)
            .bind_text(6, p.input)
            .bind_text(7, p.target)
            .bind_text(8, p.prediction)
            .run();
      }
    }
    for (const auto& [run, e] : events) {
      insert_event.reset()
          .bind_int64(1, run)
          .bind_int64(2, e.wall_ms)
          .bind_text(3, e.level)
          .bind_text(4, e.message)
          .run();
      touched.try_emplace(run, std::numeric_limits<int64_t>::min());
    }
    for (int64_t run : heartbeats) touched.try_emplace(run, std::numeric_limits<int64_t>::min());
  }

  // Every run written to is alive: its heartbeat moves with each commit.
  void touch_runs(const std::map<int64_t, int64_t>& touched) {
    const int64_t now = now_ms();
    for (const auto& [run, step] : touched) {
      touch_run.reset().bind_int64(1, run).bind_int64(2, step).bind_int64(3, now).run();
    }
  }

  void mark_dead_writers() {
    std::vector<RunInfo> dead;
    SqliteStatement live(db,
                         "SELECT id, status, host, pid, heartbeat_ms FROM runs WHERE status IN "
                         "('running', 'paused')");
    while (live.step()) {
      RunInfo run;
      run.id = live.column_int64(0);
      run.status = live.column_text(1);
      run.host = live.column_text(2);
      run.pid = live.column_int64(3);
      run.heartbeat_ms = live.column_int64(4);
      if (mark_if_writer_dead(run)) dead.push_back(run);
    }
    live.reset();
    if (dead.empty()) return;
    SqliteTransaction transaction(db, SqliteTransaction::Kind::Write);
    // The status, host and pid are checked again: another writer may have resumed the run.
    SqliteStatement mark(db,
                         "UPDATE runs SET status = 'interrupted', message = ?2, ended_at_ms = ?3 "
                         "WHERE id = ?1 AND status IN ('running', 'paused') AND host = ?4 AND "
                         "pid = ?5");
    for (const RunInfo& run : dead) {
      mark.reset()
          .bind_int64(1, run.id)
          .bind_text(2, run.message)
          .bind_int64(3, run.ended_at_ms)
          .bind_text(4, run.host)
          .bind_int64(5, run.pid)
          .run();
      insert_event.reset()
          .bind_int64(1, run.id)
          .bind_int64(2, now_ms())
          .bind_text(3, "warning")
          .bind_text(4, "interrupted: " + run.message)
          .run();
    }
    transaction.commit();
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
  store->state_->mark_dead_writers();
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
    SqliteStatement mark(s.db,
                         "UPDATE runs SET status = 'interrupted', message = ?2, ended_at_ms = ?3 "
                         "WHERE id = ?1 AND status IN ('running', 'paused') AND host = ?4 AND "
                         "pid = ?5");
    for (int64_t run : s.owned_runs) {
      mark.reset()
          .bind_int64(1, run)
          .bind_text(2, "the run store was closed while the run was live, without a final status")
          .bind_int64(3, now_ms())
          .bind_text(4, s.host)
          .bind_int64(5, s.pid)
          .run();
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
      .bind_text(7, s.host)
      .bind_int64(8, s.pid)
      .run();
  const int64_t run = s.db.last_insert_rowid();
  transaction.commit();
  s.known_runs.insert(run);
  s.owned_runs.insert(run);
  return run;
}

void RunStore::set_status(int64_t run, const std::string& status, const std::string& message) {
  State& s = *state_;
  if (!is_known_status(status)) {
    throw Error("run store " + s.db.file().string() + ": unknown run status '" + status +
                "' (expected running, paused, finished, stopped, failed or interrupted)");
  }
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
  // Kept with the run: the rows it lacks, and why.
  const std::string full_message = flush_error
                                       ? message + (message.empty() ? "" : "; ") + "the last " +
                                             std::to_string(dropped) +
                                             " rows could not be written: " + flush_error->what()
                                       : message;
  const int64_t now = now_ms();
  SqliteStatement update(
      s.db,
      "UPDATE runs SET status = ?2, message = ?3, ended_at_ms = ?4, heartbeat_ms = ?5, host = "
      "CASE WHEN ?6 THEN ?7 ELSE host END, pid = CASE WHEN ?6 THEN ?8 ELSE pid END WHERE id = ?1");
  try {
    update.bind_int64(1, run)
        .bind_text(2, status)
        .bind_text(3, full_message)
        .bind_int64(4, live ? 0 : now)
        .bind_int64(5, now)
        .bind_int64(6, live ? 1 : 0)
        .bind_text(7, s.host)
        .bind_int64(8, s.pid)
        .run();
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
  for (const MetricPoint& row : rows) s.metrics.push_back({run, row});
  s.pending_rows += rows.size();
  maybe_flush();
}

void RunStore::add_weight_stats(int64_t run, const std::vector<WeightStat>& rows) {
  State& s = *state_;
  std::lock_guard lock(s.mutex);
  require_run(run);
  for (const WeightStat& row : rows) s.weight_stats.push_back({run, row});
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
  s.similarities.push_back({run, m});
  s.pending_rows += 1;
  maybe_flush();
}

void RunStore::add_checkpoint(int64_t run, const CheckpointInfo& c) {
  State& s = *state_;
  std::lock_guard lock(s.mutex);
  require_run(run);
  s.checkpoints.push_back({run, c});
  s.pending_rows += 1;
  maybe_flush();
}

void RunStore::add_predictions(int64_t run, const std::vector<Prediction>& rows) {
  State& s = *state_;
  std::lock_guard lock(s.mutex);
  require_run(run);
  s.predictions.push_back({run, rows});
  s.pending_rows += rows.size();
  maybe_flush();
}

void RunStore::log(int64_t run, const std::string& level, const std::string& message) {
  State& s = *state_;
  std::lock_guard lock(s.mutex);
  require_run(run);
  s.events.push_back({run, EventRow{now_ms(), level, message}});
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
  for (const char* table :
       {"metrics", "weight_stats", "similarity", "checkpoints", "predictions"}) {
    SqliteStatement drop(s.db,
                         std::string("DELETE FROM ") + table + " WHERE run_id = ?1 AND step > ?2");
    drop.bind_int64(1, run).bind_int64(2, step).run();
  }
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
  for (const char* sql :
       {"DELETE FROM scalars WHERE series_id IN (SELECT id FROM series WHERE run_id = ?1)",
        "DELETE FROM scalar_summaries WHERE series_id IN (SELECT id FROM series WHERE run_id = ?1)",
        "DELETE FROM series WHERE run_id = ?1", "DELETE FROM metrics WHERE run_id = ?1",
        "DELETE FROM weight_stats WHERE run_id = ?1", "DELETE FROM similarity WHERE run_id = ?1",
        "DELETE FROM checkpoints WHERE run_id = ?1", "DELETE FROM predictions WHERE run_id = ?1",
        "DELETE FROM events WHERE run_id = ?1", "DELETE FROM runs WHERE id = ?1"}) {
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
