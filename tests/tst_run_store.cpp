// The run store (core/store): every row kind written and read back, min/max-preserving
// down-sampling against a brute-force oracle, resume truncation, export to CSV and JSON, import of
// another store, and the schema version (migrations, newer and foreign files refused).

#include <QtTest/QtTest>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>
#include <random>
#include <set>

#include <unistd.h>

#include <nlohmann/json.hpp>

#include "core/store/Downsample.h"
#include "core/store/RunExport.h"
#include "core/store/RunStore.h"
#include "core/store/RunStoreReader.h"
#include "core/store/SqliteDatabase.h"
#include "core/store/SqliteStatement.h"
#include "core/store/StoreSchema.h"
#include "core/util/Error.h"
#include "tests/StoreTestUtil.h"
#include "tests/TestUtil.h"

using namespace hwb;
using hwb::test::throws_with;
using namespace hwb::store_test;
namespace fs = std::filesystem;

namespace {

std::string read_text(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

int64_t pragma(const fs::path& file, const char* name) {
  SqliteDatabase db(file, SqliteDatabase::Mode::ReadOnly);
  return db.pragma_int(name);
}

void add_points(RunStore& store, int64_t run, const std::string& tag,
                const std::vector<ScalarPoint>& points) {
  for (const ScalarPoint& p : points) store.add_scalars(run, p.step, p.wall_time, {{tag, p.value}});
}

}  // namespace

class TestRunStore : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir dir_;
  fs::path path(const std::string& name) const {
    return fs::path(dir_.path().toStdString()) / name;
  }

  // Two runs with one row of every kind and a few scalars; returns their ids.
  std::pair<int64_t, int64_t> fill_two_runs(const fs::path& file) {
    auto store = RunStore::open(file);
    const int64_t a = store->create_run("a", "glue", R"({"lr":0.001})", "cpu", R"({"hwb":"0.1"})");
    const int64_t b = store->create_run("b", "", "{}", "cuda:0", "{}");
    for (int64_t step = 0; step < 3000; ++step) {
      store->add_scalars(a, step, step * 0.1, {{"loss", 1.0 / (step + 1)}, {"lr", 1e-3}});
    }
    store->add_scalars(b, 5, 1.0, {{"loss", 2.0}});
    store->add_metrics(a, {{1000, "rte", "validation", "accuracy", 0.6}});
    store->add_weight_stats(a, {{1000, "rte", "encoder", 0, "ffn", "norm", 1.5}});
    store->add_similarity(a, {1000, "raw", {"rte", "mrpc"}, {1.0, 0.2, 0.2, 1.0}});
    store->add_checkpoint(a, {1000, "/ckpt/1000", 0.6, true, 1234});
    store->add_predictions(a, {{1000, "rte", "validation", 0, "premise, \"quoted\"\nline",
                                "entailment", "entailment"}});
    store->log(a, "info", "hello");
    store->set_status(a, "finished");
    store->set_status(b, "failed", "out of memory");
    return {a, b};
  }

 private Q_SLOTS:
  void creates_a_versioned_wal_store() {
    const fs::path file = path("new/folder/runs.db");
    { auto store = RunStore::open(file); }
    QVERIFY(fs::exists(file));
    QCOMPARE(pragma(file, "user_version"), store_schema_version());
    QCOMPARE(pragma(file, "application_id"), kStoreApplicationId);
    SqliteDatabase db(file, SqliteDatabase::Mode::ReadOnly);
    QCOMPARE(db.pragma_text("journal_mode"), std::string("wal"));
    auto reader = RunStoreReader::open(file);
    QVERIFY(reader->runs().empty());
    QVERIFY(!reader->run(1));
  }

  void run_info_round_trip() {
    const fs::path file = path("runs.db");
    auto store = RunStore::open(file);
    const int64_t a =
        store->create_run("first", "glue", R"({"x":1})", "cuda:0", R"({"torch":"2"})");
    const int64_t b = store->create_run("second", "", "{}", "cpu", "{}");
    QVERIFY(b > a);
    auto reader = RunStoreReader::open(file);
    auto runs = reader->runs();
    QCOMPARE(runs.size(), std::size_t{2});
    QCOMPARE(runs[0].id, a);
    QCOMPARE(runs[0].name, std::string("first"));
    QCOMPARE(runs[0].experiment, std::string("glue"));
    QCOMPARE(runs[0].status, std::string("running"));
    QCOMPARE(runs[0].config_json, std::string(R"({"x":1})"));
    QCOMPARE(runs[0].device, std::string("cuda:0"));
    QCOMPARE(runs[0].versions_json, std::string(R"({"torch":"2"})"));
    QVERIFY(runs[0].started_at_ms > 0);
    QCOMPARE(runs[0].ended_at_ms, int64_t{0});
    QCOMPARE(runs[0].pid, static_cast<int64_t>(getpid()));
    QVERIFY(runs[0].origin.empty());
    QCOMPARE(runs[1].experiment, std::string());

    const int64_t first_heartbeat = reader->run(a)->heartbeat_ms;
    QTest::qWait(5);
    store->heartbeat(a);
    store->flush();
    QVERIFY(reader->run(a)->heartbeat_ms > first_heartbeat);

    store->set_status(a, "paused");
    QCOMPARE(reader->run(a)->status, std::string("paused"));
    store->set_status(a, "failed", "CUDA out of memory");
    const RunInfo failed = *reader->run(a);
    QCOMPARE(failed.status, std::string("failed"));
    QCOMPARE(failed.message, std::string("CUDA out of memory"));
    QVERIFY(failed.ended_at_ms >= failed.started_at_ms);

    QVERIFY(throws_with([&] { store->set_status(a, "done"); }, {"unknown run status 'done'"}));
    QVERIFY(throws_with([&] { store->set_status(999, "finished"); },
                        {"no run with id 999", "runs.db"}));
    QVERIFY(throws_with(
        [&] {
          store->add_scalars(999, 1, 0.0, {{"loss", 1.0}});
        },
        {"no run with id 999"}));
    QVERIFY(throws_with(
        [&] {
          store->add_similarity(a, {1, "raw", {"a", "b"}, {1.0}});
        },
        {"2 tasks needs 4 values, got 1"}));
  }

