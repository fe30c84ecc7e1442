#include "core/store/RunStoreReader.h"

#include <algorithm>
#include <limits>
#include <mutex>

#include "core/store/Downsample.h"
#include "core/store/ProcessLiveness.h"
#include "core/store/SqliteDatabase.h"
#include "core/store/SqliteStatement.h"
#include "core/store/SqliteTransaction.h"
#include "core/store/StoreSchema.h"
#include "core/store/StoreTables.h"
#include "core/util/Error.h"

namespace hwb {

namespace {

constexpr std::chrono::milliseconds kBusyTimeout{5000};

constexpr const char* kRunQuery =
    "SELECT r.id, r.name, COALESCE(e.name, ''), r.status, r.config_json, r.device, "
    "r.versions_json, r.started_at_ms, r.ended_at_ms, r.last_step, r.message, r.origin, r.host, "
    "r.pid, r.heartbeat_ms, r.parameters_json, r.study_id, r.study_cell FROM runs r LEFT JOIN "
    "experiments e ON e.id = "
    "r.experiment_id";

RunInfo read_run(const SqliteStatement& q) {
  RunInfo run;
  run.id = q.column_int64(0);
  run.name = q.column_text(1);
  run.experiment = q.column_text(2);
  run.status = q.column_text(3);
  run.config_json = q.column_text(4);
  run.device = q.column_text(5);
  run.versions_json = q.column_text(6);
  run.started_at_ms = q.column_int64(7);
  run.ended_at_ms = q.column_int64(8);
  run.last_step = q.column_int64(9);
  run.message = q.column_text(10);
  run.origin = q.column_text(11);
  run.host = q.column_text(12);
  run.pid = q.column_int64(13);
  run.heartbeat_ms = q.column_int64(14);
  run.parameters_json = q.column_text(15);
  run.study_id = q.column_int64(16);
  run.study_cell = q.column_int64(17);
  mark_if_writer_dead(run);
  return run;
}

ScalarPoint read_point(const SqliteStatement& q) {
  return ScalarPoint{q.column_int64(0), q.column_double(1), q.column_double(2)};
}

std::optional<ScalarPoint> read_optional_point(const SqliteStatement& q, int first) {
  if (q.column_is_null(first)) return std::nullopt;
  return ScalarPoint{q.column_int64(first), q.column_double(first + 1), q.column_double(first + 2)};
}

// Min/max-preserving down-sample of one series over [first.step, last.step] (both points exist):
// whole summary blocks of the plan's level from scalar_summaries, the partial blocks at either end
// from the points themselves.
std::vector<ScalarPoint> downsample_series(SqliteDatabase& db, int64_t series,
                                           const ScalarPoint& first, const ScalarPoint& last,
                                           std::size_t max_points) {
  const DownsamplePlan plan = plan_downsample(first.step, last.step, max_points);
  std::vector<MinMax> buckets(static_cast<std::size_t>(plan.buckets));
  const auto bucket = [&](int64_t step) -> MinMax& {
    return buckets[static_cast<std::size_t>(plan.bucket_of(step))];
  };

  SqliteStatement points(db,
                         "SELECT step, wall_time, value FROM scalars WHERE series_id = ?1 AND "
                         "step BETWEEN ?2 AND ?3 ORDER BY step");
  const auto fold_points = [&](int64_t lo, int64_t hi) {
    points.reset().bind_int64(1, series).bind_int64(2, lo).bind_int64(3, hi);
    while (points.step()) {
      const ScalarPoint point = read_point(points);
      bucket(point.step).add(point);
    }
  };

  const int shift = kSummaryShift * plan.level;
  // Blocks wholly inside the range: [first_block, last_block]. Shifts floor, also below zero.
  const int64_t first_block = plan.level == 0 ? 0 : ((first.step - 1) >> shift) + 1;
  const int64_t last_block = plan.level == 0 ? -1 : ((last.step + 1) >> shift) - 1;
  if (first_block > last_block) {
    fold_points(first.step, last.step);
  } else {
    if ((first_block << shift) > first.step) fold_points(first.step, (first_block << shift) - 1);
    SqliteStatement blocks(
        db,
        "SELECT block, min_step, min_wall, min_value, max_step, max_wall, max_value FROM "
        "scalar_summaries WHERE series_id = ?1 AND level = ?2 AND block BETWEEN ?3 AND ?4 "
        "ORDER BY block");
    blocks.bind_int64(1, series)
        .bind_int64(2, plan.level)
        .bind_int64(3, first_block)
        .bind_int64(4, last_block);
    while (blocks.step()) {
      bucket(blocks.column_int64(0) << shift)
          .merge(MinMax{read_optional_point(blocks, 1), read_optional_point(blocks, 4)});
    }
    if (((last_block + 1) << shift) <= last.step) {
      fold_points((last_block + 1) << shift, last.step);
    }
  }

  std::vector<ScalarPoint> out;
  out.reserve(buckets.size() * 2 + 2);
  out.push_back(first);
  const auto emit = [&](const std::optional<ScalarPoint>& point) {
    if (point && point->step > out.back().step) out.push_back(*point);
  };
  for (const MinMax& b : buckets) {
    if (b.min && b.max && b.max->step < b.min->step) {
      emit(b.max);
      emit(b.min);
    } else {
      emit(b.min);
      emit(b.max);
    }
  }
  emit(last);
  return out;
}

}  // namespace

struct RunStoreReader::State {
  explicit State(SqliteDatabase database) : db(std::move(database)) {}
  SqliteDatabase db;
  std::mutex mutex;
};

namespace {

// A store from an older build is upgraded in place, as its next writer would do, so that opening
// yesterday's file simply works. Only a file that cannot be written stays refused (with the
// reader's message, which says what to do).
void upgrade_if_older(const std::filesystem::path& file) {
  int64_t version = 0;
  {
    SqliteDatabase probe(file, SqliteDatabase::Mode::ReadOnly);
    probe.set_busy_timeout(kBusyTimeout);
    version = probe.pragma_int("user_version");
  }
  if (version <= 0 || version >= store_schema_version()) return;
  try {
    SqliteDatabase writer(file, SqliteDatabase::Mode::ReadWriteCreate);
    writer.set_busy_timeout(kBusyTimeout);
    migrate_store(writer);
  } catch (const Error&) {
    // Read-only medium or permissions: check_store_version() explains.
  }
}

}  // namespace

std::unique_ptr<RunStoreReader> RunStoreReader::open(const std::filesystem::path& file) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec)) {
    throw Error("run store " + file.string() +
                ": no such file; choose an existing store, or start a run to create one");
  }
  upgrade_if_older(file);
  SqliteDatabase db(file, SqliteDatabase::Mode::ReadOnly);
  db.set_busy_timeout(kBusyTimeout);
  check_store_version(db);
  return std::unique_ptr<RunStoreReader>(
      new RunStoreReader(std::make_unique<State>(std::move(db))));
}

