#pragma once

#include <QFrame>
#include <QString>

class QLabel;
class QPushButton;

namespace hwb {

// A run that failed, or could not start, shown across the top of the window: what happened, why
// (the session's own message) and what to do; the run's log one click away.
class RunErrorBanner : public QFrame {
  Q_OBJECT

 public:
  explicit RunErrorBanner(QWidget* parent = nullptr);

  // `has_log`: the run exists in a store, so "Show log" can open it.
  void showError(const QString& what, const QString& reason, bool has_log);
  QString text() const;

  // What a person can do about a failure, from the words of its message.
  static QString adviceFor(const QString& reason);

 Q_SIGNALS:
  void showLogRequested();

 private:
  QLabel* label_;
  QPushButton* log_;
};

}  // namespace hwb