  void every_row_kind_round_trips() {
    const fs::path file = path("rows.db");
    auto store = RunStore::open(file, manual_flush());
    const int64_t run = store->create_run("r", "e", "{}", "cpu", "{}");
    const double inf = std::numeric_limits<double>::infinity();
    store->add_scalars(run, 1, 10.5, {{"loss", 2.5}, {"lr", 1e-4}});
    store->add_scalars(run, 2, 11.5, {{"loss", kNaN}, {"lr", inf}});
    store->add_scalars(run, 3, 12.5, {{"loss", -inf}});
    store->add_metrics(run, {{100, "rte", "validation", "accuracy", 0.5},
                             {200, "rte", "validation", "accuracy", 0.75},
                             {200, "mrpc", "validation", "f1", 0.8},
                             {200, "mrpc", "validation", "accuracy", 0.7}});
    store->add_weight_stats(run, {{100, "rte", "encoder", 0, "ffn", "norm", 1.0},
                                  {100, "rte", "decoder", 1, "attention", "mean", kNaN},
                                  {300, "mrpc", "encoder", 2, "ffn", "norm", 3.0}});
    store->add_similarity(run, {100, "raw", {"rte", "mrpc"}, {1.0, 0.5, 0.5, 1.0}});
    store->add_similarity(run, {100, "projected", {"rte", "mrpc"}, {1.0, kNaN, kNaN, 1.0}});
    store->add_checkpoint(run, {100, "/c/100", 0.5, true, 111});
    store->add_checkpoint(run, {200, "/c/200", 0.75, true, 222});
    store->add_checkpoint(run, {300, "/c/300", 0.7, false, 333});
    store->add_predictions(run, {{100, "rte", "validation", 0, "in0", "t0", "p0"},
                                 {100, "rte", "validation", 1, "in1", "t1", "p1"},
                                 {100, "rte", "test", 0, "x", "", "y"}});
    // A better evaluation replaces the validation predictions of rte only.
    store->add_predictions(run, {{200, "rte", "validation", 0, "in0", "t0", "q0"}});
    store->log(run, "info", "started");
    store->log(run, "warning", "slow");

    auto reader = RunStoreReader::open(file);
    QVERIFY(reader->scalar_tags(run).empty());  // nothing committed before the flush
    store->flush();

    QCOMPARE(reader->scalar_tags(run), (std::vector<std::string>{"loss", "lr"}));
    const auto loss = reader->scalar_series(run, "loss");
    QCOMPARE(loss.size(), std::size_t{3});
    QVERIFY(same_point(loss[0], {1, 10.5, 2.5}));
    QVERIFY(same_point(loss[1], {2, 11.5, kNaN}));
    QVERIFY(same_point(loss[2], {3, 12.5, -inf}));
    QCOMPARE(reader->scalar_series(run, "lr")[1].value, inf);
    QVERIFY(reader->scalar_series(run, "absent").empty());
    QCOMPARE(reader->scalar_series(run, "loss", 0, std::pair<int64_t, int64_t>{2, 3}).size(),
             std::size_t{2});
    QCOMPARE(reader->run(run)->last_step, int64_t{300});

    const auto metrics = reader->metric_series(run);
    QCOMPARE(metrics.size(), std::size_t{4});
    QCOMPARE(metrics[0].task, std::string("mrpc"));  // by task, split, metric, step
    QCOMPARE(metrics[0].metric, std::string("accuracy"));
    QCOMPARE(reader->metric_series(run, "rte").size(), std::size_t{2});
    QCOMPARE(reader->metric_series(run, "rte")[1].value, 0.75);
    QCOMPARE(reader->metric_series(run, {}, "accuracy").size(), std::size_t{3});
    QCOMPARE(reader->metric_series(run, "mrpc", "f1").size(), std::size_t{1});

    QCOMPARE(reader->weight_stat_steps(run), (std::vector<int64_t>{100, 300}));
    const auto stats = reader->weight_stats(run, 100);
    QCOMPARE(stats.size(), std::size_t{2});
    QCOMPARE(stats[0].stack, std::string("decoder"));
    QCOMPARE(stats[0].layer, int64_t{1});
    QCOMPARE(stats[0].position, std::string("attention"));
    QVERIFY(std::isnan(stats[0].value));
    QCOMPARE(stats[1].statistic, std::string("norm"));
    QCOMPARE(stats[1].value, 1.0);

    QCOMPARE(reader->similarity_steps(run), (std::vector<int64_t>{100}));
    const auto similarity = reader->similarity(run, 100);
    QCOMPARE(similarity.size(), std::size_t{2});
    QCOMPARE(similarity[0].kind, std::string("projected"));
    QCOMPARE(similarity[1].tasks, (std::vector<std::string>{"rte", "mrpc"}));
    QCOMPARE(similarity[1].values, (std::vector<double>{1.0, 0.5, 0.5, 1.0}));
    QVERIFY(std::isnan(similarity[0].values[1]));

    const auto checkpoints = reader->checkpoints(run);
    QCOMPARE(checkpoints.size(), std::size_t{3});
    QVERIFY(!checkpoints[0].best);  // the later best took the flag
    QVERIFY(checkpoints[1].best);
    QCOMPARE(checkpoints[1].path, std::string("/c/200"));
    QCOMPARE(checkpoints[1].score, 0.75);
    QCOMPARE(checkpoints[1].created_at_ms, int64_t{222});
    QVERIFY(!checkpoints[2].best);

    const auto predictions = reader->predictions(run);
    QCOMPARE(predictions.size(), std::size_t{2});
    QCOMPARE(predictions[0].split, std::string("test"));
    QCOMPARE(predictions[1].prediction, std::string("q0"));
    QCOMPARE(predictions[1].step, int64_t{200});
    QCOMPARE(reader->predictions(run, "mrpc").size(), std::size_t{0});

    const auto events = reader->events(run);
    QCOMPARE(events.size(), std::size_t{2});
    QCOMPARE(events[1].level, std::string("warning"));
    QCOMPARE(events[1].message, std::string("slow"));
    QVERIFY(events[0].wall_ms > 0);
  }

