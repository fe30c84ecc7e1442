// Screens of the workbench for the README and for looking at: trains two short real demo runs
// (differing in the adapter reduction factor) into a temporary store, opens the main window on it
// and saves the setup, live, weights and compare pages as PNG. Nothing is faked: every curve and
// cell is what the engine wrote. Before that, the first start as a new user meets it: the window
// with no store open and the welcome over it, and File -> Models and data... on an empty download
// folder (nothing is downloaded; the rows are resources/catalog's). Run under Xvfb
// (tools/render_screens.sh).
#include <QApplication>
#include <QComboBox>
#include <QCommandLineParser>
#include <QDir>
#include <QEventLoop>
#include <QFile>
#include <QListWidget>
#include <QPixmap>
#include <QScreen>
#include <QSettings>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTimer>

#include <cstdio>
#include <exception>

#include "core/store/RunStoreReader.h"
#include "core/train/RunLauncher.h"
#include "ui/MainWindow.h"
#include "ui/WelcomeDialog.h"
#include "ui/compare/CompareView.h"
#include "ui/fetch/FetchDialog.h"

namespace {

// Lets queued replots and store polling run before a page is grabbed.
void settle(int ms) {
  QEventLoop loop;
  QTimer::singleShot(ms, &loop, &QEventLoop::quit);
  loop.exec();
}

hwb::ExperimentConfig screen_demo(const QTemporaryDir& dir, int64_t steps,
                                  int64_t reduction_factor) {
  hwb::ExperimentConfig c = hwb::ExperimentConfig::demo();
  c.name = QStringLiteral("demo-r%1").arg(reduction_factor).toStdString();
  c.steps = steps;
  c.warmup_steps = std::max<int64_t>(1, steps / 10);
  c.batch_size = 8;
  c.log_every = 2;
  c.eval_every = std::max<int64_t>(1, steps / 4);
  c.eval_batch_size = 32;
  for (hwb::ExperimentTask& t : c.tasks) {
    t.max_train = 400;
    t.max_validation = 48;
    t.max_test = 16;
  }
  c.peft.reduction_factor = reduction_factor;
  c.store = dir.filePath("runs.db").toStdString();
  c.checkpoint_dir = dir.filePath("checkpoints").toStdString();
  return c;
}

bool write_png(const QPixmap& pixmap, const QString& folder, const QString& name) {
  const QString file = QDir(folder).filePath(name + QStringLiteral(".png"));
  if (pixmap.isNull() || !pixmap.save(file, "PNG")) {
    std::fprintf(stderr, "could not write %s\n", qPrintable(file));
    return false;
  }
  std::printf("wrote %s\n", qPrintable(file));
  return true;
}

bool save(QWidget& window, const QString& folder, const QString& name) {
  settle(800);
  return write_png(window.grab(), folder, name);
}

// The screen where the window is, so that a dialog over it is in the picture too (grab() renders
// one widget only). The X server has no window manager: no frames, the window at its position.
bool save_screen_area(QWidget& window, const QString& folder, const QString& name) {
  settle(800);
  const QRect area = window.frameGeometry();
  return write_png(window.screen()->grabWindow(0, area.x(), area.y(), area.width(), area.height()),
                   folder, name);
}

}  // namespace

