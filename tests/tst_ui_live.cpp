// Drives the real window offscreen through a shortened demo run: Start in the setup form, points
// appear in the live plots (read back from the store), pause holds the step, resume goes on, stop
// ends the run with a checkpoint; the status bar and the run list say "stopped" and the store
// holds the run with its curves. Closing the window while a run trains asks first.
#include <QApplication>
#include <QLabel>
#include <QPushButton>
#include <QSettings>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTableView>
#include <QTimer>

#include "core/store/RunStoreReader.h"
#include "tests/DemoTestConfig.h"
#include "tests/GuiTestSettings.h"
#include "tests/TestUtil.h"
#include "ui/MainWindow.h"
#include "ui/live/LiveView.h"
#include "ui/plot/CurvePlot.h"
#include "ui/run/RunController.h"
#include "ui/run/RunErrorBanner.h"
#include "ui/run/RunListModel.h"
#include "ui/run/RunLogDialog.h"
#include "ui/setup/SetupForm.h"

using namespace hwb;

namespace {

// The demo, cut down to seconds on a CPU.
ExperimentConfig short_demo(const QTemporaryDir& dir, int64_t steps) {
  ExperimentConfig config = hwb::test::short_demo_config({.steps = steps,
                                                          .warmup_steps = 5,
                                                          .batch_size = 8,
                                                          .log_every = 2,
                                                          .eval_every = 15,
                                                          .max_train = 64,
                                                          .max_validation = 16,
                                                          .max_test = 16});
  config.name = "live-test";
  config.store = dir.filePath("runs.db").toStdString();
  config.checkpoint_dir = dir.filePath("checkpoints").toStdString();
  return config;
}

}  // namespace

