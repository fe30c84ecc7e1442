#pragma once

#include <QDialog>

#include "ui/common/RunRef.h"

class QPlainTextEdit;

namespace hwb {

// A run's log (RunStoreReader::events): every line the session logged, with its time and level,
// plus the run's final message. Re-read on refresh, so it can stay open while the run goes on.
class RunLogDialog : public QDialog {
  Q_OBJECT

 public:
  explicit RunLogDialog(const RunRef& run, QWidget* parent = nullptr);
  QString text() const;

 public Q_SLOTS:
  void refresh();

 private:
  RunRef run_;
  QPlainTextEdit* text_;
};

}  // namespace hwb
