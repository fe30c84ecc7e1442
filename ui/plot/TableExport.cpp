#include "ui/plot/TableExport.h"

#include <QAbstractItemModel>
#include <QApplication>
#include <QClipboard>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QHeaderView>
#include <QMenu>
#include <QMessageBox>
#include <QRegularExpression>
#include <QSaveFile>
#include <QSettings>
#include <QTableView>

#include <vector>

namespace hwb {

namespace {

QString csv_field(const QString& text) {
  if (!text.contains(QLatin1Char(',')) && !text.contains(QLatin1Char('"')) &&
      !text.contains(QLatin1Char('\n')) && !text.contains(QLatin1Char('\r'))) {
    return text;
  }
  QString quoted = text;
  quoted.replace(QLatin1String("\""), QLatin1String("\"\""));
  return QLatin1Char('"') + quoted + QLatin1Char('"');
}

QString csv_of(const QAbstractItemModel& model, const std::vector<int>& columns) {
  QString out;
  auto append_row = [&out](const QStringList& fields) {
    out += fields.join(QLatin1Char(','));
    out += QLatin1String("\r\n");
  };
  QStringList header;
  for (int c : columns) {
    header << csv_field(model.headerData(c, Qt::Horizontal, Qt::DisplayRole).toString());
  }
  append_row(header);
  for (int r = 0; r < model.rowCount(); ++r) {
    QStringList fields;
    for (int c : columns) fields << csv_field(model.index(r, c).data(Qt::DisplayRole).toString());
    append_row(fields);
  }
  return out;
}

QString write_utf8(const QString& text, const QString& file) {
  QSaveFile out(file);
  if (!out.open(QIODevice::WriteOnly) || out.write(text.toUtf8()) < 0 || !out.commit()) {
    return QObject::tr("Could not write '%1': %2")
        .arg(QDir::toNativeSeparators(file), out.errorString());
  }
  return {};
}

}  // namespace

QString table_to_csv(const QAbstractItemModel& model) {
  std::vector<int> columns;
  for (int c = 0; c < model.columnCount(); ++c) columns.push_back(c);
  return csv_of(model, columns);
}

QString table_to_csv(const QTableView& view) {
  if (!view.model()) return {};
  // Visual order, so a person who dragged columns around gets what they see.
  std::vector<int> columns;
  const QHeaderView* header = view.horizontalHeader();
  for (int visual = 0; visual < header->count(); ++visual) {
    const int logical = header->logicalIndex(visual);
    if (!view.isColumnHidden(logical)) columns.push_back(logical);
  }
  return csv_of(*view.model(), columns);
}

QString save_table_csv(const QAbstractItemModel& model, const QString& file) {
  return write_utf8(table_to_csv(model), file);
}

QString save_table_csv(const QTableView& view, const QString& file) {
  return write_utf8(table_to_csv(view), file);
}

void export_table_interactively(QWidget* parent, const QTableView& view,
                                const QString& suggested_name) {
  QSettings settings;
  const QString folder =
      settings.value(QStringLiteral("export/folder"), QDir::homePath()).toString();
  QString base = suggested_name.isEmpty() ? QStringLiteral("table") : suggested_name;
  base.replace(QRegularExpression(QStringLiteral("[^A-Za-z0-9._-]+")), QStringLiteral("_"));
  QString file = QFileDialog::getSaveFileName(parent, QObject::tr("Export table"),
                                              QDir(folder).filePath(base + QStringLiteral(".csv")),
                                              QObject::tr("CSV file (*.csv)"));
  if (file.isEmpty()) return;
  if (QFileInfo(file).suffix().isEmpty()) file += QStringLiteral(".csv");
  settings.setValue(QStringLiteral("export/folder"), QFileInfo(file).absolutePath());
  const QString error = save_table_csv(view, file);
  if (!error.isEmpty()) QMessageBox::warning(parent, QObject::tr("Export failed"), error);
}

void install_table_export_menu(QTableView* view, const QString& suggested_name) {
  view->setContextMenuPolicy(Qt::CustomContextMenu);
  QObject::connect(
      view, &QWidget::customContextMenuRequested, view, [view, suggested_name](const QPoint& pos) {
        QMenu menu(view);
        menu.addAction(QObject::tr("Copy as CSV"), view,
                       [view] { QApplication::clipboard()->setText(table_to_csv(*view)); });
        menu.addAction(QObject::tr("Export CSV…"), view, [view, suggested_name] {
          export_table_interactively(view, *view, suggested_name);
        });
        menu.exec(view->viewport()->mapToGlobal(pos));
      });
}

}  // namespace hwb
