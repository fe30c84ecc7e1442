#include "ui/study/ResultsTableWidget.h"

#include <QStringList>
#include <QTableWidget>

#include "core/study/ResultsTable.h"

namespace hwb {

void show_results_table(QTableWidget* view, const ResultsTable& table) {
  view->clear();
  view->setRowCount(0);
  view->setColumnCount(0);
  if (table.rows.empty()) return;
  const auto rows = results_cells(table);
  QStringList header;
  for (const std::string& h : rows.front()) header << QString::fromStdString(h);
  view->setColumnCount(static_cast<int>(header.size()));
  view->setHorizontalHeaderLabels(header);
  view->setRowCount(static_cast<int>(rows.size() - 1));
  for (std::size_t r = 1; r < rows.size(); ++r) {
    for (std::size_t c = 0; c < rows[r].size(); ++c) {
      auto* item = new QTableWidgetItem(QString::fromStdString(rows[r][c]));
      item->setFlags(item->flags() & ~Qt::ItemIsEditable);
      view->setItem(static_cast<int>(r - 1), static_cast<int>(c), item);
    }
  }
  view->resizeColumnsToContents();
}

}  // namespace hwb
