#pragma once

#include <QDialog>

namespace hwb {

// The first start's welcome: run the demo experiment, open a run store, or set up a new
// experiment. Non-modal (the window behind it stays usable); each choice closes it.
class WelcomeDialog : public QDialog {
  Q_OBJECT

 public:
  explicit WelcomeDialog(QWidget* parent = nullptr);

 Q_SIGNALS:
  void demoRequested();
  void openStoreRequested();
  void newExperimentRequested();
};

}  // namespace hwb
