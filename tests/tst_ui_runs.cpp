// The run list and the store watcher, driven through the real window: runs written by another
// writer (a CLI run, say) appear without any action, a long curve arrives down-sampled, store
// files can be added read-only or imported, and a store that cannot be opened says why.
#include <QAbstractItemModelTester>
#include <QPushButton>
#include <QSettings>
#include <QStandardPaths>

#include "core/store/RunStore.h"
#include "core/store/RunStoreReader.h"
#include "core/train/ExperimentConfig.h"
#include "tests/GuiTestSettings.h"
#include "tests/TestUtil.h"
#include "ui/MainWindow.h"
#include "ui/live/LiveView.h"
#include "ui/plot/CurvePlot.h"
#include "ui/run/RunErrorBanner.h"
#include "ui/run/RunListModel.h"

using namespace hwb;

namespace {

// A finished run with a `points`-step loss curve and one evaluation, as another process writes it.
int64_t write_run(const std::filesystem::path& file, const std::string& name, int64_t points) {
  const auto store = RunStore::open(file);
  const int64_t run =
      store->create_run(name, name, ExperimentConfig::demo().to_json().dump(), "cpu", "{}");
  for (int64_t step = 1; step <= points; ++step) {
    store->add_scalars(run, step, 0.01 * static_cast<double>(step),
                       {{"loss", 5.0 / static_cast<double>(step)}, {"learning_rate", 1e-3}});
  }
  store->add_metrics(run, {{points, "sst2", "validation", "accuracy", 80.0},
                           {points, "", "validation", "average", 80.0}});
  store->set_status(run, "finished");
  return run;
}

}  // namespace

class TestUiRuns : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void initTestCase() { hwb::test::use_own_settings("tst_ui_runs"); }

  void runs_of_other_writers_appear_and_curves_are_down_sampled() {
    QTemporaryDir dir;
    const auto file = std::filesystem::path(dir.filePath("runs.db").toStdString());
    const int64_t first = write_run(file, "long", 50000);

    MainWindow window;
    window.show();
    QAbstractItemModelTester tester(window.runList());
    QVERIFY(window.openStore(QString::fromStdString(file.string())));
    QCOMPARE(window.runList()->rowCount(), 1);
    QCOMPARE(window.runList()->runInfo(0).status, std::string("finished"));
    window.selectRun(first);
    QCOMPARE(window.selectedRun().run, first);
    // A finished run has nothing to resume; its config can still be used.
    QVERIFY(!window.findChild<QPushButton*>("resume_run")->isEnabled());
    QVERIFY(window.findChild<QPushButton*>("use_config")->isEnabled());
    const QVector<double> x = window.liveView()->lossPlot()->seriesX("loss");
    QVERIFY2(x.size() > 100 && x.size() <= 2002, qPrintable(QString::number(x.size())));
    QCOMPARE(x.front(), 1.0);
    QCOMPARE(x.back(), 50000.0);
    QVERIFY(window.liveView()->metricsPlot()->hasSeries("average"));

    // Zoomed in, the visible steps are read again at full resolution.
    window.liveView()->lossPlot()->setXRange(1000, 1100);
    QTRY_VERIFY_WITH_TIMEOUT(window.liveView()->lossPlot()->seriesX("loss").size() >= 100 &&
                                 window.liveView()->lossPlot()->seriesX("loss").front() >= 999,
                             5000);
    QVERIFY(window.liveView()->lossPlot()->seriesX("loss").back() <= 1101);

    // Another writer adds a run: the watcher notices, the list grows, the selection stays.
    const int64_t second = write_run(file, "later", 10);
    QTRY_COMPARE_WITH_TIMEOUT(window.runList()->rowCount(), 2, 10000);
    QCOMPARE(window.selectedRun().run, first);
    QVERIFY(window.runList()->rowOf(window.selectedRun().store.get(), second) >= 0);
  }

  void store_files_are_added_or_imported() {
    QTemporaryDir dir;
    const auto local = std::filesystem::path(dir.filePath("local.db").toStdString());
    const auto gpu = std::filesystem::path(dir.filePath("gpu-box.db").toStdString());
    write_run(local, "here", 5);
    const int64_t remote = write_run(gpu, "there", 5);

    MainWindow window;
    QVERIFY(window.openStore(QString::fromStdString(local.string())));
    QVERIFY(window.addStoreFile(QString::fromStdString(gpu.string())));
    QCOMPARE(window.runList()->rowCount(), 2);
    const int row = window.runList()->rowOf(window.runList()->stores().back().get(), remote);
    QVERIFY(row >= 0);
    QVERIFY2(window.runList()->runRef(row).label.contains("gpu-box.db"),
             qPrintable(window.runList()->runRef(row).label));
    QVERIFY(window.addStoreFile(QString::fromStdString(gpu.string())));  // the same file once
    QCOMPARE(window.runList()->rowCount(), 2);

    // Importing copies the runs into the open store.
    QSignalSpy imported(&window, &MainWindow::importFinished);
    window.importStoreFile(QString::fromStdString(gpu.string()));
    QVERIFY(imported.wait(30000));
    QCOMPARE(imported.at(0).at(1).toString(), QString());
    QCOMPARE(RunStoreReader::open(local)->runs().size(), std::size_t{2});
    QCOMPARE(window.runList()->rowCount(), 3);

    // Importing a file that is not a store says why, in the window.
    const QString junk = dir.filePath("junk.db");
    test::write_text(junk.toStdString(), "not a database");
    window.importStoreFile(junk);
    QVERIFY(imported.wait(30000));
    QVERIFY(!imported.at(1).at(1).toString().isEmpty());
    QVERIFY(window.errorBanner()->isVisibleTo(&window));
  }

  void a_store_that_cannot_be_opened_says_why() {
    MainWindow window;
    QVERIFY(!window.openStore("/nonexistent/runs.db"));
    QVERIFY(window.errorBanner()->isVisibleTo(&window));
    QVERIFY2(window.errorBanner()->text().contains("/nonexistent/runs.db"),
             qPrintable(window.errorBanner()->text()));
  }
};

QTEST_MAIN(TestUiRuns)
#include "tst_ui_runs.moc"