RunStoreReader::RunStoreReader(std::unique_ptr<State> state) : state_(std::move(state)) {}

RunStoreReader::~RunStoreReader() = default;

const std::filesystem::path& RunStoreReader::file() const {
  return state_->db.file();
}

int64_t RunStoreReader::data_version() const {
  std::lock_guard lock(state_->mutex);
  return state_->db.pragma_int("data_version");
}

std::vector<RunInfo> RunStoreReader::runs() const {
  std::lock_guard lock(state_->mutex);
  SqliteStatement q(state_->db, std::string(kRunQuery) + " ORDER BY r.id");
  std::vector<RunInfo> out;
  while (q.step()) out.push_back(read_run(q));
  return out;
}

std::vector<StudyInfo> RunStoreReader::studies() const {
  std::lock_guard lock(state_->mutex);
  SqliteStatement q(state_->db,
                    "SELECT id, name, spec_json, created_at_ms FROM studies ORDER BY id");
  std::vector<StudyInfo> out;
  while (q.step()) {
    out.push_back({q.column_int64(0), q.column_text(1), q.column_text(2), q.column_int64(3)});
  }
  return out;
}

std::optional<RunInfo> RunStoreReader::run(int64_t id) const {
  std::lock_guard lock(state_->mutex);
  SqliteStatement q(state_->db, std::string(kRunQuery) + " WHERE r.id = ?1");
  q.bind_int64(1, id);
  if (!q.step()) return std::nullopt;
  return read_run(q);
}

std::vector<std::string> RunStoreReader::scalar_tags(int64_t run) const {
  std::lock_guard lock(state_->mutex);
  SqliteStatement q(state_->db, "SELECT tag FROM series WHERE run_id = ?1 ORDER BY tag");
  q.bind_int64(1, run);
  std::vector<std::string> out;
  while (q.step()) out.push_back(q.column_text(0));
  return out;
}

void RunStoreReader::query(const std::string& sql, int64_t run,
                           const std::function<void(SqliteStatement&)>& bind,
                           const std::function<void(const SqliteStatement&)>& visit) const {
  std::lock_guard lock(state_->mutex);
  SqliteStatement q(state_->db, sql);
  q.bind_int64(1, run);
  if (bind) bind(q);
  while (q.step()) visit(q);
}

