#include "ui/MainWindow.h"

#include <QCloseEvent>
#include <QSettings>
#include <QStatusBar>

#include "ui/ModelView.h"

namespace hwb {

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent) {
  setWindowTitle(tr("Hyperformer Workbench"));
  model_view_ = new ModelView;
  setCentralWidget(model_view_);
  connect(model_view_, &ModelView::model_loaded, this,
          [this](const QString& spec) { statusBar()->showMessage(tr("Loaded %1").arg(spec)); });
  connect(model_view_, &ModelView::run_finished, this,
          [this] { statusBar()->showMessage(tr("Run finished"), 5000); });
  connect(model_view_, &ModelView::failed, this,
          [this](const QString&) { statusBar()->showMessage(tr("Failed: see the message above")); });
  resize(1000, 640);
  QSettings settings;
  restoreGeometry(settings.value("main_window/geometry").toByteArray());
}

void MainWindow::closeEvent(QCloseEvent* event) {
  QSettings settings;
  settings.setValue("main_window/geometry", saveGeometry());
  QMainWindow::closeEvent(event);
}

}  // namespace hwb