  void a_later_value_for_the_same_step_wins() {
    const fs::path file = path("dup.db");
    auto store = RunStore::open(file, manual_flush());
    const int64_t run = store->create_run("r", "", "{}", "cpu", "{}");
    store->add_scalars(run, 5, 1.0, {{"loss", 100.0}});
    store->add_scalars(run, 5, 2.0, {{"loss", 1.0}});
    store->flush();
    store->add_scalars(run, 5, 3.0, {{"loss", 2.0}});
    store->flush();
    auto reader = RunStoreReader::open(file);
    const auto loss = reader->scalar_series(run, "loss");
    QCOMPARE(loss.size(), std::size_t{1});
    QVERIFY(same_point(loss[0], {5, 3.0, 2.0}));
  }

  void flushes_by_row_count_and_by_time() {
    const fs::path file = path("auto.db");
    RunStoreOptions options = manual_flush();
    options.flush_rows = 100;
    auto store = RunStore::open(file, options);
    const int64_t run = store->create_run("r", "", "{}", "cpu", "{}");
    auto reader = RunStoreReader::open(file);
    const int64_t version = reader->data_version();
    for (int i = 0; i < 99; ++i) store->add_scalars(run, i, 0.0, {{"loss", 1.0}});
    QCOMPARE(reader->scalar_series(run, "loss").size(), std::size_t{0});
    QCOMPARE(reader->data_version(), version);  // nothing committed: a poller skips the reload
    store->add_scalars(run, 99, 0.0, {{"loss", 1.0}});
    QCOMPARE(reader->scalar_series(run, "loss").size(), std::size_t{100});
    QVERIFY(reader->data_version() != version);
    store.reset();

    options = manual_flush();
    options.flush_interval = std::chrono::milliseconds(50);
    store = RunStore::open(file, options);
    store->set_status(run, "running");
    store->add_scalars(run, 100, 0.0, {{"loss", 1.0}});
    QCOMPARE(reader->scalar_series(run, "loss").size(), std::size_t{100});
    QTest::qWait(80);
    store->add_scalars(run, 101, 0.0, {{"loss", 1.0}});
    QCOMPARE(reader->scalar_series(run, "loss").size(), std::size_t{102});
  }