int main(int argc, char** argv) {
  QApplication app(argc, argv);
  QApplication::setApplicationName("Hyperformer Workbench");
  QApplication::setOrganizationName("hyperformer-workbench");
  // The person's own remembered store and layout stay untouched.
  QStandardPaths::setTestModeEnabled(true);
  QSettings().clear();

  QCommandLineParser parser;
  parser.setApplicationDescription("Render the workbench's pages to PNG from a real demo run");
  parser.addHelpOption();
  const QCommandLineOption out_option("out", "Folder for the PNG files.", "folder", "screens");
  const QCommandLineOption steps_option("steps", "Training steps of each demo run.", "n", "160");
  const QCommandLineOption size_option("size", "Window size, WIDTHxHEIGHT.", "size", "1280x800");
  const QCommandLineOption extra_option(
      "extra", "Also save the compare page's scores table and config diff.");
  const QCommandLineOption store_option(
      "store",
      "Render the pages from the runs of this run store (a copy of it is opened; the first "
      "selected, all compared) "
      "instead of training two short demo runs.",
      "file");
  parser.addOptions({out_option, steps_option, size_option, extra_option, store_option});
  parser.process(app);
  const QString out = parser.value(out_option);
  const QStringList size = parser.value(size_option).split('x');
  if (size.size() != 2 || size[0].toInt() < 400 || size[1].toInt() < 300) {
    std::fprintf(stderr, "--size: expected WIDTHxHEIGHT, at least 400x300\n");
    return 2;
  }
  if (!QDir().mkpath(out)) {
    std::fprintf(stderr, "cannot create %s\n", qPrintable(out));
    return 1;
  }

  QTemporaryDir dir(QDir::temp().filePath("hwb-screens-XXXXXX"));
  bool ok = true;
  {
    // The first start: no store open, the welcome over the window.
    hwb::MainWindow window;
    window.resize(size[0].toInt(), size[1].toInt());
    window.move(0, 0);
    window.show();
    hwb::WelcomeDialog* welcome = window.showWelcome();
    ok &= save_screen_area(window, out, "welcome");
    welcome->close();
    // Models and data on an empty download folder, as on a first start: nothing downloaded.
    hwb::FetchDialog fetch(&window);
    fetch.setDataDir(dir.filePath("data/hyperformer-workbench"));
    fetch.resize(960, 760);  // every catalog row in view
    fetch.show();
    // A model and a GLUE task chosen, as before pressing Download.
    if (auto* table = fetch.findChild<QTableWidget*>("catalog_table")) {
      table->selectRow(fetch.rowOf("t5-small"));
      table->selectionModel()->select(table->model()->index(fetch.rowOf("sst2"), 0),
                                      QItemSelectionModel::Select | QItemSelectionModel::Rows);
    }
    ok &= save(fetch, out, "models-and-data");
  }

  std::vector<int64_t> runs;
  QString store = dir.filePath("runs.db");
  if (parser.isSet(store_option)) {
    // A copy, so that opening it (SQLite's -wal and -shm files) leaves the given file as it was.
    if (!QFile::copy(parser.value(store_option), store)) {
      std::fprintf(stderr, "cannot read the run store %s\n",
                   qPrintable(parser.value(store_option)));
      return 1;
    }
    try {
      for (const hwb::RunInfo& r : hwb::RunStoreReader::open(store.toStdString())->runs())
        runs.push_back(r.id);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "cannot read the run store: %s\n", e.what());
      return 1;
    }
    if (runs.empty()) {
      std::fprintf(stderr, "the run store %s holds no run\n",
                   qPrintable(parser.value(store_option)));
      return 1;
    }
  } else {
    try {
      for (int64_t reduction : {8, 16}) {
        std::printf("training demo run (reduction factor %lld)...\n",
                    static_cast<long long>(reduction));
        std::fflush(stdout);
        hwb::LaunchedRun launched = hwb::launch_run(
            screen_demo(dir, parser.value(steps_option).toLongLong(), reduction), {});
        launched.session->wait();
        if (launched.session->state() != hwb::TrainingSession::State::kFinished) {
          std::fprintf(stderr, "demo run failed: %s\n", launched.session->error().c_str());
          return 1;
        }
        runs.push_back(launched.run);
      }
    } catch (const std::exception& e) {
      std::fprintf(stderr, "cannot train the demo run: %s\n", e.what());
      return 1;
    }
  }

  hwb::MainWindow window;
  window.resize(size[0].toInt(), size[1].toInt());
  window.show();
  if (!window.openStore(store)) {
    std::fprintf(stderr, "the window could not open the run store\n");
    return 1;
  }
  window.selectRun(runs.front());
  window.showPage("setup");
  ok &= save(window, out, "setup");
  window.showPage("live");
  ok &= save(window, out, "live");
  window.showPage("weights");
  ok &= save(window, out, "weights");
  // Both runs ticked: their curves overlaid.
  if (auto* list = window.compareView()->findChild<QListWidget*>("run_list")) {
    for (int i = 0; i < list->count(); ++i) list->item(i)->setCheckState(Qt::Checked);
  }
  // The SST-2 validation accuracy where the runs have one: where two variants part, rather than
  // the training loss, which every variant brings near zero alike.
  if (auto* curves = window.compareView()->findChild<QComboBox*>("curve_combo")) {
    const int sst2 = curves->findData(QStringLiteral("m\tvalidation\tsst2\taccuracy"));
    if (sst2 >= 0) curves->setCurrentIndex(sst2);
  }
  window.showPage("compare");
  ok &= save(window, out, "compare");
  auto* tabs = window.compareView()->findChild<QTabWidget*>("compare_tabs");
  if (parser.isSet(extra_option) && tabs) {
    tabs->setCurrentIndex(1);  // the scores table
    ok &= save(window, out, "compare-scores");
    tabs->setCurrentIndex(2);  // the config diff
    ok &= save(window, out, "compare-config");
    tabs->setCurrentIndex(0);
  }
  return ok ? 0 : 1;
}
