// The run store under stress: a reader polling while a writer commits thousands of batches, a
// writer killed with SIGKILL mid-run, a location that cannot be written, and a full disk.

#include <QtTest/QtTest>

#include <atomic>
#include <csignal>
#include <string>
#include <thread>

#include <sys/wait.h>
#include <unistd.h>

#include "core/store/RunExport.h"
#include "core/store/RunStore.h"
#include "core/store/RunStoreReader.h"
#include "core/store/SqliteDatabase.h"
#include "core/store/SqliteStatement.h"
#include "core/store/SqliteTransaction.h"
#include "core/util/Error.h"
#include "tests/StoreTestUtil.h"
#include "tests/TestUtil.h"

using namespace hwb;
using namespace hwb::store_test;
using hwb::test::throws_with;
namespace fs = std::filesystem;

namespace {

double value_at(int64_t step) {
  return std::cos(static_cast<double>(step) * 0.01) * 10.0;
}

int64_t count_rows(SqliteDatabase& db, const std::string& sql, int64_t run) {
  SqliteStatement q(db, sql);
  q.bind_int64(1, run);
  q.step();
  return q.column_int64(0);
}

std::string stored_status(const fs::path& file, int64_t run) {
  SqliteDatabase db(file, SqliteDatabase::Mode::ReadOnly);
  SqliteStatement q(db, "SELECT status FROM runs WHERE id = ?1");
  q.bind_int64(1, run);
  return q.step() ? q.column_text(0) : std::string();
}

bool read_all(int fd, void* data, std::size_t size) {
  auto* p = static_cast<char*>(data);
  while (size > 0) {
    const ssize_t n = ::read(fd, p, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    p += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

void write_all(int fd, const void* data, std::size_t size) {
  const auto* p = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t n = ::write(fd, p, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) _exit(3);
    p += n;
    size -= static_cast<std::size_t>(n);
  }
}

// Kills and reaps the child if a check fails before the test does it.
struct ChildGuard {
  pid_t pid;
  ~ChildGuard() {
    if (pid > 0) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
    }
  }
};

}  // namespace

class TestStoreReliability : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir dir_;
  fs::path path(const std::string& name) const {
    return fs::path(dir_.path().toStdString()) / name;
  }

