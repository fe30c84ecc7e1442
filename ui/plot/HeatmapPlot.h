#pragma once

#include <QString>
#include <QStringList>
#include <QWidget>

#include <vector>

class QCPColorMap;
class QCPColorScale;
class QCustomPlot;
class QMouseEvent;

namespace hwb {

// A matrix of values as coloured cells with named rows and columns (layer x task, task x task),
// a colour scale beside it, and the cell under the mouse read out in a tooltip. Cells without a
// value (NaN) are left blank.
class HeatmapPlot : public QWidget {
  Q_OBJECT

 public:
  explicit HeatmapPlot(QWidget* parent = nullptr);
  ~HeatmapPlot() override;

  // values: row-major, rows.size() x columns.size(). Columns run along x, rows along y (the first
  // row at the top, as in a table).
  void setMatrix(const QStringList& columns, const QStringList& rows,
                 const std::vector<double>& values);
  void clear();
  // A fixed colour range (e.g. -1..1 for cosine similarity, with a diverging gradient); without
  // one the range follows the data.
  void setFixedRange(double lo, double hi, bool diverging);
  void clearFixedRange();
  void setAxisLabels(const QString& x, const QString& y, const QString& value);
  void setTitle(const QString& title);
  // Shown instead of cells when there is no matrix.
  void setEmptyText(const QString& text);

  QStringList columns() const { return columns_; }
  QStringList rows() const { return rows_; }
  // NaN outside the matrix or for a blank cell.
  double value(int row, int column) const;
  // "row label, column label: value", what the tooltip says for that cell; empty outside.
  QString readout(int row, int column) const;
  // The cell under a pixel of the plot widget, or {-1, -1}.
  std::pair<int, int> cellAt(const QPoint& pixel) const;
  bool isEmpty() const { return columns_.isEmpty() || rows_.isEmpty(); }

  QCustomPlot* customPlot() const { return plot_; }

 private:
  void rebuild();
  void on_mouse_move(QMouseEvent* event);
  void show_context_menu(const QPoint& pos);

  QCustomPlot* plot_;
  QCPColorMap* map_;
  QCPColorScale* scale_;
  QStringList columns_;
  QStringList rows_;
  std::vector<double> values_;
  bool fixed_range_ = false;
  bool diverging_ = false;
  double range_lo_ = 0;
  double range_hi_ = 1;
  QString value_label_;
  QString empty_text_;
};

}  // namespace hwb
