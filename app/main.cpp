#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QStandardPaths>

#include "core/train/ExperimentConfig.h"
#include "ui/MainWindow.h"
#include "ui/ModelView.h"
#include "ui/run/RunController.h"
#include "ui/setup/SetupForm.h"

namespace {

// The built-in demo experiment, its store and checkpoints in the user's data folder (the
// current folder may not be writable, e.g. when started from a menu).
hwb::ExperimentConfig demo_experiment() {
  hwb::ExperimentConfig config = hwb::ExperimentConfig::demo();
  const QString folder = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
  QDir().mkpath(folder);
  config.store = QDir(folder).filePath("demo-runs.db").toStdString();
  return config;
}

}  // namespace

int main(int argc, char** argv) {
  QApplication app(argc, argv);
  QApplication::setApplicationName("Hyperformer Workbench");
  QApplication::setOrganizationName("hyperformer-workbench");
  QApplication::setApplicationVersion(HWB_APP_VERSION);

  QCommandLineParser parser;
  parser.setApplicationDescription("Multi-task T5 fine-tuning with shared hypernetworks");
  parser.addHelpOption();
  parser.addVersionOption();
  const QCommandLineOption model_option(
      "model", "Open this backbone at start: builtin:tiny or a Hugging Face T5 folder.", "spec");
  parser.addOption(model_option);
  const QCommandLineOption store_option("store", "Open this run store at start.", "file");
  parser.addOption(store_option);
  const QCommandLineOption page_option(
      "page", "Show this page at start: setup, live, weights, compare or backbone.", "name");
  parser.addOption(page_option);
  const QCommandLineOption demo_option(
      "demo",
      "Load the built-in demo experiment (tiny T5, Hyperformer++, SST-2 and RTE samples) and "
      "start it; its runs go to demo-runs.db in the application's data folder.");
  parser.addOption(demo_option);
  parser.process(app);

  hwb::MainWindow window;
  window.show();
  if (parser.isSet(store_option)) window.openStore(parser.value(store_option));
  if (parser.isSet(model_option)) {
    window.model_view()->open_model(parser.value(model_option));
    window.showPage("backbone");
  }
  if (parser.isSet(demo_option)) {
    const hwb::ExperimentConfig demo = demo_experiment();
    window.setupForm()->setConfig(demo);
    window.runController()->enqueue(demo);  // the live page opens when the run has started
  }
  if (parser.isSet(page_option)) window.showPage(parser.value(page_option));
  return QApplication::exec();
}