 private Q_SLOTS:
  void reader_polls_while_writer_writes() {
    constexpr int kBatches = 3000;
    constexpr int kStepsPerBatch = 10;
    const fs::path file = path("poll.db");
    auto store = RunStore::open(file, manual_flush());
    const int64_t run = store->create_run("poll", "", "{}", "cpu", "{}");

    std::atomic<bool> done{false};
    std::string writer_error;
    std::thread writer([&] {
      try {
        for (int b = 0; b < kBatches; ++b) {
          for (int i = 0; i < kStepsPerBatch; ++i) {
            const int64_t step = int64_t{b} * kStepsPerBatch + i;
            store->add_scalars(run, step, 0.01 * static_cast<double>(step),
                               {{"loss", value_at(step)}, {"lr", 1e-3}});
          }
          store->add_metrics(run, {{b, "rte", "validation", "accuracy", 0.5}});
          store->log(run, "info", "batch " + std::to_string(b));
          store->flush();
        }
      } catch (const std::exception& e) {
        writer_error = e.what();
      }
      done = true;
    });

    auto reader = RunStoreReader::open(file);
    // A second read-only connection, for one snapshot across tables per poll.
    SqliteDatabase raw(file, SqliteDatabase::Mode::ReadOnly);
    raw.set_busy_timeout(std::chrono::milliseconds(5000));
    std::vector<std::string> failures;
    std::size_t last_loss = 0, last_metrics = 0;
    int polls = 0;
    while (!done) {
      try {
        const auto loss = reader->scalar_series(run, "loss");
        if (loss.size() % kStepsPerBatch != 0) {
          failures.push_back("partial batch: " + std::to_string(loss.size()) + " points");
        }
        if (loss.size() < last_loss) failures.push_back("the loss curve shrank");
        if (!loss.empty() && (loss.back().step != static_cast<int64_t>(loss.size()) - 1 ||
                              loss.back().value != value_at(loss.back().step))) {
          failures.push_back("a gap or a wrong value at step " + std::to_string(loss.back().step));
        }
        last_loss = loss.size();
        const auto lr = reader->scalar_series(run, "lr", 100);
        if (lr.size() > 100) failures.push_back("down-sampled curve over budget");
        const auto metrics = reader->metric_series(run);
        if (metrics.size() < last_metrics) failures.push_back("metrics shrank");
        last_metrics = metrics.size();
        reader->runs();
        reader->data_version();
        {
          SqliteTransaction snapshot(raw, SqliteTransaction::Kind::Read);
          const int64_t points =
              count_rows(raw,
                         "SELECT count(*) FROM scalars WHERE series_id IN (SELECT id FROM series "
                         "WHERE run_id = ?1)",
                         run);
          const int64_t metric_rows =
              count_rows(raw, "SELECT count(*) FROM metrics WHERE run_id = ?1", run);
          const int64_t event_rows =
              count_rows(raw, "SELECT count(*) FROM events WHERE run_id = ?1", run);
          snapshot.commit();
          if (points != metric_rows * 2 * kStepsPerBatch || event_rows != metric_rows) {
            failures.push_back("torn batch: " + std::to_string(points) + " points, " +
                               std::to_string(metric_rows) + " metrics, " +
                               std::to_string(event_rows) + " events");
          }
        }
        ++polls;
      } catch (const std::exception& e) {
        failures.push_back(e.what());
      }
    }
    writer.join();
    QVERIFY2(writer_error.empty(), writer_error.c_str());
    QVERIFY2(failures.empty(), failures.empty() ? "" : failures.front().c_str());
    qInfo("%d polls while %d batches were written", polls, kBatches);
    QVERIFY(polls >= 10);
    QCOMPARE(reader->scalar_series(run, "loss").size(),
             static_cast<std::size_t>(kBatches * kStepsPerBatch));
    QCOMPARE(reader->metric_series(run).size(), static_cast<std::size_t>(kBatches));
  }

