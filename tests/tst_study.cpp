// Studies (docs/STUDIES.md): a study file expanded into its grid, refused with every problem's
// path, queued in one store and resumed when started again; test-split scores stored at the end
// of a run; the results table's grouping arithmetic and its exports.
#include <QProcess>

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdlib>
#include <mutex>
#include <set>
#include <thread>

#include "core/store/RunStoreReader.h"
#include "core/study/ResultsTable.h"
#include "core/study/StudyQueue.h"
#include "core/study/StudyWorker.h"
#include "core/train/RunLauncher.h"
#include "tests/DemoTestConfig.h"
#include "tests/RecordingObserver.h"
#include "tests/RunTestUtil.h"
#include "tests/TestUtil.h"

using namespace hwb;
namespace fs = std::filesystem;

namespace {

nlohmann::json study_json(const ExperimentConfig& base, nlohmann::json axes) {
  return {{"study", "grid"}, {"base", base.to_json()}, {"axes", std::move(axes)}};
}

// A run's scores as read_run_scores gives them, made by hand for the table's arithmetic.
RunScores scored(int64_t id, const ExperimentConfig& config, std::map<std::string, double> scores) {
  RunScores r;
  r.info.id = id;
  r.info.name = "run " + std::to_string(id);
  r.config = config;
  r.task_scores = std::move(scores);
  for (const auto& [task, score] : r.task_scores) r.task_metrics[task] = "accuracy";
  return r;
}

ExperimentConfig with_seed(ExperimentConfig c, uint64_t seed) {
  c.seed = seed;
  return c;
}

// Two rows by hand: Hyperformer++ trained on both tasks with seeds 1-3, and single-task Adapters
// (one run per task) with seeds 1-2, plus a run that has no scores.
std::vector<RunScores> hand_made_runs() {
  ExperimentConfig multi = hwb::test::short_demo_config();
  ExperimentConfig single = multi;
  single.peft.variant = PeftVariant::kAdapters;
  single.single_task = true;
  ExperimentConfig sst2 = single, rte = single;
  sst2.tasks = {multi.tasks[0]};
  rte.tasks = {multi.tasks[1]};
  std::vector<RunScores> runs = {
      scored(1, with_seed(multi, 1), {{"sst2", 90}, {"rte", 60}}),
      scored(2, with_seed(multi, 2), {{"sst2", 92}, {"rte", 66}}),
      scored(3, with_seed(multi, 3), {{"sst2", 94}, {"rte", 63}}),
      scored(4, with_seed(sst2, 1), {{"sst2", 91}}),
      scored(5, with_seed(rte, 1), {{"rte", 70}}),
      scored(6, with_seed(sst2, 2), {{"sst2", 93}}),
      scored(7, with_seed(rte, 2), {{"rte", 68}}),
      scored(8, with_seed(multi, 4), {}),
  };
  for (int i = 0; i < 3; ++i) {
    runs[i].backbone = 1000, runs[i].added = 90, runs[i].trainable = 100;
    runs[i].trainable_backbone = 10, runs[i].num_tasks = 2;
  }
  for (int i = 3; i < 7; ++i) {
    runs[i].backbone = 1000, runs[i].added = 20, runs[i].trainable = 30;
    runs[i].trainable_backbone = 10, runs[i].num_tasks = 1;
  }
  return runs;
}

// Compares with tests/fixtures/results/<name>; HWB_UPDATE_GOLDEN=1 rewrites the file instead.
void compare_with_golden(const std::string& text, const std::string& name) {
  const fs::path file = hwb::test::data_dir() / "results" / name;
  if (std::getenv("HWB_UPDATE_GOLDEN")) {
    fs::create_directories(file.parent_path());
    hwb::test::write_text(file, text);
  }
  std::ifstream in(file, std::ios::binary);
  QVERIFY2(in.good(), qPrintable(QString::fromStdString(file.string() + " is missing")));
  const std::string golden((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  QCOMPARE(QString::fromStdString(text), QString::fromStdString(golden));
}

}  // namespace

class TestStudy : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir dir_;
  fs::path path(const std::string& name) const {
    return fs::path(dir_.path().toStdString()) / name;
  }

 private Q_SLOTS:
  void the_grid_is_expanded_in_order() {
    const StudySpec spec = StudySpec::from_json(
        study_json(
            hwb::test::short_demo_config(),
            {{{"path", "variant.variant"}, {"values", {"hyperformer_pp", "adapters_shared_norms"}}},
             {{"path", "training.seed"}, {"values", {1, 2, 3}}}}),
        "study");
    QCOMPARE(spec.run_count(), std::size_t{6});
    const std::vector<StudyCell> cells = spec.expand();
    QCOMPARE(cells.size(), std::size_t{6});
    // The first axis outermost.
    QCOMPARE(cells[0].config.peft.variant, PeftVariant::kHyperformerPP);
    QCOMPARE(cells[0].config.seed, uint64_t{1});
    QCOMPARE(cells[2].config.seed, uint64_t{3});
    QCOMPARE(cells[3].config.peft.variant, PeftVariant::kAdaptersSharedNorms);
    QCOMPARE(cells[3].config.seed, uint64_t{1});
    QCOMPARE(cells[4].index, int64_t{4});
    QCOMPARE(cells[4].name, std::string("grid variant=adapters_shared_norms seed=2"));
    QCOMPARE(cells[4].config.name, cells[4].name);
    QCOMPARE(cells[4].coordinates.size(), std::size_t{2});
    QCOMPARE(cells[4].coordinates[1].first, std::string("training.seed"));
    QCOMPARE(cells[4].coordinates[1].second, std::string("2"));
    // Everything else is the base's.
    for (const StudyCell& c : cells) QCOMPARE(c.config.steps, int64_t{12});
  }

  void a_single_task_config_is_one_run_per_task() {
    ExperimentConfig base = hwb::test::short_demo_config();
    base.peft.variant = PeftVariant::kAdapters;
    base.single_task = true;
    // One run holds one task: started alone, the two-task config is refused with the fix.
    QVERIFY(hwb::test::throws_with([&] { launch_run(base, {}); },
                                   {"data.single_task", "hyperformer study"}));
    const StudySpec spec = StudySpec::from_json(
        study_json(base, {{{"path", "training.seed"}, {"values", {7, 8}}}}), "study");
    QCOMPARE(spec.run_count(), std::size_t{4});
    const std::vector<StudyCell> cells = spec.expand();
    QCOMPARE(cells.size(), std::size_t{4});
    const std::vector<std::pair<uint64_t, std::string>> expected = {
        {7, "sst2"}, {7, "rte"}, {8, "sst2"}, {8, "rte"}};
    for (std::size_t i = 0; i < cells.size(); ++i) {
      QCOMPARE(cells[i].config.seed, expected[i].first);
      QCOMPARE(cells[i].config.task_names(), std::vector<std::string>{expected[i].second});
      QCOMPARE(cells[i].coordinates.back().second, expected[i].second);
      QVERIFY(launch_problems(cells[i].config).empty());
    }
    // A plain experiment file is a study of its one config.
    const StudySpec plain = StudySpec::from_json(base.to_json(), "experiment");
    QCOMPARE(plain.expand().size(), std::size_t{2});
  }

  void bad_studies_are_refused_with_every_path() {
    const nlohmann::json bad = {{"study", "bad"},
                                {"base", hwb::test::short_demo_config().to_json()},
                                {"axes",
                                 {{{"path", "training.lr"}, {"values", {1}}},
                                  {{"path", "training.steps"}, {"values", nlohmann::json::array()}},
                                  {{"path", "training.batch_size"}, {"values", {0, "x", 4, 4}}},
                                  {{"path", "training.batch_size"}, {"values", {8}}},
                                  {{"path", "training.seed"}, {"values", 3}, {"colour", "red"}}}}};
    QVERIFY(hwb::test::throws_with(
        [&] { StudySpec::from_json(bad, "bad.json"); },
        {"bad.json is not a valid study", "axes[0].path: 'training.lr' is not a field",
         "axes[1].values: empty", "axes[2].values[0] = 0: training.batch_size: must be positive",
         "axes[2].values[1] = \"x\": training.batch_size: expected a whole number",
         "axes[2].values[3]: 4 is listed twice", "axes[3].path: training.batch_size is already",
         "axes[4].values: expected a list, got 3", "axes[4].colour: unknown key"}));
    nlohmann::json bad_base = {{"study", "b"},
                               {"base", {{"training", {{"steps", -1}}}}},
                               {"axes", nlohmann::json::array()}};
    QVERIFY(hwb::test::throws_with([&] { StudySpec::from_json(bad_base, "b.json"); },
                                   {"base.training.steps: must be positive"}));
    nlohmann::json nameless = {{"base", hwb::test::short_demo_config().to_json()}};
    QVERIFY(hwb::test::throws_with([&] { StudySpec::from_json(nameless, "n.json"); },
                                   {"study: give the study a name"}));
    // Values fine alone that together are not an experiment: named by their combination.
    ExperimentConfig base = hwb::test::short_demo_config();
    base.warmup_steps = 0;
    const StudySpec clash = StudySpec::from_json(
        study_json(base, {{{"path", "training.steps"}, {"values", {1, 12}}},
                          {{"path", "training.warmup_steps"}, {"values", {0, 5}}}}),
        "clash.json");
    QVERIFY(hwb::test::throws_with(
        [&] { clash.expand(); },
        {"training.steps = 1, training.warmup_steps = 5: training.warmup_steps: must be fewer"}));
    QVERIFY(hwb::test::throws_with([&] { StudySpec::load(path("absent.json")); },
                                   {"Cannot read study file", "absent.json"}));
  }

  // Three runs: one finishes, one is stopped, one never starts. Started again, the study keeps
  // the finished run, queues the stopped one again to resume from its checkpoint and starts the
  // third, in the same rows.
  void a_half_finished_study_resumes() {
    ExperimentConfig base = hwb::test::short_demo_config({.steps = 40, .eval_every = 20});
    base.checkpoint_dir = "ckpt";
    const fs::path store = path("study.db");
    const StudySpec spec = StudySpec::from_json(
        study_json(base, {{{"path", "training.seed"}, {"values", {1, 2, 3}}}}), "study");
    StudyState first = queue_study(spec, store);
    QCOMPARE(first.entries.size(), std::size_t{3});
    for (const StudyEntry& e : first.entries) QCOMPARE(e.run.status, std::string("queued"));

    LaunchedRun done = start_queued_run(store, first.entries[0].run.id, {});
    done.session->wait();
    auto progress = std::make_shared<hwb::test::Recorder>();
    LaunchedRun stopped = start_queued_run(store, first.entries[1].run.id, {progress});
    QTRY_VERIFY_WITH_TIMEOUT(progress->step() >= 3, hwb::test::kPatienceMs);
    stopped.session->stop();
    stopped.session->wait();
    const int64_t stopped_at = RunStoreReader::open(store)->run(first.entries[1].run.id)->last_step;
    QVERIFY(stopped_at >= 3 && stopped_at < 40);
    QVERIFY(hwb::test::throws_with([&] { start_queued_run(store, first.entries[0].run.id, {}); },
                                   {"is finished, not queued"}));

    StudyState again = queue_study(spec, store);
    QCOMPARE(again.study, first.study);
    QCOMPARE(again.entries.size(), std::size_t{3});
    const std::vector<StudyAction> actions = {StudyAction::kDone, StudyAction::kStart,
                                              StudyAction::kStart};
    for (std::size_t i = 0; i < 3; ++i) {
      QCOMPARE(again.entries[i].run.id, first.entries[i].run.id);
      QCOMPARE(study_action(again.entries[i].run), actions[i]);
    }
    // The requeued run resumes: its first recorded step stays, nothing is recorded twice.
    auto recorder = std::make_shared<hwb::test::Recorder>();
    start_queued_run(store, again.entries[1].run.id, {recorder}).session->wait();
    QCOMPARE(recorder->resumed_from, stopped_at);
    start_queued_run(store, again.entries[2].run.id, {}).session->wait();

    const auto reader = RunStoreReader::open(store);
    QCOMPARE(reader->runs().size(), std::size_t{3});
    const StudyState read = read_study(store, "grid");
    for (const StudyEntry& e : read.entries) {
      QCOMPARE(e.run.status, std::string("finished"));
      QCOMPARE(e.run.study_id, first.study);
      // Each run's best checkpoint was scored on the test split, at the best evaluation's step.
      const RunScores test = read_run_scores(*reader, e.run, "test");
      const RunScores validation = read_run_scores(*reader, e.run, "validation");
      QCOMPARE(test.task_scores.size(), std::size_t{2});
      QCOMPARE(test.step, validation.step);
      std::size_t test_predictions = 0;
      for (const Prediction& p : reader->predictions(e.run.id))
        test_predictions += p.split == "test";
      QVERIFY(test_predictions > 0);
    }
    // Another study under the same name is refused: its runs would not be this one's cells.
    ExperimentConfig other = base;
    other.learning_rate = 1e-2;
    const StudySpec changed = StudySpec::from_json(
        study_json(other, {{{"path", "training.seed"}, {"values", {1, 2, 3}}}}), "study");
    QVERIFY(hwb::test::throws_with([&] { queue_study(changed, store); },
                                   {"a study named 'grid'", "another name"}));
    // The device and the store may change between starts.
    StudySpec moved = spec;
    moved.base.device = "cuda";
    QCOMPARE(queue_study(moved, store).study, first.study);
  }

  // Two workers share one study: each run is claimed by exactly one. Threads here, racing for
  // the same queue; the command line's workers are processes (next test).
  void two_workers_claim_each_run_once() {
    ExperimentConfig base = hwb::test::short_demo_config({.steps = 4, .eval_every = 2});
    base.checkpoint_dir = "ckpt";
    const fs::path store = path("claims.db");
    const StudySpec spec = StudySpec::from_json(
        study_json(base, {{{"path", "training.seed"}, {"values", {1, 2, 3, 4, 5, 6}}}}), "study");
    const StudyState state = queue_study(spec, store);
    std::mutex mutex;
    std::map<int64_t, int> claims;
    const auto worker = [&](const std::string& label) {
      while (auto launched =
                 start_next_study_run(store, state.study, {}, {"cpu", "cpu (" + label + ")"})) {
        {
          std::lock_guard lock(mutex);
          ++claims[launched->run];
        }
        launched->session->wait();
      }
    };
    std::thread a(worker, "worker 1"), b(worker, "worker 2");
    a.join();
    b.join();
    QCOMPARE(claims.size(), std::size_t{6});
    for (const auto& [run, count] : claims) QCOMPARE(count, 1);
    const auto reader = RunStoreReader::open(store);
    QCOMPARE(reader->runs().size(), std::size_t{6});
    for (const RunInfo& run : reader->runs()) {
      QCOMPARE(run.status, std::string("finished"));
      QVERIFY2(run.device == "cpu (worker 1)" || run.device == "cpu (worker 2)",
               run.device.c_str());
    }
    QVERIFY(!start_next_study_run(store, state.study, {}));
  }

  // `hyperformer study --workers 2`: two worker processes writing one store at once. Every run
  // finishes, and its curve and scores equal those of the same run made alone.
  void worker_processes_match_runs_made_alone() {
    const fs::path store = path("processes.db");
    const fs::path study_file = hwb::test::data_dir() / "study" / "four_seeds.json";
    QProcess p;
    p.setWorkingDirectory(QString::fromStdString(path("").string()));
    p.start(HWB_CLI_PATH, {"study", "--config", QString::fromStdString(study_file.string()),
                           "--store", QString::fromStdString(store.string()), "--workers", "2"});
    QVERIFY(p.waitForFinished(hwb::test::kPatienceMs * 3));
    const QString out = QString::fromUtf8(p.readAll());
    QVERIFY2(p.exitCode() == 0 && out.contains("4 of 4 run(s) finished"), qPrintable(out));

    const auto reader = RunStoreReader::open(store);
    const StudyState state = read_study(store, "four-seeds");
    std::set<std::string> devices;
    for (const StudyEntry& e : state.entries) {
      QCOMPARE(e.run.status, std::string("finished"));
      devices.insert(e.run.device);
      ExperimentConfig alone = e.cell.config;
      alone.store = path("alone-" + std::to_string(e.cell.index) + ".db").string();
      LaunchedRun single = launch_run(alone, {});
      single.session->wait();
      const auto expected = hwb::test::curve(alone.store, single.run, "loss");
      const auto got = hwb::test::curve(*reader, e.run.id, "loss");
      QCOMPARE(got.size(), expected.size());
      for (const auto& [step, loss] : expected) {
        QVERIFY2(std::abs(got.at(step) - loss) <= 1e-5 * std::max(1.0, std::abs(loss)),
                 qPrintable(QString("cell %1, step %2: %3 vs %4")
                                .arg(e.cell.index)
                                .arg(step)
                                .arg(got.at(step))
                                .arg(loss)));
      }
      const auto single_reader = RunStoreReader::open(alone.store);
      const RunScores a = read_run_scores(*single_reader, *single_reader->run(single.run), "test");
      const RunScores b = read_run_scores(*reader, e.run, "test");
      QCOMPARE(b.task_scores, a.task_scores);
    }
    QCOMPARE(devices, (std::set<std::string>{"cpu (worker 1)", "cpu (worker 2)"}));
  }

  // Means and sample spreads (n - 1) worked out by hand.
  void the_results_table_groups_runs_by_seed() {
    const std::vector<RunScores> runs = hand_made_runs();
    const ResultsTable t = build_results_table(runs, "validation");
    QCOMPARE(t.tasks, (std::vector<std::string>{"sst2", "rte"}));
    QCOMPARE(t.rows.size(), std::size_t{2});
    QCOMPARE(t.notes.size(), std::size_t{1});
    QVERIFY(t.notes[0].find("run 8") != std::string::npos);

    const ResultsRow& hyper = t.rows[0];
    QCOMPARE(hyper.method, std::string("Hyperformer++"));
    QCOMPARE(hyper.runs, (std::vector<int64_t>{1, 2, 3}));
    QCOMPARE(hyper.replicates, 3);
    QCOMPARE(hyper.tasks[0].mean, 92.0);  // 90, 92, 94
    QCOMPARE(hyper.tasks[0].spread, 2.0);
    QCOMPARE(hyper.tasks[1].mean, 63.0);  // 60, 66, 63
    QCOMPARE(hyper.tasks[1].spread, 3.0);
    QCOMPARE(hyper.average.mean, 77.5);  // replicates 75, 79, 78.5
    QVERIFY(std::abs(hyper.average.spread - std::sqrt(4.75)) < 1e-12);
    // One backbone + 90 added: 1090 = 1.09x; (100 trained) / 2 tasks = 50 = 5%.
    QCOMPARE(hyper.total_parameters, int64_t{1090});
    QCOMPARE(hyper.trained_per_task, 50.0);
    QCOMPARE(hyper.trained_per_task_percent, 5.0);

    const ResultsRow& adapters = t.rows[1];
    QCOMPARE(adapters.method, std::string("Adapters, single-task"));
    QCOMPARE(adapters.replicates, 2);
    QCOMPARE(adapters.tasks[0].mean, 92.0);  // 91, 93
    QVERIFY(std::abs(adapters.tasks[0].spread - std::sqrt(2.0)) < 1e-12);
    QCOMPARE(adapters.tasks[1].mean, 69.0);  // 70, 68
    QCOMPARE(adapters.average.mean, 80.5);   // replicates (91+70)/2, (93+68)/2
    QCOMPARE(adapters.average.spread, 0.0);
    // The frozen backbone once (990) + each run's trained backbone part and adapters (2 x 30).
    QCOMPARE(adapters.total_parameters, int64_t{1050});
    QCOMPARE(adapters.trained_per_task, 30.0);

    const SeedSummary one = summarise({81.0});
    QCOMPARE(one.mean, 81.0);
    QVERIFY(std::isnan(one.spread));
    QCOMPARE(summarise({}).count, 0);
  }

  void the_results_table_exports_match_golden_files() {
    const ResultsTable t = build_results_table(hand_made_runs(), "test");
    compare_with_golden(results_markdown(t), "table.md");
    compare_with_golden(results_latex(t), "table.tex");
    compare_with_golden(results_csv(t), "table.csv");
  }
};

QTEST_GUILESS_MAIN(TestStudy)
#include "tst_study.moc"