  void downsampling_keeps_extremes_data() {
    QTest::addColumn<qint64>("count");
    QTest::addColumn<qint64>("stride");
    QTest::addColumn<int>("chunk");  // rows per flush
    QTest::addColumn<bool>("shuffled");
    QTest::addColumn<int>("max_points");
    QTest::addColumn<qint64>("lo");  // -1: whole series
    QTest::addColumn<qint64>("hi");
    QTest::newRow("200k dense -> 2000")
        << qint64{200000} << qint64{1} << 5000 << false << 2000 << qint64{-1} << qint64{-1};
    QTest::newRow("200k dense -> 50 (coarse level)")
        << qint64{200000} << qint64{1} << 5000 << false << 50 << qint64{-1} << qint64{-1};
    QTest::newRow("sparse stride 7 -> 500")
        << qint64{30000} << qint64{7} << 4096 << false << 500 << qint64{-1} << qint64{-1};
    QTest::newRow("misaligned range -> 300")
        << qint64{100000} << qint64{1} << 5000 << false << 300 << qint64{12345} << qint64{87654};
    QTest::newRow("narrow range on points")
        << qint64{100000} << qint64{1} << 5000 << false << 100 << qint64{50001} << qint64{50999};
    QTest::newRow("many small flushes")
        << qint64{20000} << qint64{1} << 37 << false << 200 << qint64{-1} << qint64{-1};
    QTest::newRow("out of order batches")
        << qint64{30000} << qint64{3} << 1000 << true << 400 << qint64{-1} << qint64{-1};
    QTest::newRow("short series comes back whole")
        << qint64{1500} << qint64{1} << 500 << false << 2000 << qint64{-1} << qint64{-1};
    QTest::newRow("budget below 4 means 4")
        << qint64{5000} << qint64{1} << 5000 << false << 1 << qint64{-1} << qint64{-1};
  }
  void downsampling_keeps_extremes() {
    QFETCH(qint64, count);
    QFETCH(qint64, stride);
    QFETCH(int, chunk);
    QFETCH(bool, shuffled);
    QFETCH(int, max_points);
    QFETCH(qint64, lo);
    QFETCH(qint64, hi);
    const fs::path file = path("down-" + std::to_string(count) + "-" + std::to_string(chunk) + "-" +
                               std::to_string(max_points) + "-" + std::to_string(lo) + ".db");
    std::vector<ScalarPoint> points = make_series(count, stride, 42);
    if (shuffled) {
      // Whole batches out of order, and some points written twice with a new value.
      std::mt19937 rng(7);
      std::vector<std::vector<ScalarPoint>> batches;
      for (std::size_t i = 0; i < points.size(); i += static_cast<std::size_t>(chunk)) {
        batches.emplace_back(
            points.begin() + static_cast<std::ptrdiff_t>(i),
            points.begin() + static_cast<std::ptrdiff_t>(
                                 std::min(points.size(), i + static_cast<std::size_t>(chunk))));
      }
      std::shuffle(batches.begin(), batches.end(), rng);
      auto store = RunStore::open(file, manual_flush());
      const int64_t run = store->create_run("r", "", "{}", "cpu", "{}");
      for (const auto& batch : batches) {
        add_points(*store, run, "loss", batch);
        store->flush();
      }
      for (std::size_t i = 0; i < points.size(); i += 997) {
        points[i].value = i % 2 ? 1e6 : -1e6;
        store->add_scalars(run, points[i].step, points[i].wall_time, {{"loss", points[i].value}});
      }
      store->set_status(run, "finished");
    } else {
      auto store = RunStore::open(file, manual_flush());
      const int64_t run = store->create_run("r", "", "{}", "cpu", "{}");
      for (std::size_t i = 0; i < points.size(); ++i) {
        store->add_scalars(run, points[i].step, points[i].wall_time, {{"loss", points[i].value}});
        if ((i + 1) % static_cast<std::size_t>(chunk) == 0) store->flush();
      }
      store->set_status(run, "finished");
    }
    auto reader = RunStoreReader::open(file);
    const int64_t run = reader->runs().front().id;
    std::optional<std::pair<int64_t, int64_t>> range;
    if (lo >= 0) range = std::pair<int64_t, int64_t>{lo, hi};
    const auto got =
        reader->scalar_series(run, "loss", static_cast<std::size_t>(max_points), range);
    check_downsample(points, got, static_cast<std::size_t>(max_points), range);
    if (QTest::currentTestFailed()) return;
    QCOMPARE(reader->scalar_series(run, "loss", 0, range).size(),
             static_cast<std::size_t>(std::count_if(points.begin(), points.end(), [&](auto& p) {
               return !range || (p.step >= range->first && p.step <= range->second);
             })));
  }

  void plan_bounds_the_output() {
    for (const std::size_t max_points : {4, 5, 10, 101, 2000}) {
      for (const int64_t last : {0, 3, 15, 16, 17, 999, 4096, 100000, 1000000, 123456789}) {
        const DownsamplePlan plan = plan_downsample(0, last, max_points);
        QVERIFY(plan.buckets * 2 + 2 <= static_cast<int64_t>(max_points));
        QVERIFY(plan.origin <= 0);
        QVERIFY(plan.bucket_of(last) < plan.buckets);
        QCOMPARE(plan.width % summary_block_size(plan.level), int64_t{0});
      }
    }
  }