  void killed_writer_leaves_committed_rows() {
    constexpr int64_t kRowsPerBatch = 100;
    constexpr int64_t kBatchesBeforeKill = 40;
    const fs::path file = path("killed.db");
    int fds[2];
    QCOMPARE(::pipe(fds), 0);
    const pid_t child = ::fork();
    QVERIFY(child >= 0);
    if (child == 0) {
      // The child only writes: no Qt, and _exit so no parent state is torn down twice.
      ::close(fds[0]);
      try {
        auto store = RunStore::open(file, manual_flush());
        const int64_t run = store->create_run("killed", "", "{}", "cpu", "{}");
        write_all(fds[1], &run, sizeof(run));
        for (int64_t b = 0;; ++b) {
          for (int64_t i = 0; i < kRowsPerBatch; ++i) {
            const int64_t step = b * kRowsPerBatch + i;
            store->add_scalars(run, step, static_cast<double>(step), {{"loss", value_at(step)}});
          }
          store->add_metrics(run, {{b * kRowsPerBatch, "rte", "validation", "accuracy", 0.5}});
          store->flush();
          write_all(fds[1], &b, sizeof(b));  // batch b is committed
        }
      } catch (...) {
      }
      _exit(2);
    }
    ::close(fds[1]);
    ChildGuard guard{child};
    int64_t run = 0;
    QVERIFY(read_all(fds[0], &run, sizeof(run)));
    int64_t committed = -1;
    while (committed + 1 < kBatchesBeforeKill)
      QVERIFY(read_all(fds[0], &committed, sizeof(committed)));
    QCOMPARE(::kill(child, SIGKILL), 0);
    int status = 0;
    QCOMPARE(::waitpid(child, &status, 0), child);
    guard.pid = 0;
    QVERIFY(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    for (int64_t b = 0; read_all(fds[0], &b, sizeof(b));) committed = b;
    ::close(fds[0]);

    // Nothing has rewritten the run yet, but a reader already shows it interrupted.
    QCOMPARE(stored_status(file, run), std::string("running"));
    {
      auto reader = RunStoreReader::open(file);
      const RunInfo info = *reader->run(run);
      QCOMPARE(info.status, std::string("interrupted"));
      QVERIFY(info.message.find("pid " + std::to_string(child)) != std::string::npos);
      const auto loss = reader->scalar_series(run, "loss");
      QVERIFY2(static_cast<int64_t>(loss.size()) % kRowsPerBatch == 0,
               qPrintable(QString("%1 points: a partial batch").arg(loss.size())));
      QVERIFY(static_cast<int64_t>(loss.size()) >= (committed + 1) * kRowsPerBatch);
      for (std::size_t i = 0; i < loss.size(); ++i) {
        QCOMPARE(loss[i].step, static_cast<int64_t>(i));
        QCOMPARE(loss[i].value, value_at(loss[i].step));
      }
      QCOMPARE(static_cast<int64_t>(reader->metric_series(run).size()),
               static_cast<int64_t>(loss.size()) / kRowsPerBatch);
      // The min/max summaries are as consistent as the points.
      check_downsample(loss, reader->scalar_series(run, "loss", 64), 64, {});
      if (QTest::currentTestFailed()) return;
      qInfo("killed after %lld committed batches; %zu points kept",
            static_cast<long long>(committed + 1), loss.size());
    }

    // The next writer marks it so in the file, and can resume it.
    auto store = RunStore::open(file);
    QCOMPARE(stored_status(file, run), std::string("interrupted"));
    auto reader = RunStoreReader::open(file);
    const auto events = reader->events(run);
    QVERIFY(!events.empty() && events.back().message.starts_with("interrupted: "));
    const int64_t kept = static_cast<int64_t>(reader->scalar_series(run, "loss").size());
    store->set_status(run, "running");
    store->truncate_after(run, kept - 51);  // the checkpoint it resumes from
    for (int64_t step = kept - 50; step < kept + 100; ++step) {
      store->add_scalars(run, step, static_cast<double>(step), {{"loss", value_at(step)}});
    }
    store->set_status(run, "finished");
    const auto loss = reader->scalar_series(run, "loss");
    QCOMPARE(static_cast<int64_t>(loss.size()), kept + 100);
    QCOMPARE(reader->run(run)->status, std::string("finished"));
  }

  void unwritable_location_gives_a_clear_error() {
    // Root ignores permission bits, and CI runs these tests as root, so chmod cannot make a
    // folder read-only here. sysfs refuses new files to everyone, root included (EACCES, or
    // EROFS where /sys is mounted read-only), so it stands in for a read-only folder.
    const fs::path in_sys = "/sys/hwb-run-store-test.db";
    std::string message;
    QVERIFY(throws_with([&] { RunStore::open(in_sys); },
                        {in_sys.string(), "read-only", "choose a writable folder"}, &message));
    qInfo("%s", message.c_str());
    QVERIFY(!fs::exists(in_sys));
    QVERIFY(throws_with([&] { RunStore::open("/sys/hwb-run-store-test/runs.db"); },
                        {"/sys/hwb-run-store-test/runs.db", "cannot create its folder",
                         "choose a writable folder"}));
    QVERIFY(throws_with([&] { import_nothing_into(in_sys); }, {"choose a writable folder"}));

    if (::geteuid() == 0) {
      qInfo("running as root: the chmod cases below are skipped, /sys covered the read-only case");
      return;
    }
    const fs::path folder = path("read-only");
    fs::create_directories(folder);
    const fs::path existing = folder / "runs.db";
    {
      auto store = RunStore::open(existing);
      store->set_status(store->create_run("r", "", "{}", "cpu", "{}"), "finished");
    }
    fs::permissions(existing, fs::perms::owner_read);
    fs::permissions(folder, fs::perms::owner_read | fs::perms::owner_exec);
    QVERIFY(throws_with([&] { RunStore::open(existing); },
                        {existing.string(), "choose a writable folder"}));
    QVERIFY(throws_with([&] { RunStore::open(folder / "new.db"); },
                        {"new.db", "choose a writable folder"}));
    fs::permissions(folder, fs::perms::owner_all);
    fs::permissions(existing, fs::perms::owner_read | fs::perms::owner_write);
  }

  void full_disk_gives_a_clear_error() {
    const fs::path file = path("full.db");
    constexpr int64_t kBatch = 500;
    int64_t run = 0;
    {
      auto store = RunStore::open(file, manual_flush());
      run = store->create_run("full", "", "{}", "cpu", "{}");
      for (int64_t step = 0; step < 1000; ++step) {
        store->add_scalars(run, step, 0.0, {{"loss", value_at(step)}});
      }
      store->flush();
    }
    int64_t pages = 0;
    {
      SqliteDatabase db(file, SqliteDatabase::Mode::ReadOnly);
      pages = db.pragma_int("page_count");
    }
    // The disk "fills" a few pages later: max_page_count makes SQLite answer SQLITE_FULL, the
    // same code a real ENOSPC gives.
    RunStoreOptions options = manual_flush();
    options.max_page_count = pages + 6;
    auto store = RunStore::open(file, options);
    store->set_status(run, "running");
    int64_t committed = 1000;
    std::string message;
    for (int attempt = 0; attempt < 100 && message.empty(); ++attempt) {
      for (int64_t i = 0; i < kBatch; ++i) {
        store->add_scalars(run, committed + i, 0.0, {{"loss", value_at(committed + i)}});
      }
      try {
        store->flush();
        committed += kBatch;
      } catch (const Error& e) {
        message = e.what();
      }
    }
    QVERIFY2(!message.empty(), "the capped store never filled up");
    qInfo("%s", message.c_str());
    QVERIFY(message.find(file.string()) != std::string::npos);
    QVERIFY(message.find("the disk is full") != std::string::npos);
    QVERIFY(message.find("everything committed so far is kept") != std::string::npos);

    auto reader = RunStoreReader::open(file);
    const auto loss = reader->scalar_series(run, "loss");
    QCOMPARE(static_cast<int64_t>(loss.size()), committed);  // every committed row, no more
    for (std::size_t i = 0; i < loss.size(); ++i) QCOMPARE(loss[i].value, value_at(loss[i].step));

    // A clean stop: the final status still goes in, and says what could not be written.
    store->set_status(run, "failed", "disk full");
    const RunInfo info = *reader->run(run);
    QCOMPARE(info.status, std::string("failed"));
    QVERIFY(info.message.starts_with("disk full; the last 500 rows could not be written"));
    store.reset();

    // The file is sound and takes rows again once there is space.
    {
      SqliteDatabase db(file, SqliteDatabase::Mode::ReadOnly);
      QCOMPARE(db.pragma_text("integrity_check"), std::string("ok"));
    }
    auto again = RunStore::open(file);
    again->set_status(run, "running");
    again->add_scalars(run, committed, 0.0, {{"loss", 1.0}});
    again->set_status(run, "finished");
    QCOMPARE(static_cast<int64_t>(reader->scalar_series(run, "loss").size()), committed + 1);
  }

 private:
  static void import_nothing_into(const fs::path& target) {
    const fs::path source =
        fs::temp_directory_path() / ("hwb-import-source-" + std::to_string(::getpid()) + ".db");
    {
      auto store = RunStore::open(source);
      store->set_status(store->create_run("r", "", "{}", "cpu", "{}"), "finished");
    }
    struct Remove {
      fs::path p;
      ~Remove() {
        std::error_code ec;
        for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(p.string() + suffix, ec);
      }
    } remove{source};
    import_store(target, source);
  }
};

QTEST_GUILESS_MAIN(TestStoreReliability)
#include "tst_store_reliability.moc"
