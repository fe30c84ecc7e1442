#include "ui/AboutDialog.h"

#include <QDialogButtonBox>
#include <QLabel>
#include <QStringList>
#include <QVBoxLayout>
#include <QtGlobal>

#include "core/model/ComputeDevices.h"
#include "core/util/BuildInfo.h"

namespace hwb {
namespace {

QString row(const QString& name, const QString& value) {
  return QString("<tr><td><b>%1</b></td><td>%2</td></tr>").arg(name.toHtmlEscaped(), value);
}

QString cuda_text(bool libtorch_has_cuda) {
  QStringList gpus;
  for (const ComputeDevice& device : detect_compute_devices()) {
    if (device.id == "cpu") continue;
    QString line = QString("%1: %2").arg(QString::fromStdString(device.id),
                                         QString::fromStdString(device.name).toHtmlEscaped());
    if (device.memory_bytes > 0) {
      line += QObject::tr(" (%1 GiB)")
                  .arg(static_cast<double>(device.memory_bytes) / (1024.0 * 1024.0 * 1024.0), 0,
                       'f', 0);
    }
    gpus << line;
  }
  if (!gpus.isEmpty()) return QObject::tr("available: %1").arg(gpus.join("<br>"));
  return libtorch_has_cuda ? QObject::tr("not available (no GPU found)")
                           : QObject::tr("not available (this LibTorch is built for the CPU only)");
}

}  // namespace

AboutDialog::AboutDialog(QWidget* parent) : QDialog(parent) {
  setObjectName("about");
  setWindowTitle(tr("About Hyperformer Workbench"));
  auto* label = new QLabel(text());
  label->setObjectName("about_text");
  label->setTextFormat(Qt::RichText);
  label->setTextInteractionFlags(Qt::TextSelectableByMouse);
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
  auto* layout = new QVBoxLayout(this);
  layout->addWidget(label);
  layout->addWidget(buttons);
}

QString AboutDialog::text() {
  const BuildInfo info = build_info();
  // Qt is loaded at run time: the version it runs on may be newer than the one it was built with.
  QString qt = QString::fromLatin1(qVersion());
  if (qt != QLatin1String(QT_VERSION_STR)) qt += tr(" (built with %1)").arg(QT_VERSION_STR);
  QString html =
      QString("<h3>Hyperformer Workbench %1</h3>").arg(QString::fromStdString(info.program));
  html += tr("<p>Multi-task T5 fine-tuning with shared hypernetworks.</p>");
  html += "<table cellspacing=\"4\">";
  html += row("Qt", qt);
  html += row("LibTorch", QString::fromStdString(info.libtorch));
  html += row("SQLite", QString::fromStdString(info.sqlite));
  html += row("SentencePiece", QString::fromStdString(info.sentencepiece));
  html += row("CUDA", cuda_text(info.libtorch_has_cuda));
  html += "</table>";
  return html;
}

}  // namespace hwb