  void truncate_after_drops_later_rows() {
    const fs::path file = path("resume.db");
    auto store = RunStore::open(file, manual_flush());
    const int64_t run = store->create_run("r", "", "{}", "cpu", "{}");
    std::vector<ScalarPoint> points = make_series(10000, 1, 3);
    // Extremes that the truncation removes: no summary may remember them.
    points[5050].value = 1e9;
    points[5060].value = -1e9;
    add_points(*store, run, "loss", points);
    for (int64_t step = 1000; step <= 10000; step += 1000) {
      store->add_metrics(run, {{step, "rte", "validation", "accuracy", step * 1e-5}});
      store->add_weight_stats(run, {{step, "rte", "encoder", 0, "ffn", "norm", 1.0}});
      store->add_similarity(run, {step, "raw", {"rte"}, {1.0}});
      store->add_checkpoint(run, {step, "/c/" + std::to_string(step), 0.1, false, step});
      store->add_predictions(run, {{step, "rte", "validation", step, "i", "t", "p"}});
    }
    store->log(run, "info", "before the crash");
    store->flush();

    store->truncate_after(run, 5000);
    auto reader = RunStoreReader::open(file);
    QCOMPARE(reader->run(run)->last_step, int64_t{5000});
    QCOMPARE(reader->scalar_series(run, "loss").size(), std::size_t{5001});
    QCOMPARE(reader->scalar_series(run, "loss").back().step, int64_t{5000});
    QCOMPARE(reader->metric_series(run).size(), std::size_t{5});
    QCOMPARE(reader->weight_stat_steps(run), (std::vector<int64_t>{1000, 2000, 3000, 4000, 5000}));
    QCOMPARE(reader->similarity_steps(run).size(), std::size_t{5});
    QCOMPARE(reader->checkpoints(run).size(), std::size_t{5});
    QVERIFY(reader->predictions(run).empty());  // the last predictions were of step 10000
    QCOMPARE(reader->events(run).size(), std::size_t{1});

    points.resize(5001);
    check_downsample(points, reader->scalar_series(run, "loss", 20), 20, {});

    // The resumed run logs from step 6000 first (a gap), then fills 5001..5999: the blocks that
    // span the truncation point are summarised from the surviving points only.
    const std::vector<ScalarPoint> resumed = make_series(10000, 1, 4);
    add_points(*store, run, "loss",
               std::vector<ScalarPoint>(resumed.begin() + 6000, resumed.end()));
    store->flush();
    std::vector<ScalarPoint> expected = points;
    expected.insert(expected.end(), resumed.begin() + 6000, resumed.end());
    for (const std::size_t budget : {std::size_t{4}, std::size_t{20}, std::size_t{100}}) {
      check_downsample(expected, reader->scalar_series(run, "loss", budget), budget, {});
    }
    add_points(*store, run, "loss",
               std::vector<ScalarPoint>(resumed.begin() + 5001, resumed.begin() + 6000));
    store->flush();
    points.insert(points.end(), resumed.begin() + 5001, resumed.end());
    const auto all = reader->scalar_series(run, "loss");
    QCOMPARE(all.size(), std::size_t{10000});  // no duplicates
    for (std::size_t i = 0; i < all.size(); ++i) QVERIFY(same_point(all[i], points[i]));
    for (const std::size_t budget : {std::size_t{4}, std::size_t{100}}) {
      check_downsample(points, reader->scalar_series(run, "loss", budget), budget, {});
    }
    check_downsample(points, reader->scalar_series(run, "loss", 60, {{4000, 6000}}), 60,
                     {{4000, 6000}});
    QCOMPARE(reader->run(run)->last_step, int64_t{9999});
  }

  void delete_run_removes_every_row() {
    const fs::path file = path("delete.db");
    const auto [a, b] = fill_two_runs(file);
    auto store = RunStore::open(file);
    store->delete_run(a);
    auto reader = RunStoreReader::open(file);
    QCOMPARE(reader->runs().size(), std::size_t{1});
    QVERIFY(reader->scalar_tags(a).empty());
    QVERIFY(reader->metric_series(a).empty());
    QVERIFY(reader->events(a).empty());
    QCOMPARE(reader->scalar_series(b, "loss").size(), std::size_t{1});
    QVERIFY(throws_with([&] { store->log(a, "info", "x"); }, {"no run with id"}));
  }

  void closing_a_live_run_leaves_it_interrupted() {
    const fs::path file = path("close.db");
    int64_t run = 0;
    {
      auto store = RunStore::open(file);
      run = store->create_run("r", "", "{}", "cpu", "{}");
      store->add_scalars(run, 1, 0.0, {{"loss", 1.0}});
    }
    auto reader = RunStoreReader::open(file);
    const RunInfo info = *reader->run(run);
    QCOMPARE(info.status, std::string("interrupted"));
    QVERIFY(info.message.find("without a final status") != std::string::npos);
    QCOMPARE(reader->scalar_series(run, "loss").size(), std::size_t{1});
  }

