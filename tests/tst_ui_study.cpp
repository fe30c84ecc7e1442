// The Study page through the real window: axes typed as a person types them make the study the
// command line would run (or say what is wrong, with the setting's name); Start queues the grid in
// the store and trains it; the grid shows each run's state and the study's progress; the results
// table is the one `hyperformer runs table` prints.
#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSignalSpy>
#include <QTableWidget>

#include <algorithm>
#include <set>

#include "core/store/RunStoreReader.h"
#include "core/study/ResultsTable.h"
#include "tests/GuiTestSettings.h"
#include "tests/TestUtil.h"
#include "tests/UiTestUtil.h"
#include "ui/MainWindow.h"
#include "ui/run/RunController.h"
#include "ui/setup/SetupForm.h"
#include "ui/study/StudyView.h"

using namespace hwb;

class TestUiStudy : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir dir_;
  std::filesystem::path path(const std::string& name) const {
    return std::filesystem::path(dir_.path().toStdString()) / name;
  }
  // The demo cut to six steps with two evaluations: a whole study of it trains in seconds.
  static ExperimentConfig study_base(const std::filesystem::path& store) {
    ExperimentConfig base = hwb::test::short_demo(store, 8);
    base.steps = 6;
    base.warmup_steps = 1;
    base.eval_every = 3;
    return base;
  }

 private Q_SLOTS:
  void initTestCase() { hwb::test::use_own_settings("tst_ui_study"); }

  void typed_axes_make_the_study_or_say_what_is_wrong() {
    StudyView view;
    ExperimentConfig base = hwb::test::short_demo(path("typed.db"), 8);
    view.setBase(base);
    view.setStudyName("sizes");
    view.addAxis("variant.reduction_factor", "8, 16");
    view.addAxis("training.seed", "1,2,3");
    QStringList problems;
    std::optional<StudySpec> spec = view.study(&problems);
    QVERIFY2(spec, qPrintable(problems.join("\n")));
    QCOMPARE(spec->run_count(), std::size_t{6});
    const std::vector<StudyCell> cells = spec->expand();
    QCOMPARE(cells[3].config.peft.reduction_factor, int64_t{16});
    QCOMPARE(cells[3].config.seed, uint64_t{1});
    auto* start = view.findChild<QPushButton*>("start_study");
    auto* summary = view.findChild<QLabel*>("study_summary");
    QVERIFY(start->isEnabled());
    QVERIFY(summary->text().contains("6 run"));

    // A value the setting does not take: refused, named by the setting's label.
    view.addAxis("training.learning_rate", "1e-3, fast");
    spec = view.study(&problems);
    QVERIFY(!spec);
    QVERIFY2(problems.join("\n").contains("Axis 3 (Learning rate): expected a number"),
             qPrintable(problems.join("\n")));
    QVERIFY(!start->isEnabled());
    QVERIFY(summary->text().contains("Learning rate"));
  }

  void start_trains_the_grid_and_tabulates_it() {
    MainWindow window;
    window.resize(1024, 700);
    window.show();
    const ExperimentConfig base = study_base(path("study.db"));
    window.setupForm()->setConfig(base);
    StudyView* view = window.studyView();
    view->setStudyName("seeds");
    view->addAxis("training.seed", "1, 2");
    QSignalSpy queued(&window, &MainWindow::studyQueued);
    view->findChild<QPushButton*>("start_study")->click();
    QTRY_COMPARE_WITH_TIMEOUT(queued.count(), 1, hwb::test::kPatienceMs);
    QCOMPARE(queued.at(0).at(1).toString(), QString());
    // Both runs train, one after the other.
    const auto reader = RunStoreReader::open(path("study.db"));
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
          const auto runs = reader->runs();
          return runs.size() == 2 && runs[0].status == "finished" && runs[1].status == "finished";
        }(),
        hwb::test::kPatienceMs);
    QTRY_VERIFY_WITH_TIMEOUT(!window.runController()->busy(), hwb::test::kPatienceMs);

    window.showPage("study");
    view->refresh();
    auto* grid = view->findChild<QTableWidget*>("study_grid");
    QCOMPARE(grid->rowCount(), 2);
    QCOMPARE(grid->item(0, 2)->text(), QString("finished"));
    QCOMPARE(grid->item(1, 5)->text(), QString("2"));  // the seed column
    auto* progress = view->findChild<QProgressBar*>("study_progress");
    QCOMPARE(progress->value(), 2);
    QCOMPARE(progress->maximum(), 2);

    // The table the command line prints for the same runs.
    std::vector<RunScores> scores;
    for (const RunInfo& r : reader->runs()) scores.push_back(read_run_scores(*reader, r, "test"));
    const ResultsTable expected = build_results_table(scores, "test");
    hwb::test::choose(view->findChild<QComboBox*>("results_split"), "test");
    QCOMPARE(view->resultsText("markdown"), QString::fromStdString(results_markdown(expected)));
    QCOMPARE(view->resultsText("latex"), QString::fromStdString(results_latex(expected)));
    auto* table = view->findChild<QTableWidget*>("results_table");
    QCOMPARE(table->rowCount(), 1);
    QCOMPARE(table->item(0, 1)->text(), QString("2"));  // seeds

    // Started again, the study keeps its finished runs and starts nothing.
    queued.clear();
    view->findChild<QPushButton*>("start_study")->click();
    QTRY_COMPARE_WITH_TIMEOUT(queued.count(), 1, hwb::test::kPatienceMs);
    QCOMPARE(reader->runs().size(), std::size_t{2});
    QVERIFY(!window.runController()->busy());
  }

  // Several at once: the page starts the command line's worker processes, detached, and shows
  // the study they record in the store.
  void workers_train_the_grid_in_processes() {
    MainWindow window;
    window.setCommandLinePath(HWB_CLI_PATH);
    const ExperimentConfig base = study_base(path("workers.db"));
    window.setupForm()->setConfig(base);
    StudyView* view = window.studyView();
    view->setStudyName("workers");
    view->addAxis("training.seed", "1, 2, 3");
    view->setWorkerOptions({}, 2);
    QCOMPARE(view->workerOptions(), QStringList({"--workers", "2"}));
    QSignalSpy queued(&window, &MainWindow::studyQueued);
    view->findChild<QPushButton*>("start_study")->click();
    QTRY_COMPARE_WITH_TIMEOUT(queued.count(), 1, hwb::test::kPatienceMs);
    QCOMPARE(queued.at(0).at(1).toString(), QString());
    const auto reader = RunStoreReader::open(path("workers.db"));
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
          const auto runs = reader->runs();
          return runs.size() == 3 && std::all_of(runs.begin(), runs.end(), [](const RunInfo& r) {
                   return r.status == "finished";
                 });
        }(),
        hwb::test::kPatienceMs);
    std::set<std::string> devices;
    for (const RunInfo& r : reader->runs()) devices.insert(r.device);
    QVERIFY(devices.count("cpu (worker 1)") || devices.count("cpu (worker 2)"));
    // Nothing ran in the window itself.
    QVERIFY(!window.runController()->busy());
    auto* text = view->findChild<QLabel*>("study_workers_text");
    QTRY_VERIFY_WITH_TIMEOUT(text->text().contains("ended"), hwb::test::kPatienceMs);
  }
};

QTEST_MAIN(TestUiStudy)
#include "tst_ui_study.moc"
