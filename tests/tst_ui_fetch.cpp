// The Models and data dialog against the local fake Hub: a download runs off the GUI thread and
// turns its row ready, Cancel keeps the partial file that the next download resumes, errors show
// in the dialog, and a ready model becomes Setup's backbone through the main window's menu.
#include <QAction>
#include <QMenuBar>
#include <QProgressBar>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QtTest/QtTest>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/fetch/DataDirs.h"
#include "core/fetch/ResumableDownload.h"
#include "tests/FakeHubServer.h"
#include "tests/GuiTestSettings.h"
#include "ui/MainWindow.h"
#include "ui/fetch/FetchDialog.h"
#include "ui/setup/SetupForm.h"

namespace fs = std::filesystem;
using namespace hwb;
using hwb::test::FakeHubServer;

namespace {

const fs::path kFixtures = HWB_TEST_DATA_DIR;

std::string read_file(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<FakeHubServer::RepoFile> repo_of(const fs::path& fixture) {
  return {{"config.json", read_file(fixture / "config.json"), false},
          {"model.safetensors", read_file(fixture / "model.safetensors"), true},
          {"pytorch_model.bin", "never fetched", true}};
}

// Selects the row named `name`, as a person clicking it.
void select(FetchDialog& dialog, const QString& name) {
  auto* table = dialog.findChild<QTableWidget*>("catalog_table");
  const int row = dialog.rowOf(name);
  QVERIFY2(row >= 0, qPrintable(name));
  table->clearSelection();
  table->selectRow(row);
}

QPushButton* button(QWidget& parent, const char* name) {
  return parent.findChild<QPushButton*>(name);
}

}  // namespace

class TestUiFetch : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void initTestCase() { hwb::test::use_own_settings("tst_ui_fetch"); }

  void init() { QSettings().clear(); }

  void a_download_turns_its_row_ready() {
    FakeHubServer hub;
    hub.set_repo("google-t5/t5-small", repo_of(kFixtures / "t5" / "v10_tied_f32"));
    QTemporaryDir dir;
    FetchDialog dialog;
    dialog.setEndpoints(QString::fromStdString(hub.url()), QString::fromStdString(hub.url()));
    dialog.setDataDir(dir.path());
    dialog.show();
    QCOMPARE(dialog.stateOf("t5-small"), QString("not downloaded"));
    QCOMPARE(dialog.stateOf("sst2"), QString("not downloaded"));

    QSignalSpy finished(&dialog, &FetchDialog::downloadFinished);
    select(dialog, "t5-small");
    QVERIFY(!button(dialog, "use_backbone")->isEnabled());
    button(dialog, "download")->click();
    QVERIFY(dialog.busy());
    QCOMPARE(dialog.stateOf("t5-small"), QString("downloading"));
    QVERIFY(button(dialog, "cancel")->isEnabled());
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 20000);
    QCOMPARE(finished.at(0).at(1).toBool(), true);
    QCOMPARE(dialog.stateOf("t5-small"), QString("ready"));
    QVERIFY(!dialog.busy());
    QCOMPARE(dialog.findChild<QProgressBar*>("progress")->value(), 1000);

    const fs::path folder = DataDirs::model_folder(dir.path().toStdString(), "google-t5/t5-small");
    QCOMPARE(read_file(folder / "model.safetensors"),
             read_file(kFixtures / "t5" / "v10_tied_f32" / "model.safetensors"));
    QVERIFY(fs::exists(folder / "config.json"));
    QVERIFY(!fs::exists(folder / "pytorch_model.bin"));
    QVERIFY(dialog.message().contains("google-t5/t5-small is ready in"));