  void export_csv_writes_every_table() {
    const fs::path file = path("export.db");
    const auto [a, b] = fill_two_runs(file);
    auto reader = RunStoreReader::open(file);
    const fs::path folder = path("export-csv/run-a");
    export_run_csv(*reader, a, folder);
    for (const char* name :
         {"scalars.csv", "metrics.csv", "weight_stats.csv", "predictions.csv", "config.json",
          "similarity.csv", "checkpoints.csv", "events.csv", "run.json"}) {
      QVERIFY2(fs::exists(folder / name), name);
    }
    const std::string scalars = read_text(folder / "scalars.csv");
    QVERIFY(scalars.starts_with("tag,step,wall_time,value\nloss,0,0,1\nloss,1,0.1,0.5\n"));
    QCOMPARE(std::count(scalars.begin(), scalars.end(), '\n'), std::ptrdiff_t{6001});
    QVERIFY(scalars.find("\nlr,2999,299.90000000000003,0.001\n") != std::string::npos);
    QCOMPARE(read_text(folder / "metrics.csv"),
             std::string("step,task,split,metric,value\n1000,rte,validation,accuracy,0.6\n"));
    QCOMPARE(read_text(folder / "weight_stats.csv"),
             std::string("step,task,stack,layer,position,statistic,value\n"
                         "1000,rte,encoder,0,ffn,norm,1.5\n"));
    QCOMPARE(read_text(folder / "predictions.csv"),
             std::string("step,task,split,index,input,target,prediction\n"
                         "1000,rte,validation,0,\"premise, \"\"quoted\"\"\nline\",entailment,"
                         "entailment\n"));
    QCOMPARE(read_text(folder / "similarity.csv"),
             std::string("step,kind,row_task,column_task,value\n1000,raw,rte,rte,1\n"
                         "1000,raw,rte,mrpc,0.2\n1000,raw,mrpc,rte,0.2\n1000,raw,mrpc,mrpc,1\n"));
    QCOMPARE(read_text(folder / "checkpoints.csv"),
             std::string("step,path,score,best,created_at_ms\n1000,/ckpt/1000,0.6,1,1234\n"));
    QVERIFY(read_text(folder / "events.csv").find(",info,hello\n") != std::string::npos);
    QCOMPARE(hwb::test::read_json(folder / "config.json"), nlohmann::json({{"lr", 0.001}}));
    const auto run_row = hwb::test::read_json(folder / "run.json");
    QCOMPARE(run_row["status"].get<std::string>(), std::string("finished"));
    QCOMPARE(run_row["versions"]["hwb"].get<std::string>(), std::string("0.1"));

    QVERIFY(throws_with([&] { export_run_csv(*reader, 77, path("x")); },
                        {"no run with id 77", "export.db"}));
  }

  void export_json_holds_the_whole_run() {
    const fs::path file = path("export-json.db");
    const auto [a, b] = fill_two_runs(file);
    {
      auto store = RunStore::open(file);
      store->set_status(b, "running");
      store->add_scalars(b, 6, 2.0, {{"loss", kNaN}});
      store->set_status(b, "failed", "diverged");
    }
    auto reader = RunStoreReader::open(file);
    export_run_json(*reader, a, path("a.json"));
    const auto j = hwb::test::read_json(path("a.json"));
    QCOMPARE(j["format"].get<std::string>(), std::string("hyperformer-workbench-run"));
    QCOMPARE(j["format_version"].get<int>(), 1);
    QCOMPARE(j["run"]["name"].get<std::string>(), std::string("a"));
    QCOMPARE(j["run"]["experiment"].get<std::string>(), std::string("glue"));
    QCOMPARE(j["run"]["status"].get<std::string>(), std::string("finished"));
    QCOMPARE(j["config"], nlohmann::json({{"lr", 0.001}}));
    QCOMPARE(j["versions"]["hwb"].get<std::string>(), std::string("0.1"));
    QCOMPARE(j["scalars"]["loss"]["step"].size(), std::size_t{3000});
    QCOMPARE(j["scalars"]["loss"]["value"][3].get<double>(), 0.25);
    QCOMPARE(j["scalars"]["lr"]["wall_time"][2999].get<double>(), 2999 * 0.1);
    QCOMPARE(j["metrics"].size(), std::size_t{1});
    QCOMPARE(j["metrics"][0]["value"].get<double>(), 0.6);
    QCOMPARE(j["weight_stats"][0]["layer"].get<int>(), 0);
    QCOMPARE(j["similarity"][0]["values"][1].get<double>(), 0.2);
    QCOMPARE(j["checkpoints"][0]["best"].get<bool>(), true);
    QCOMPARE(j["predictions"][0]["input"].get<std::string>(),
             std::string("premise, \"quoted\"\nline"));
    QCOMPARE(j["events"][0]["message"].get<std::string>(), std::string("hello"));

    export_run_json(*reader, b, path("b.json"));
    const auto k = hwb::test::read_json(path("b.json"));
    QVERIFY(k["scalars"]["loss"]["value"][1].is_null());  // NaN
    QCOMPARE(k["run"]["message"].get<std::string>(), std::string("diverged"));
    QVERIFY(k["metrics"].empty());
  }

