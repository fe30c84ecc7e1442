#pragma once

#include <QMainWindow>

namespace hwb {

class ModelView;

// The workbench window. For now it holds the backbone view; experiment setup, the live monitor
// and run comparison arrive as further views.
class MainWindow : public QMainWindow {
  Q_OBJECT

 public:
  explicit MainWindow(QWidget* parent = nullptr);
  ModelView* model_view() const { return model_view_; }

 protected:
  void closeEvent(QCloseEvent* event) override;

 private:
  ModelView* model_view_;
};

}  // namespace hwb
