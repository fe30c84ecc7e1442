// Runs as the command line and the workbench start them: everything a run produces lands in the run
// store, and a stopped or killed run resumes into one continuous curve.
#include <nlohmann/json.hpp>

#include <sys/wait.h>
#include <unistd.h>
#include <csignal>
#include <set>
#include <thread>

#include "core/store/RunStoreReader.h"
#include "core/train/RunLauncher.h"
#include "tests/DemoTestConfig.h"
#include "tests/RunTestUtil.h"
#include "tests/TestUtil.h"

using namespace hwb;
namespace fs = std::filesystem;

namespace {

ExperimentConfig small_config(const fs::path& store) {
  ExperimentConfig c = hwb::test::short_demo_config();
  c.name = "small";
  c.store = store.string();
  c.checkpoint_dir = "ckpt";  // relative: next to the store
  return c;
}

using hwb::test::curve;
using hwb::test::wait_until;

}  // namespace

class TestRunLauncher : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir dir_;
  fs::path path(const std::string& name) const {
    return fs::path(dir_.path().toStdString()) / name;
  }

  std::map<int64_t, double> uninterrupted_losses() {
    LaunchedRun whole = launch_run(small_config(path("whole.db")), {});
    whole.session->wait();
    return curve(*RunStoreReader::open(whole.store), whole.run, "loss");
  }

 private Q_SLOTS:
  // First, while this process has not started LibTorch's thread pools: a forked child trains and
  // is killed with SIGKILL after its first checkpoint.
  void a_killed_run_resumes_into_one_curve() {
    const fs::path store = path("killed.db");
    const pid_t child = fork();
    QVERIFY(child >= 0);
    if (child == 0) {
      ExperimentConfig c = small_config(store);
      c.steps = 400;  // never reached: the parent kills it
      c.warmup_steps = 2;
      LaunchedRun run = launch_run(c, {});
      run.session->wait();
      _exit(0);
    }
    // Past the checkpoint of step 6 (written after the evaluation), then a few steps more.
    wait_until([&] {
      if (!fs::exists(store)) return false;
      try {
        const auto r = RunStoreReader::open(store)->run(1);
        return r && r->last_step >= 9;
      } catch (const std::exception&) {
        return false;
      }
    });
    ::kill(child, SIGKILL);
    int status = 0;
    ::waitpid(child, &status, 0);
    QVERIFY(WIFSIGNALED(status));

    const auto reader = RunStoreReader::open(store);
    QCOMPARE(reader->run(1)->status, std::string("interrupted"));
    const auto before = curve(*reader, 1, "loss");
    QVERIFY(before.size() >= 9);

    // The resumed run keeps the child's config (400 steps); stop it once it is past step 14.
    LaunchedRun resumed = resume_run(store, 1, {});
    wait_until([&] { return reader->run(1)->last_step >= 14; });
    resumed.session->stop();
    resumed.session->wait();
    QCOMPARE(resumed.session->state(), TrainingSession::State::kStopped);
    QCOMPARE(reader->run(1)->status, std::string("stopped"));

    const auto after = curve(*reader, 1, "loss");
    int64_t expected = 1;
    for (const auto& [step, loss] : after) {
      QCOMPARE(step, expected++);  // every step once: no gap, no duplicate at the seam
      QVERIFY(std::isfinite(loss));
    }
    QVERIFY(expected > 14);
    // Steps up to the checkpoint are the ones the killed child wrote.
    for (int64_t step = 1; step <= 6; ++step) QCOMPARE(after.at(step), before.at(step));
  }

  void everything_a_run_produces_is_in_the_store() {
    const ExperimentConfig c = small_config(path("full.db"));
    LaunchedRun launched = launch_run(c, {});
    QCOMPARE(launched.run, int64_t{1});
    launched.session->wait();
    QCOMPARE(launched.session->state(), TrainingSession::State::kFinished);

    const auto reader = RunStoreReader::open(launched.store);
    const RunInfo info = *reader->run(launched.run);
    QCOMPARE(info.status, std::string("finished"));
    QCOMPARE(info.last_step, int64_t{12});
    QCOMPARE(nlohmann::json::parse(info.config_json), c.to_json());
    QCOMPARE(info.device, std::string("cpu"));
    QVERIFY(nlohmann::json::parse(info.versions_json).contains("libtorch"));
    const auto parameters = nlohmann::json::parse(info.parameters_json);
    QCOMPARE(parameters["variant"].get<std::string>(), std::string("hyperformer_pp"));
    QCOMPARE(parameters["num_tasks"].get<int64_t>(), int64_t{2});
    QVERIFY(parameters["trainable"].get<int64_t>() > 0);

    const auto tags = reader->scalar_tags(launched.run);
    for (const char* tag : {"loss", "learning_rate", "examples_per_second"}) {
      QVERIFY2(std::find(tags.begin(), tags.end(), tag) != tags.end(), tag);
    }
    QCOMPARE(curve(*reader, launched.run, "loss").size(), std::size_t{12});

    std::set<std::tuple<int64_t, std::string, std::string>> metrics;
    for (const MetricPoint& m : reader->metric_series(launched.run))
      metrics.insert({m.step, m.task, m.metric});
    for (int64_t step : {6, 12}) {
      QVERIFY(metrics.count({step, "sst2", "accuracy"}));
      QVERIFY(metrics.count({step, "rte", "accuracy"}));
      QVERIFY(metrics.count({step, "", "average"}));
    }
    QCOMPARE(reader->weight_stat_steps(launched.run), (std::vector<int64_t>{6, 12}));
    QVERIFY(!reader->weight_stats(launched.run, 12).empty());
    QVERIFY(!reader->similarity(launched.run, 12).empty());
    QVERIFY(!reader->predictions(launched.run, "sst2").empty());

    bool best = false, last = false;
    for (const CheckpointInfo& ck : reader->checkpoints(launched.run)) {
      QVERIFY2(fs::exists(ck.path), ck.path.c_str());
      // Relative checkpoint folders sit next to the store, in a folder per run.
      QVERIFY2(fs::path(ck.path).parent_path() == path("ckpt") / "small-1", ck.path.c_str());
      best = best || ck.best;
      last = last || fs::path(ck.path).filename() == "last.safetensors";
    }
    QVERIFY(best && last);
  }

  void a_stopped_run_resumes_with_the_same_curve() {
    const auto whole = uninterrupted_losses();
    QCOMPARE(whole.size(), std::size_t{12});

    const fs::path store = path("stopped.db");
    LaunchedRun first = launch_run(small_config(store), {});
    const auto reader = RunStoreReader::open(store);
    wait_until([&] { return reader->run(first.run)->last_step >= 3; });
    first.session->stop();
    first.session->wait();
    QCOMPARE(reader->run(first.run)->status, std::string("stopped"));

    LaunchedRun second = resume_run(store, first.run, {});
    QCOMPARE(second.run, first.run);
    second.session->wait();
    QCOMPARE(reader->run(first.run)->status, std::string("finished"));
    const auto losses = curve(*reader, first.run, "loss");
    QCOMPARE(losses.size(), std::size_t{12});
    for (const auto& [step, loss] : losses) {
      QVERIFY2(std::abs(loss - whole.at(step)) < 1e-5,
               qPrintable(QString("step %1: %2 vs %3").arg(step).arg(loss).arg(whole.at(step))));
    }
  }

  // Files and devices are checked with the config, all at once, before a run is recorded.
  void what_the_machine_lacks_is_refused_before_a_run_exists() {
    ExperimentConfig c = small_config(path("refused.db"));
    c.device = "cuda:7";
    c.backbone = "/nonexistent/t5-small";
    c.glue_dir = "/nonexistent/glue";
    const auto problems = launch_problems(c);
    QCOMPARE(problems.size(), std::size_t{3});
    QVERIFY(hwb::test::throws_with(
        [&] { launch_run(c, {}); },
        {"cannot start", "training.device", "backbone: '/nonexistent/t5-small'", "is not a folder",
         "/nonexistent/glue"}));
    QVERIFY(!fs::exists(path("refused.db")));
    QVERIFY(launch_problems(small_config(path("fine.db"))).empty());
  }

  void resume_refuses_what_it_cannot_continue() {
    const fs::path store = path("full.db");  // its run 1 finished above
    QVERIFY(hwb::test::throws_with([&] { resume_run(store, 1, {}); }, {"has finished"}));
    QVERIFY(hwb::test::throws_with([&] { resume_run(store, 42, {}); }, {"Run 42", "full.db"}));
    QVERIFY(hwb::test::throws_with([&] { resume_run(path("none.db"), 1, {}); }, {"none.db"}));
  }
};

QTEST_GUILESS_MAIN(TestRunLauncher)
#include "tst_run_launcher.moc"