  void import_copies_runs_with_new_ids() {
    const fs::path source = path("gpu-server.db");
    const auto [a, b] = fill_two_runs(source);
    {
      // A long curve, so the summaries travel too.
      auto store = RunStore::open(source, manual_flush());
      store->set_status(b, "running");
      add_points(*store, b, "long", make_series(50000, 1, 9));
      store->set_status(b, "finished");
    }
    const fs::path target = path("local.db");
    int64_t local = 0;
    {
      auto store = RunStore::open(target);
      local = store->create_run("local", "glue", "{}", "cpu", "{}");
      store->set_status(local, "finished");
    }
    const auto ids = import_store(target, source);
    QCOMPARE(ids.size(), std::size_t{2});
    QVERIFY(ids[0] != local && ids[1] != local && ids[0] != ids[1]);

    auto from = RunStoreReader::open(source);
    auto to = RunStoreReader::open(target);
    QCOMPARE(to->runs().size(), std::size_t{3});
    const std::string canonical = fs::weakly_canonical(source).string();
    for (std::size_t i = 0; i < 2; ++i) {
      const int64_t old_id = i == 0 ? a : b;
      const RunInfo copy = *to->run(ids[i]);
      const RunInfo original = *from->run(old_id);
      QCOMPARE(copy.origin, canonical);
      QCOMPARE(copy.name, original.name);
      QCOMPARE(copy.experiment, original.experiment);
      QCOMPARE(copy.status, original.status);
      QCOMPARE(copy.message, original.message);
      QCOMPARE(copy.config_json, original.config_json);
      QCOMPARE(copy.started_at_ms, original.started_at_ms);
      QCOMPARE(copy.last_step, original.last_step);
      QCOMPARE(to->scalar_tags(ids[i]), from->scalar_tags(old_id));
      for (const std::string& tag : from->scalar_tags(old_id)) {
        for (const std::size_t max_points : {std::size_t{0}, std::size_t{300}}) {
          const auto x = from->scalar_series(old_id, tag, max_points);
          const auto y = to->scalar_series(ids[i], tag, max_points);
          QCOMPARE(y.size(), x.size());
          for (std::size_t k = 0; k < x.size(); ++k) QVERIFY(same_point(x[k], y[k]));
        }
      }
      QCOMPARE(to->metric_series(ids[i]).size(), from->metric_series(old_id).size());
      QCOMPARE(to->weight_stat_steps(ids[i]), from->weight_stat_steps(old_id));
      QCOMPARE(to->checkpoints(ids[i]).size(), from->checkpoints(old_id).size());
      QCOMPARE(to->predictions(ids[i]).size(), from->predictions(old_id).size());
      QCOMPARE(to->events(ids[i]).size(), from->events(old_id).size());
    }
    QCOMPARE(to->similarity(ids[0], 1000).at(0).values, from->similarity(a, 1000).at(0).values);
    QCOMPARE(to->predictions(ids[0]).at(0).input, from->predictions(a).at(0).input);
    QCOMPARE(to->run(local)->origin, std::string());
    QCOMPARE(from->runs().size(), std::size_t{2});  // the source is left alone
    QVERIFY(from->run(a)->origin.empty());

    // Into a store that does not exist yet.
    QCOMPARE(import_store(path("fresh/imported.db"), source).size(), std::size_t{2});

    QVERIFY(throws_with([&] { import_store(target, target); }, {"local.db", "imported into"}));
    QVERIFY(throws_with([&] { import_store(target, path("missing.db")); },
                        {"no store file", "missing.db"}));
  }

  void newer_schema_is_refused() {
    const fs::path file = path("future.db");
    fill_two_runs(file);
    {
      SqliteDatabase db(file, SqliteDatabase::Mode::ReadWriteCreate);
      db.exec("PRAGMA user_version = 99");
    }
    const std::vector<std::string> needles = {
        "future.db", "newer", "schema version 99",
        "knows versions up to " + std::to_string(store_schema_version())};
    std::string message;
    QVERIFY(throws_with([&] { RunStore::open(file); },
                        {needles[0], needles[1], needles[2], needles[3]}, &message));
    QVERIFY(throws_with([&] { RunStoreReader::open(file); }, {needles[0], needles[1], needles[2]}));
    const fs::path target = path("target-of-future.db");
    QVERIFY(throws_with([&] { import_store(target, file); },
                        {"import refused", needles[0], needles[1]}));
    QVERIFY(!fs::exists(target));  // refused before the target was made
    QCOMPARE(pragma(file, "user_version"), int64_t{99});
  }

  void migrations_are_an_ordered_list() {
    // A store of this build with data, upgraded by a made-up next version: the mechanism every
    // new version uses, one more entry in store_migrations().
    const fs::path file = path("upgrade.db");
    const auto [a, b] = fill_two_runs(file);
    std::vector<StoreMigration> migrations(store_migrations().begin(), store_migrations().end());
    const int64_t next = store_schema_version() + 1;
    migrations.push_back({next,
                          "ALTER TABLE runs ADD COLUMN notes TEXT NOT NULL DEFAULT '';"
                          "UPDATE runs SET notes = 'from v' || (SELECT 1);"});
    {
      SqliteDatabase db(file, SqliteDatabase::Mode::ReadWriteCreate);
      migrate_store(db, migrations);
      QCOMPARE(db.pragma_int("user_version"), next);
      SqliteStatement q(db, "SELECT notes, name FROM runs WHERE id = ?1");
      q.bind_int64(1, a);
      QVERIFY(q.step());
      QCOMPARE(q.column_text(0), std::string("from v1"));  // the SQL's literal, not the version
      QCOMPARE(q.column_text(1), std::string("a"));
      q.reset();
      migrate_store(db, migrations);  // already there: nothing to do
      QCOMPARE(db.pragma_int("user_version"), next);
    }
    // This build then refuses the upgraded file as newer.
    QVERIFY(throws_with([&] { RunStore::open(file); }, {"newer"}));

    // A failing step leaves the file as it was.
    const fs::path other = path("failed-upgrade.db");
    fill_two_runs(other);
    migrations.back().sql = "ALTER TABLE runs ADD COLUMN x INTEGER; THIS IS NOT SQL;";
    {
      SqliteDatabase db(other, SqliteDatabase::Mode::ReadWriteCreate);
      QVERIFY(throws_with(
          [&] { migrate_store(db, migrations); },
          {"failed-upgrade.db", "upgrading the store to schema version", "left as it was"}));
      QCOMPARE(db.pragma_int("user_version"), store_schema_version());
    }
    QCOMPARE(RunStoreReader::open(other)->runs().size(), std::size_t{2});

    // An empty SQLite file (version 0) becomes a store of this build's version.
    const fs::path empty = path("empty.db");
    { SqliteDatabase db(empty, SqliteDatabase::Mode::ReadWriteCreate); }
    QVERIFY(throws_with([&] { RunStoreReader::open(empty); }, {"empty.db", "no run was ever"}));
    { auto store = RunStore::open(empty); }
    QCOMPARE(pragma(empty, "user_version"), store_schema_version());
  }