std::vector<ScalarPoint> RunStoreReader::scalar_series(
    int64_t run, const std::string& tag, std::size_t max_points,
    std::optional<std::pair<int64_t, int64_t>> step_range) const {
  State& s = *state_;
  std::lock_guard lock(s.mutex);
  const int64_t lo = step_range ? step_range->first : std::numeric_limits<int64_t>::min();
  const int64_t hi = step_range ? step_range->second : std::numeric_limits<int64_t>::max();
  if (lo > hi) return {};

  // One snapshot for the several queries below: a commit in between cannot mix two batches.
  SqliteTransaction snapshot(s.db, SqliteTransaction::Kind::Read);
  std::vector<ScalarPoint> out;
  {
    SqliteStatement find(s.db, "SELECT id FROM series WHERE run_id = ?1 AND tag = ?2");
    find.bind_int64(1, run).bind_text(2, tag);
    if (!find.step()) return {};
    const int64_t series = find.column_int64(0);

    // Up to one more point than asked for: a short series comes back whole.
    if (max_points != 0) max_points = std::max<std::size_t>(max_points, 4);
    SqliteStatement points(s.db,
                           "SELECT step, wall_time, value FROM scalars WHERE series_id = ?1 AND "
                           "step BETWEEN ?2 AND ?3 ORDER BY step LIMIT ?4");
    points.bind_int64(1, series).bind_int64(2, lo).bind_int64(3, hi).bind_int64(
        4, max_points == 0 ? -1 : static_cast<int64_t>(max_points) + 1);
    while (points.step()) out.push_back(read_point(points));

    if (max_points != 0 && out.size() > max_points) {
      SqliteStatement last(s.db,
                           "SELECT step, wall_time, value FROM scalars WHERE series_id = ?1 AND "
                           "step BETWEEN ?2 AND ?3 ORDER BY step DESC LIMIT 1");
      last.bind_int64(1, series).bind_int64(2, lo).bind_int64(3, hi);
      last.step();
      const ScalarPoint last_point = read_point(last);
      out = downsample_series(s.db, series, out.front(), last_point, max_points);
    }
  }
  snapshot.commit();
  return out;
}

std::vector<MetricPoint> RunStoreReader::metric_series(int64_t run, const std::string& task,
                                                       const std::string& metric) const {
  return rows(kMetricsTable, run, "AND (?2 = '' OR task = ?2) AND (?3 = '' OR metric = ?3)",
              [&](SqliteStatement& q) { q.bind_text(2, task).bind_text(3, metric); });
}

std::vector<int64_t> RunStoreReader::weight_stat_steps(int64_t run) const {
  std::lock_guard lock(state_->mutex);
  // A loose index scan: one index seek per distinct step instead of reading every statistic.
  SqliteStatement q(state_->db,
                    "WITH RECURSIVE steps(step) AS ("
                    " SELECT min(step) FROM weight_stats WHERE run_id = ?1"
                    " UNION ALL"
                    " SELECT (SELECT min(step) FROM weight_stats WHERE run_id = ?1 AND step > "
                    "steps.step) FROM steps WHERE steps.step IS NOT NULL)"
                    " SELECT step FROM steps WHERE step IS NOT NULL");
  q.bind_int64(1, run);
  std::vector<int64_t> out;
  while (q.step()) out.push_back(q.column_int64(0));
  return out;
}

std::vector<WeightStat> RunStoreReader::weight_stats(int64_t run, int64_t step) const {
  return rows(kWeightStatsTable, run, "AND step = ?2",
              [&](SqliteStatement& q) { q.bind_int64(2, step); });
}

std::vector<int64_t> RunStoreReader::similarity_steps(int64_t run) const {
  std::lock_guard lock(state_->mutex);
  SqliteStatement q(state_->db,
                    "SELECT DISTINCT step FROM similarity WHERE run_id = ?1 ORDER BY step");
  q.bind_int64(1, run);
  std::vector<int64_t> out;
  while (q.step()) out.push_back(q.column_int64(0));
  return out;
}

std::vector<SimilarityMatrix> RunStoreReader::similarity(int64_t run, int64_t step) const {
  return rows(kSimilarityTable, run, "AND step = ?2",
              [&](SqliteStatement& q) { q.bind_int64(2, step); });
}

std::vector<CheckpointInfo> RunStoreReader::checkpoints(int64_t run) const {
  return rows(kCheckpointsTable, run);
}

std::vector<Prediction> RunStoreReader::predictions(int64_t run, const std::string& task) const {
  return rows(kPredictionsTable, run, "AND (?2 = '' OR task = ?2)",
              [&](SqliteStatement& q) { q.bind_text(2, task); });
}

std::vector<EventRow> RunStoreReader::events(int64_t run) const {
  return rows(kEventsTable, run);
}

}  // namespace hwb
