#include <QApplication>
#include <QCommandLineParser>

#include "ui/MainWindow.h"
#include "ui/ModelView.h"

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
  parser.process(app);

  hwb::MainWindow window;
  window.show();
  if (parser.isSet(store_option)) window.openStore(parser.value(store_option));
  if (parser.isSet(model_option)) {
    window.model_view()->open_model(parser.value(model_option));
    window.showPage("backbone");
  }
  if (parser.isSet(page_option)) window.showPage(parser.value(page_option));
  return QApplication::exec();
}