    QVERIFY(dialog.message().endsWith("Use as backbone puts it into Setup."));
    QSignalSpy backbone(&dialog, &FetchDialog::useAsBackbone);
    QVERIFY(button(dialog, "use_backbone")->isEnabled());  // the finished row is selected
    button(dialog, "use_backbone")->click();
    QCOMPARE(backbone.size(), 1);
    QCOMPARE(backbone.at(0).at(0).toString(), QString::fromStdString(folder.string()));
  }

  void cancel_keeps_the_partial_and_the_next_download_resumes() {
    FakeHubServer hub;
    const fs::path fixture = kFixtures / "t5" / "v11_untied_f32";
    hub.set_repo("google/flan-t5-small", repo_of(fixture));
    hub.throttle(4096, std::chrono::milliseconds(20));  // ~90 chunks: about two seconds
    QTemporaryDir dir;
    FetchDialog dialog;
    dialog.setEndpoints(QString::fromStdString(hub.url()), QString::fromStdString(hub.url()));
    dialog.setDataDir(dir.path());
    dialog.show();
    QSignalSpy finished(&dialog, &FetchDialog::downloadFinished);
    select(dialog, "flan-t5-small");
    button(dialog, "download")->click();
    auto* progress = dialog.findChild<QProgressBar*>("progress");
    QTRY_VERIFY_WITH_TIMEOUT(progress->value() > 100, 20000);
    // The GUI thread is free while the worker downloads: the event loop ran to get here.
    button(dialog, "cancel")->click();
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 10000);
    QCOMPARE(finished.at(0).at(1).toBool(), false);
    QVERIFY(dialog.message().startsWith("cancelled: model.safetensors of google/flan-t5-small"));
    QCOMPARE(dialog.stateOf("flan-t5-small"), QString("partial"));
    const fs::path folder =
        DataDirs::model_folder(dir.path().toStdString(), "google/flan-t5-small");
    const fs::path part = ResumableDownload::part_path(folder / "model.safetensors");
    QVERIFY(fs::exists(part));
    const auto kept = static_cast<int64_t>(fs::file_size(part));
    QVERIFY(kept > 0);
    QVERIFY(kept < static_cast<int64_t>(fs::file_size(fixture / "model.safetensors")));

    hub.throttle(0, std::chrono::milliseconds(0));
    hub.clear_log();
    select(dialog, "flan-t5-small");
    button(dialog, "download")->click();
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 2, 20000);
    QCOMPARE(finished.at(1).at(1).toBool(), true);
    QCOMPARE(dialog.stateOf("flan-t5-small"), QString("ready"));
    bool resumed = false;
    for (const auto& r : hub.requests()) {
      if (r.path.rfind("/cdn/", 0) == 0 && r.headers.count("range")) {
        resumed = r.headers.at("range") == "bytes=" + std::to_string(kept) + "-";
      }
    }
    QVERIFY(resumed);
    QCOMPARE(read_file(folder / "model.safetensors"), read_file(fixture / "model.safetensors"));
  }

  void an_error_is_shown_in_the_dialog() {
    uint16_t port = 0;
    {
      FakeHubServer closed;
      port = closed.port();
    }
    QTemporaryDir dir;
    FetchDialog dialog;
    const QString endpoint = QString("http://127.0.0.1:%1").arg(port);
    dialog.setEndpoints(endpoint, endpoint);
    dialog.setDataDir(dir.path());
    QSignalSpy finished(&dialog, &FetchDialog::downloadFinished);
    select(dialog, "t5-base");
    button(dialog, "download")->click();
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 20000);
    QVERIFY(dialog.message().contains(QString("cannot reach 127.0.0.1:%1 (").arg(port)));
    QVERIFY(dialog.message().contains("this computer seems to be offline"));
    QCOMPARE(dialog.stateOf("t5-base"), QString("not downloaded"));

    QCOMPARE(dialog.addHubModel("not a hub id"),
             QString("'not a hub id' is not a Hugging Face Hub model id: it is \"name\" or "
                     "\"organisation/name\", for example google-t5/t5-small or "
                     "google/flan-t5-base"));
    QVERIFY(dialog.addHubModel("someone/t5-tiny").isEmpty());
    QCOMPARE(dialog.stateOf("someone/t5-tiny"), QString("not downloaded"));
  }

  void the_menu_hands_a_ready_model_to_setup() {
    FakeHubServer hub;
    hub.set_repo("google-t5/t5-small", repo_of(kFixtures / "t5" / "v10_tied_f32"));
    QTemporaryDir dir;
    MainWindow window;
    window.show();
    QAction* action = nullptr;
    for (QAction* a : window.menuBar()->findChildren<QAction*>()) {
      if (a->text() == "&Models and data…") action = a;
    }
    QVERIFY(action);
    action->trigger();
    auto* dialog = window.findChild<FetchDialog*>();
    QVERIFY(dialog);
    QVERIFY(dialog->isVisible());
    dialog->setEndpoints(QString::fromStdString(hub.url()), QString::fromStdString(hub.url()));
    dialog->setDataDir(dir.path());
    QSignalSpy finished(dialog, &FetchDialog::downloadFinished);
    select(*dialog, "t5-small");
    button(*dialog, "download")->click();
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 20000);
    select(*dialog, "t5-small");
    button(*dialog, "use_backbone")->click();
    const fs::path folder = DataDirs::model_folder(dir.path().toStdString(), "google-t5/t5-small");
    QCOMPARE(window.setupForm()->config().backbone, folder.string());

    // Closing hides the dialog; the menu brings back the same one.
    dialog->close();
    action->trigger();
    QCOMPARE(window.findChildren<FetchDialog*>().size(), 1);
    QVERIFY(dialog->isVisible());
    QCOMPARE(dialog->stateOf("t5-small"), QString("ready"));
  }
};

QTEST_MAIN(TestUiFetch)
#include "tst_ui_fetch.moc"
