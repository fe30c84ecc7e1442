#include "ui/plot/PlotExport.h"

#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QMessageBox>
#include <QRegularExpression>
#include <QSettings>
#include <QSvgGenerator>

#include "ui/plot/QCustomPlotInclude.h"

namespace hwb {

namespace {

QSize export_size(QCustomPlot* plot, int width, int height) {
  // A plot never shown has no real size yet: a common figure size then.
  const QSize on_screen = plot->isVisible() ? plot->size() : QSize(800, 500);
  return QSize(width > 0 ? width : std::max(on_screen.width(), 320),
               height > 0 ? height : std::max(on_screen.height(), 240));
}

QString written_or_reason(const QString& file, bool ok) {
  const QFileInfo info(file);
  if (!ok || !info.exists() || info.size() == 0) {
    return QObject::tr("Could not write '%1': check that the folder exists and is writable")
        .arg(QDir::toNativeSeparators(file));
  }
  return {};
}

}  // namespace

QString save_plot_png(QCustomPlot* plot, const QString& file, int width, int height) {
  const QSize size = export_size(plot, width, height);
  return written_or_reason(file, plot->savePng(file, size.width(), size.height()));
}

QString save_plot_svg(QCustomPlot* plot, const QString& file, int width, int height) {
  const QSize size = export_size(plot, width, height);
  {
    QSvgGenerator generator;
    generator.setFileName(file);
    generator.setSize(size);
    generator.setViewBox(QRect(QPoint(0, 0), size));
    generator.setTitle(plot->windowTitle());
    QCPPainter painter;
    if (!painter.begin(&generator)) return written_or_reason(file, false);
    plot->toPainter(&painter, size.width(), size.height());
    painter.end();
  }  // the generator flushes and closes the file when it goes away
  return written_or_reason(file, true);
}

QString save_plot_pdf(QCustomPlot* plot, const QString& file, int width, int height) {
  const QSize size = export_size(plot, width, height);
  return written_or_reason(file, plot->savePdf(file, size.width(), size.height()));
}

QString save_plot(QCustomPlot* plot, const QString& file, int width, int height) {
  const QString suffix = QFileInfo(file).suffix().toLower();
  if (suffix == QLatin1String("png")) return save_plot_png(plot, file, width, height);
  if (suffix == QLatin1String("svg")) return save_plot_svg(plot, file, width, height);
  if (suffix == QLatin1String("pdf")) return save_plot_pdf(plot, file, width, height);
  return QObject::tr("Cannot export to '%1': choose a file ending in .png, .svg or .pdf")
      .arg(QFileInfo(file).fileName());
}

void export_plot_interactively(QWidget* parent, QCustomPlot* plot, const QString& suggested_name) {
  QSettings settings;
  const QString folder =
      settings.value(QStringLiteral("export/folder"), QDir::homePath()).toString();
  QString base = suggested_name.isEmpty() ? QStringLiteral("plot") : suggested_name;
  base.replace(QRegularExpression(QStringLiteral("[^A-Za-z0-9._-]+")), QStringLiteral("_"));
  QString selected = QObject::tr("PNG image (*.png)");
  const QString file = QFileDialog::getSaveFileName(
      parent, QObject::tr("Export plot"), QDir(folder).filePath(base + QStringLiteral(".png")),
      QObject::tr("PNG image (*.png);;SVG image (*.svg);;PDF document (*.pdf)"), &selected);
  if (file.isEmpty()) return;
  settings.setValue(QStringLiteral("export/folder"), QFileInfo(file).absolutePath());
  QString target = file;
  if (QFileInfo(file).suffix().isEmpty()) {
    // The dialog does not always add the chosen filter's suffix (non-native dialogs).
    target += selected.contains(QLatin1String("svg"))   ? QStringLiteral(".svg")
              : selected.contains(QLatin1String("pdf")) ? QStringLiteral(".pdf")
                                                        : QStringLiteral(".png");
  }
  const QString error = save_plot(plot, target);
  if (!error.isEmpty()) QMessageBox::warning(parent, QObject::tr("Export failed"), error);
}

}  // namespace hwb