class TestUiLive : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void initTestCase() { hwb::test::use_own_settings("tst_ui_live"); }

  void demo_run_starts_pauses_resumes_and_stops() {
    QTemporaryDir dir;
    const ExperimentConfig config = short_demo(dir, 400);  // stopped long before the end
    MainWindow window;
    window.show();
    window.setupForm()->setConfig(config);
    QVERIFY2(window.setupForm()->canStart(), qPrintable(window.setupForm()->problems().join("\n")));
    RunController* controller = window.runController();
    QSignalSpy started(controller, &RunController::runStarted);
    QSignalSpy ended(controller, &RunController::runEnded);
    QTest::mouseClick(window.setupForm()->findChild<QPushButton*>("start"), Qt::LeftButton);
    QVERIFY(started.wait(60000));
    const int64_t run = started.at(0).at(0).toLongLong();
    QCOMPARE(window.selectedRun().run, run);

    // The loss and the first evaluation (step 15) reach the live plots through the store.
    CurvePlot* loss = window.liveView()->lossPlot();
    CurvePlot* metrics = window.liveView()->metricsPlot();
    QTRY_VERIFY_WITH_TIMEOUT(loss->seriesX("loss").size() >= 3, 60000);
    QTRY_VERIFY_WITH_TIMEOUT(metrics->hasSeries("average"), 60000);
    QVERIFY(metrics->hasSeries("sst2 accuracy"));
    QVERIFY(window.liveView()->learningRatePlot()->seriesX("learning rate").size() >= 3);
    QVERIFY(controller->lastProgress().total_steps == 400);

    // Pause: the session reports that it waits, and the step stands still.
    auto* pause = window.findChild<QPushButton*>("pause");
    QVERIFY(pause->isEnabled());
    QTest::mouseClick(pause, Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(controller->lastProgress().paused, 30000);
    QVERIFY(window.statusText().startsWith("Paused"));
    QCOMPARE(pause->text(), QString("Resume"));
    const int64_t paused_at = controller->lastProgress().step;
    QTRY_COMPARE_WITH_TIMEOUT(window.findChild<QLabel*>("run_numbers")->text(),
                              QString("paused at step %1 of 400").arg(paused_at), 5000);
    QTest::qWait(700);
    QCOMPARE(controller->lastProgress().step, paused_at);
    QVERIFY(window.isEnabled());

    // Resume: steps go on.
    QTest::mouseClick(pause, Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(controller->lastProgress().step > paused_at, 30000);
    QVERIFY(window.statusText().startsWith("Running"));

    // Stop: the run ends with a checkpoint, as "stopped".
    QTest::mouseClick(window.findChild<QPushButton*>("stop"), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(ended.size() == 1, 60000);
    QCOMPARE(ended.at(0).at(1).toString(), QString("stopped"));
    QTRY_COMPARE_WITH_TIMEOUT(controller->state(), RunController::State::kIdle, 30000);
    QCOMPARE(window.statusText(), QString("Idle"));
    QVERIFY2(window.statusBar()->currentMessage().contains("stopped"),
             qPrintable(window.statusBar()->currentMessage()));
    const int row = window.runList()->rowOf(window.selectedRun().store.get(), run);
    QVERIFY(row >= 0);
    QCOMPARE(window.runList()->index(row, RunListModel::kStatus).data().toString(),
             QString("stopped"));

    const auto reader = RunStoreReader::open(config.store);
    const auto info = reader->run(run);
    QVERIFY(info.has_value());
    QCOMPARE(info->status, std::string("stopped"));
    QVERIFY(info->last_step > paused_at);
    QVERIFY(reader->scalar_series(run, "loss").size() >= 3);
    QVERIFY(!reader->checkpoints(run).empty());

    // Start from this run's config: Setup holds it.
    window.setupForm()->setConfig(ExperimentConfig::demo());
    QTest::mouseClick(window.findChild<QPushButton*>("use_config"), Qt::LeftButton);
    QCOMPARE(window.setupForm()->config().to_json(), config.to_json());

    // Resume the stopped run: same id, it goes on from its checkpoint.
    const int64_t stopped_at = info->last_step;
    QTest::mouseClick(window.findChild<QPushButton*>("resume_run"), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(started.size() == 2, 60000);
    QCOMPARE(started.at(1).at(0).toLongLong(), run);
    QTRY_VERIFY_WITH_TIMEOUT(controller->lastProgress().step > stopped_at, 60000);
    controller->stop();
    QTRY_VERIFY_WITH_TIMEOUT(ended.size() == 2, 60000);
    QCOMPARE(ended.at(1).at(1).toString(), QString("stopped"));
    QTRY_COMPARE_WITH_TIMEOUT(controller->state(), RunController::State::kIdle, 30000);
  }

  // Closing the window while a run trains asks first: Cancel keeps the window and the run going;
  // "Stop and close" stops the run with a checkpoint and then closes.
  void closing_during_a_run_asks_and_stops_with_a_checkpoint() {
    QTemporaryDir dir;
    const ExperimentConfig config = short_demo(dir, 400);
    MainWindow window;
    window.show();
    window.setupForm()->setConfig(config);
    RunController* controller = window.runController();
    QSignalSpy started(controller, &RunController::runStarted);
    QSignalSpy ended(controller, &RunController::runEnded);
    QTest::mouseClick(window.setupForm()->findChild<QPushButton*>("start"), Qt::LeftButton);
    QVERIFY(started.wait(60000));
    const int64_t run = started.at(0).at(0).toLongLong();
    QTRY_VERIFY_WITH_TIMEOUT(controller->lastProgress().step >= 3, 60000);

    // Answers the question the close raises, once it is shown; false if none came.
    auto answer_with = [](const char* button, bool* asked) {
      QTimer::singleShot(0, [button, asked] {
        QTRY_VERIFY_WITH_TIMEOUT(QApplication::activeModalWidget() != nullptr, 10000);
        QWidget* question = QApplication::activeModalWidget();
        *asked = question->objectName() == "close_question";
        if (auto* b = question->findChild<QPushButton*>(button)) b->click();
      });
    };
    bool asked = false;
    answer_with("close_cancel", &asked);
    QVERIFY(!window.close());
    QVERIFY(asked);
    QVERIFY(window.isVisible());
    QVERIFY(controller->busy());
    const int64_t step = controller->lastProgress().step;
    QTRY_VERIFY_WITH_TIMEOUT(controller->lastProgress().step > step, 30000);
    QCOMPARE(ended.size(), 0);

    asked = false;
    answer_with("close_stop", &asked);
    window.close();
    QVERIFY(asked);
    QTRY_VERIFY_WITH_TIMEOUT(ended.size() == 1, 60000);
    QCOMPARE(ended.at(0).at(1).toString(), QString("stopped"));
    QTRY_VERIFY_WITH_TIMEOUT(!window.isVisible(), 30000);
    const auto reader = RunStoreReader::open(config.store);
    QCOMPARE(reader->run(run)->status, std::string("stopped"));
    QVERIFY(!reader->checkpoints(run).empty());
  }

  // A run refused before it starts and a run that fails in its session both show their reason
  // and what to do in the window (the second with its log one click away); the queue goes on.
  void failed_runs_show_their_reason_and_log_and_the_queue_goes_on() {
    QTemporaryDir dir;
    ExperimentConfig refused = short_demo(dir, 6);
    refused.name = "refused";
    refused.glue_dir = dir.filePath("no-glue-here").toStdString();

    // A GLUE folder whose SST-2 train file has a label SST-2 does not have: found when the
    // session reads it.
    const QString glue = dir.filePath("bad-glue");
    QVERIFY(QDir().mkpath(glue + "/SST-2"));
    test::write_text((glue + "/SST-2/train.tsv").toStdString(),
                     "sentence\tlabel\na fine film \t1\na dull film \t7\n");
    QVERIFY(QFile::copy(
        QString::fromStdString(
            (std::filesystem::path(HWB_SOURCE_DIR) / "resources/demo/glue/SST-2/dev.tsv").string()),
        glue + "/SST-2/dev.tsv"));
    ExperimentConfig bad_rows = short_demo(dir, 6);
    bad_rows.name = "bad-rows";
    bad_rows.glue_dir = glue.toStdString();
    bad_rows.tasks.resize(1);  // sst2
    bad_rows.tasks[0].max_train = 0;

    ExperimentConfig next = short_demo(dir, 6);
    next.name = "next";

    MainWindow window;
    window.show();
    RunController* controller = window.runController();
    QSignalSpy ended(controller, &RunController::runEnded);
    QSignalSpy start_failed(controller, &RunController::startFailed);
    controller->enqueue(refused);
    controller->enqueue(bad_rows);
    controller->enqueue(next);
    QCOMPARE(controller->queuedCount(), 2);  // the first one is starting
    QVERIFY(window.statusText().contains("2 queued"));

    QTRY_VERIFY_WITH_TIMEOUT(ended.size() == 2, 120000);
    QCOMPARE(start_failed.size(), 1);
    QVERIFY2(start_failed.at(0).at(0).toString().contains("no-glue-here"),
             qPrintable(start_failed.at(0).at(0).toString()));
    QCOMPARE(ended.at(0).at(1).toString(), QString("failed"));
    QCOMPARE(ended.at(1).at(1).toString(), QString("finished"));
    QTRY_COMPARE_WITH_TIMEOUT(controller->state(), RunController::State::kIdle, 30000);

    // The failed run's reason stays in the window, with what to do and its log.
    RunErrorBanner* banner = window.errorBanner();
    QVERIFY(banner->isVisible());
    const QString reason = ended.at(0).at(2).toString();
    QVERIFY2(reason.contains("train.tsv"), qPrintable(reason));
    QVERIFY2(banner->text().contains("failed"), qPrintable(banner->text()));
    QVERIFY2(banner->text().contains("Skip bad rows"), qPrintable(banner->text()));
    auto* show_log = banner->findChild<QPushButton*>("run_error_log");
    QVERIFY(show_log->isVisible());
    QTest::mouseClick(show_log, Qt::LeftButton);
    auto* log = window.findChild<RunLogDialog*>("run_log");
    QVERIFY(log != nullptr);
    QVERIFY2(log->text().contains("status: failed"), qPrintable(log->text()));
    QVERIFY(log->text().contains("train.tsv"));
  }
};

QTEST_MAIN(TestUiLive)
#include "tst_ui_live.moc"
