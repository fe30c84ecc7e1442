#include "ui/run/RunErrorBanner.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>

namespace hwb {

RunErrorBanner::RunErrorBanner(QWidget* parent) : QFrame(parent) {
  setObjectName("run_error");
  setStyleSheet(
      "#run_error { background: #fdecea; border: 1px solid #c62828; border-radius: 3px; }");
  label_ = new QLabel(this);
  label_->setObjectName("run_error_text");
  label_->setWordWrap(true);
  label_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  log_ = new QPushButton(tr("Show log"), this);
  log_->setObjectName("run_error_log");
  auto* close = new QPushButton(tr("Dismiss"), this);
  auto* layout = new QHBoxLayout(this);
  layout->addWidget(label_, 1);
  layout->addWidget(log_);
  layout->addWidget(close);
  connect(log_, &QPushButton::clicked, this, &RunErrorBanner::showLogRequested);
  connect(close, &QPushButton::clicked, this, &QWidget::hide);
  hide();
}

void RunErrorBanner::showError(const QString& what, const QString& reason, bool has_log) {
  label_->setText(QString("<b>%1</b><br>%2<br><i>%3</i>")
                      .arg(what.toHtmlEscaped(), reason.toHtmlEscaped().replace('\n', "<br>"),
                           adviceFor(reason).toHtmlEscaped()));
  log_->setVisible(has_log);
  show();
}

QString RunErrorBanner::text() const {
  return label_->text();
}

QString RunErrorBanner::adviceFor(const QString& reason) {
  const QString r = reason.toLower();
  if (r.contains("cuda") || r.contains("device")) {
    return tr(
        "What to do: choose a device this machine has in Setup (CPU always works), then "
        "start again.");
  }
  if (r.contains("skip bad rows")) {
    return tr(
        "What to do: fix the row named above, or tick \"Skip bad rows\" in Setup to leave "
        "such rows out, then start again from this run's config (Runs: Use config).");
  }
  if (r.contains("out of memory")) {
    return tr(
        "What to do: lower the batch size (or use gradient accumulation) in Setup, then "
        "start again.");
  }
  if (r.contains("not valid") || r.contains("must ")) {
    return tr(
        "What to do: fix the settings named above in Setup; Start is enabled once they "
        "are right.");
  }
  if (r.contains("folder") || r.contains("file") || r.contains("no such") ||
      r.contains("missing") || r.contains("cannot open")) {
    return tr(
        "What to do: check the folders and files named above (Setup: data folder, "
        "backbone, run store), then start again.");
  }
  return tr(
      "What to do: read the run's log for the details, fix the cause, and start again "
      "from this run's config (Runs: Use config).");
}

}  // namespace hwb
