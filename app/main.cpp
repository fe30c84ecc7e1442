#include <QApplication>
#include <QCommandLineParser>

#include <cstring>
#include <iostream>

#include "ui/MainWindow.h"
#include "ui/ModelView.h"

namespace {

// `--version` answers before QApplication exists, so it works without a display (in a terminal
// over ssh, in a package's install check).
bool asks_for_version(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--version") == 0 || std::strcmp(argv[i], "-v") == 0) return true;
  }
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  if (asks_for_version(argc, argv)) {
    std::cout << "Hyperformer Workbench " << HWB_APP_VERSION << "\n";
    return 0;
  }
  QApplication app(argc, argv);
  QApplication::setApplicationName("Hyperformer Workbench");
  QApplication::setOrganizationName("hyperformer-workbench");
  QApplication::setApplicationVersion(HWB_APP_VERSION);

  QCommandLineParser parser;
  parser.setApplicationDescription("Multi-task T5 fine-tuning with shared hypernetworks");
  parser.addHelpOption();
  parser.addVersionOption();
  const QCommandLineOption model_option(
      "model",
      "Open this backbone at start: builtin:t5-mini, builtin:tiny or a Hugging Face T5 folder.",
      "spec");
  parser.addOption(model_option);
  const QCommandLineOption store_option("store", "Open this run store at start.", "file");
  parser.addOption(store_option);
  const QCommandLineOption page_option(
      "page", "Show this page at start: setup, live, weights, compare or backbone.", "name");
  parser.addOption(page_option);
  const QCommandLineOption demo_option(
      "demo",
      "Load the built-in demo experiment (Hyperformer++ on the pretrained builtin:t5-mini, frozen; "
      "SST-2 and RTE samples) and "
      "start it; its runs go to demo-runs.db in the application's data folder.");
  parser.addOption(demo_option);
  parser.process(app);

  hwb::MainWindow window;
  window.show();
  const bool told_what_to_open =
      parser.isSet(store_option) || parser.isSet(model_option) || parser.isSet(demo_option);
  if (!told_what_to_open && hwb::MainWindow::welcomeWanted()) window.showWelcome();
  if (parser.isSet(store_option)) window.openStore(parser.value(store_option));
  if (parser.isSet(model_option)) {
    window.model_view()->open_model(parser.value(model_option));
    window.showPage("backbone");
  }
  if (parser.isSet(demo_option)) window.startDemo();
  if (parser.isSet(page_option)) window.showPage(parser.value(page_option));
  return QApplication::exec();
}