  // Version 2 added the parameter counts; a version 1 file (yesterday's build) opens for reading
  // after an in-place upgrade that keeps its runs, and takes parameter counts from then on.
  void a_version_1_store_is_upgraded_when_opened() {
    const fs::path file = path("v1.db");
    {
      SqliteDatabase db(file, SqliteDatabase::Mode::ReadWriteCreate);
      migrate_store(db, store_migrations().first(1));
      db.exec(
          "INSERT INTO runs (name, status, config_json, device, versions_json, started_at_ms, "
          "host, pid, heartbeat_ms) VALUES ('old', 'finished', '{}', 'cpu', '{}', 1, 'h', 1, 1)");
    }
    QCOMPARE(pragma(file, "user_version"), int64_t{1});
    const auto reader = RunStoreReader::open(file);
    QCOMPARE(pragma(file, "user_version"), store_schema_version());
    const auto runs = reader->runs();
    QCOMPARE(runs.size(), std::size_t{1});
    QCOMPARE(runs[0].name, std::string("old"));
    QCOMPARE(runs[0].parameters_json, std::string());

    auto store = RunStore::open(file);
    store->set_parameters(runs[0].id, R"({"trainable":42})");
    QCOMPARE(reader->run(runs[0].id)->parameters_json, std::string(R"({"trainable":42})"));
  }

  // New stores are made from the declarations (StoreTables.h), older ones are brought up by the
  // migrations: both must end with the same tables, or a store's format would depend on its age.
  // SQLite keeps each CREATE statement's text, which ALTER TABLE re-spaces: spaces are ignored.
  void declared_schema_equals_the_migrated_one() {
    const auto schema = [](const fs::path& file) {
      SqliteDatabase db(file, SqliteDatabase::Mode::ReadOnly);
      SqliteStatement q(db, "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY name");
      QStringList out;
      while (q.step()) {
        std::string sql = q.column_text(3);
        std::erase_if(sql, [](unsigned char c) { return std::isspace(c) != 0; });
        out << QString::fromStdString(q.column_text(0) + " " + q.column_text(1) + " on " +
                                      q.column_text(2) + ": " + sql);
      }
      return out;
    };
    const fs::path declared = path("declared.db");
    {
      SqliteDatabase db(declared, SqliteDatabase::Mode::ReadWriteCreate);
      db.exec(schema_sql());
    }
    const fs::path migrated = path("migrated.db");
    {
      SqliteDatabase db(migrated, SqliteDatabase::Mode::ReadWriteCreate);
      for (std::size_t n = 1; n <= store_migrations().size(); ++n) {
        migrate_store(db, store_migrations().first(n));
      }
    }
    // The migrated store also holds the tables that are not declarations (runs, the curves).
    const QStringList got = schema(declared);
    QStringList want;
    for (const QString& entry : schema(migrated)) {
      const QString table = entry.section(" on ", 1).section(':', 0, 0);
      if (std::any_of(got.begin(), got.end(),
                      [&](const QString& g) { return g.contains(" on " + table + ":"); }))
        want << entry;
    }
    QVERIFY(want.size() >= 7);  // six declared tables and their indexes
    QCOMPARE(got, want);
  }

  void foreign_files_are_refused() {
    const fs::path text = path("notes.db");
    hwb::test::write_text(text, std::string(4096, 'x'));
    QVERIFY(throws_with([&] { RunStore::open(text); }, {"notes.db", "not a run store"}));
    QVERIFY(throws_with([&] { RunStoreReader::open(text); }, {"notes.db", "not a run store"}));
    QCOMPARE(read_text(text), std::string(4096, 'x'));

    const fs::path other = path("other-program.db");
    {
      SqliteDatabase db(other, SqliteDatabase::Mode::ReadWriteCreate);
      db.exec("CREATE TABLE bookmarks (url TEXT)");
    }
    QVERIFY(throws_with([&] { RunStore::open(other); }, {"other-program.db", "another program"}));
    QVERIFY(throws_with([&] { RunStoreReader::open(other); }, {"another program"}));
    QVERIFY(throws_with([&] { import_store(path("t.db"), other); }, {"another program"}));

    QVERIFY(throws_with([&] { RunStoreReader::open(path("absent.db")); },
                        {"absent.db", "no such file"}));
  }
};

QTEST_GUILESS_MAIN(TestRunStore)
#include "tst_run_store.moc"
