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
  parser.process(app);

  hwb::MainWindow window;
  window.show();
  if (parser.isSet(model_option)) window.model_view()->open_model(parser.value(model_option));
  return QApplication::exec();
}
