#include "ui/run/RunLogDialog.h"

#include <QDateTime>
#include <QDialogButtonBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScrollBar>
#include <QVBoxLayout>

#include "core/store/RunStoreReader.h"

namespace hwb {

RunLogDialog::RunLogDialog(const RunRef& run, QWidget* parent)
    : QDialog(parent), run_(run), text_(new QPlainTextEdit(this)) {
  setObjectName("run_log");
  setWindowTitle(tr("Log of %1").arg(run.label));
  text_->setReadOnly(true);
  text_->setLineWrapMode(QPlainTextEdit::NoWrap);
  text_->setFont(QFont("monospace"));
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
  auto* reload = buttons->addButton(tr("Refresh"), QDialogButtonBox::ActionRole);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
  connect(reload, &QPushButton::clicked, this, &RunLogDialog::refresh);
  auto* layout = new QVBoxLayout(this);
  layout->addWidget(text_);
  layout->addWidget(buttons);
  resize(900, 500);
  refresh();
}

QString RunLogDialog::text() const {
  return text_->toPlainText();
}

void RunLogDialog::refresh() {
  QStringList lines;
  try {
    for (const EventRow& e : run_.store->events(run_.run)) {
      lines << QString("%1  %2  %3")
                   .arg(QDateTime::fromMSecsSinceEpoch(e.wall_ms).toString("yyyy-MM-dd hh:mm:ss"),
                        QString::fromStdString(e.level).leftJustified(7),
                        QString::fromStdString(e.message));
    }
    if (const auto info = run_.store->run(run_.run)) {
      lines << QString("-- status: %1").arg(QString::fromStdString(info->status));
      if (!info->message.empty()) lines << "-- " + QString::fromStdString(info->message);
    }
  } catch (const std::exception& e) {
    lines << tr("Could not read the log: %1").arg(QString::fromStdString(e.what()));
  }
  text_->setPlainText(lines.join('\n'));
  text_->verticalScrollBar()->setValue(text_->verticalScrollBar()->maximum());
}

}  // namespace hwb
