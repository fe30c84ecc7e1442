#pragma once

#include <QString>

class QAbstractItemModel;
class QTableView;
class QWidget;

namespace hwb {

// A table model as CSV (RFC 4180): a header row from the horizontal header, then one row per model
// row, the display text of each cell; fields with a comma, quote or line break are quoted, quotes
// doubled. Lines end with "\r\n" as the RFC asks, so spreadsheets read it the same everywhere.
QString table_to_csv(const QAbstractItemModel& model);
// The view's model as the person sees it: its sort order and only the columns not hidden.
QString table_to_csv(const QTableView& view);

// Writes UTF-8 CSV; returns an empty string on success, otherwise why it failed.
QString save_table_csv(const QAbstractItemModel& model, const QString& file);
QString save_table_csv(const QTableView& view, const QString& file);

// Asks for a file name and saves; failures are shown in a message box.
void export_table_interactively(QWidget* parent, const QTableView& view,
                                const QString& suggested_name);
// Adds "Export CSV…" (and "Copy") to the view's context menu.
void install_table_export_menu(QTableView* view, const QString& suggested_name);

}  // namespace hwb
