#include "ui/plot/HeatmapPlot.h"

#include <QMenu>
#include <QToolTip>
#include <QVBoxLayout>

#include <cmath>
#include <limits>

#include "ui/plot/PlotExport.h"
#include "ui/plot/QCustomPlotInclude.h"

namespace hwb {

namespace {

// Perceptually uniform and readable in grey (viridis, sampled): QCustomPlot 2.1 has no viridis.
QCPColorGradient sequential_gradient() {
  QCPColorGradient g;
  g.clearColorStops();
  g.setColorStopAt(0.0, QColor(68, 1, 84));
  g.setColorStopAt(0.25, QColor(59, 82, 139));
  g.setColorStopAt(0.5, QColor(33, 145, 140));
  g.setColorStopAt(0.75, QColor(94, 201, 98));
  g.setColorStopAt(1.0, QColor(253, 231, 37));
  g.setNanHandling(QCPColorGradient::nhTransparent);
  return g;
}

// Blue below the centre, white at it, red above: for signed values such as cosine similarity.
QCPColorGradient diverging_gradient() {
  QCPColorGradient g;
  g.clearColorStops();
  g.setColorStopAt(0.0, QColor(33, 102, 172));
  g.setColorStopAt(0.5, QColor(247, 247, 247));
  g.setColorStopAt(1.0, QColor(178, 24, 43));
  g.setNanHandling(QCPColorGradient::nhTransparent);
  return g;
}

QSharedPointer<QCPAxisTickerText> text_ticker(const QStringList& labels) {
  auto ticker = QSharedPointer<QCPAxisTickerText>::create();
  for (int i = 0; i < labels.size(); ++i) ticker->addTick(i, labels[i]);
  ticker->setSubTickCount(0);
  return ticker;
}

}  // namespace

HeatmapPlot::HeatmapPlot(QWidget* parent)
    : QWidget(parent),
      plot_(new QCustomPlot(this)),
      map_(new QCPColorMap(plot_->xAxis, plot_->yAxis)),
      scale_(new QCPColorScale(plot_)) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(plot_);
  setMinimumSize(240, 180);

  plot_->plotLayout()->addElement(0, 1, scale_);
  scale_->setType(QCPAxis::atRight);
  map_->setColorScale(scale_);
  map_->setInterpolate(false);
  map_->setTightBoundary(false);
  map_->setGradient(sequential_gradient());
  // The colour scale keeps the height of the plot's axis rect.
  auto* group = new QCPMarginGroup(plot_);
  plot_->axisRect()->setMarginGroup(QCP::msBottom | QCP::msTop, group);
  scale_->setMarginGroup(QCP::msBottom | QCP::msTop, group);

  for (QCPAxis* axis : {plot_->xAxis, plot_->yAxis}) {
    axis->grid()->setVisible(false);
    axis->setSubTicks(false);
    axis->setTickLength(0, 3);
  }
  // Row 0 at the top, as in a table.
  plot_->yAxis->setRangeReversed(true);
  plot_->setMouseTracking(true);
  plot_->setContextMenuPolicy(Qt::CustomContextMenu);
  connect(plot_, &QCustomPlot::mouseMove, this, [this](QMouseEvent* e) { on_mouse_move(e); });
  connect(plot_, &QWidget::customContextMenuRequested, this,
          [this](const QPoint& pos) { show_context_menu(pos); });
  rebuild();
}

HeatmapPlot::~HeatmapPlot() = default;

void HeatmapPlot::setMatrix(const QStringList& columns, const QStringList& rows,
                            const std::vector<double>& values) {
  columns_ = columns;
  rows_ = rows;
  values_ = values;
  values_.resize(static_cast<std::size_t>(columns.size() * rows.size()),
                 std::numeric_limits<double>::quiet_NaN());
  rebuild();
}

void HeatmapPlot::clear() {
  setMatrix({}, {}, {});
}

void HeatmapPlot::setFixedRange(double lo, double hi, bool diverging) {
  fixed_range_ = true;
  diverging_ = diverging;
  range_lo_ = lo;
  range_hi_ = hi;
  rebuild();
}

void HeatmapPlot::clearFixedRange() {
  fixed_range_ = false;
  diverging_ = false;
  rebuild();
}

void HeatmapPlot::setAxisLabels(const QString& x, const QString& y, const QString& value) {
  plot_->xAxis->setLabel(x);
  plot_->yAxis->setLabel(y);
  scale_->axis()->setLabel(value);
  value_label_ = value;
  plot_->replot(QCustomPlot::rpQueuedReplot);
}

void HeatmapPlot::setTitle(const QString& title) {
  if (plot_->plotLayout()->rowCount() > 1) {
    if (auto* t = qobject_cast<QCPTextElement*>(plot_->plotLayout()->element(0, 0))) {
      t->setText(title);
      plot_->replot(QCustomPlot::rpQueuedReplot);
      return;
    }
  }
  plot_->plotLayout()->insertRow(0);
  plot_->plotLayout()->addElement(
      0, 0,
      new QCPTextElement(plot_, title,
                         QFont(font().family(), font().pointSize() + 1, QFont::Bold)));
  plot_->replot(QCustomPlot::rpQueuedReplot);
}

void HeatmapPlot::setEmptyText(const QString& text) {
  empty_text_ = text;
  rebuild();
}

double HeatmapPlot::value(int row, int column) const {
  if (row < 0 || column < 0 || row >= rows_.size() || column >= columns_.size()) {
    return std::numeric_limits<double>::quiet_NaN();
  }
  return values_[static_cast<std::size_t>(row * columns_.size() + column)];
}

QString HeatmapPlot::readout(int row, int column) const {
  if (row < 0 || column < 0 || row >= rows_.size() || column >= columns_.size()) return {};
  const double v = value(row, column);
  const QString number = std::isnan(v) ? tr("no value") : QString::number(v, 'g', 6);
  QString text = QStringLiteral("%1, %2: %3").arg(rows_[row], columns_[column], number);
  if (!value_label_.isEmpty()) text += QStringLiteral(" (%1)").arg(value_label_);
  return text;
}

std::pair<int, int> HeatmapPlot::cellAt(const QPoint& pixel) const {
  if (isEmpty() || !plot_->axisRect()->rect().contains(pixel)) return {-1, -1};
  const int column = static_cast<int>(std::lround(plot_->xAxis->pixelToCoord(pixel.x())));
  const int row = static_cast<int>(std::lround(plot_->yAxis->pixelToCoord(pixel.y())));
  if (row < 0 || column < 0 || row >= rows_.size() || column >= columns_.size()) return {-1, -1};
  return {row, column};
}

void HeatmapPlot::rebuild() {
  const int nx = static_cast<int>(columns_.size());
  const int ny = static_cast<int>(rows_.size());
  QCPItemText* label = nullptr;
  for (int i = 0; i < plot_->itemCount(); ++i) {
    if (plot_->item(i)->objectName() == QLatin1String("empty_text")) {
      label = qobject_cast<QCPItemText*>(plot_->item(i));
    }
  }
  if (!label) {
    label = new QCPItemText(plot_);
    label->setObjectName(QStringLiteral("empty_text"));
    label->position->setType(QCPItemPosition::ptAxisRectRatio);
    label->position->setCoords(0.5, 0.5);
    label->setColor(palette().color(QPalette::PlaceholderText));
  }
  label->setText(empty_text_);
  label->setVisible(isEmpty());
  map_->setVisible(!isEmpty());
  scale_->setVisible(!isEmpty());
  if (isEmpty()) {
    map_->data()->clear();
    plot_->xAxis->setTicker(QSharedPointer<QCPAxisTickerText>::create());
    plot_->yAxis->setTicker(QSharedPointer<QCPAxisTickerText>::create());
    plot_->replot(QCustomPlot::rpQueuedReplot);
    return;
  }
  // QCPColorMap places cells by their centres over the key/value range and draws nothing for a
  // dimension of size 1 (a zero-width range): such a dimension gets two identical cells a half
  // unit apart, which covers -0.5..0.5 like any other cell.
  const int cx = nx == 1 ? 2 : nx;
  const int cy = ny == 1 ? 2 : ny;
  const QCPRange kr = nx == 1 ? QCPRange(-0.25, 0.25) : QCPRange(0, nx - 1);
  const QCPRange vr = ny == 1 ? QCPRange(-0.25, 0.25) : QCPRange(0, ny - 1);
  auto* data = new QCPColorMapData(cx, cy, kr, vr);
  for (int ix = 0; ix < cx; ++ix) {
    for (int iy = 0; iy < cy; ++iy) {
      data->setCell(ix, iy, value(ny == 1 ? 0 : iy, nx == 1 ? 0 : ix));
    }
  }
  map_->setData(data);  // takes ownership
  map_->setGradient(diverging_ ? diverging_gradient() : sequential_gradient());
  if (fixed_range_) {
    map_->setDataRange(QCPRange(range_lo_, range_hi_));
  } else {
    map_->rescaleDataRange(true);
    // A constant matrix has a zero-width range, which QCustomPlot cannot colour.
    if (map_->dataRange().size() == 0) {
      const double v = map_->dataRange().lower;
      map_->setDataRange(QCPRange(v - 0.5, v + 0.5));
    }
  }
  plot_->xAxis->setTicker(text_ticker(columns_));
  plot_->yAxis->setTicker(text_ticker(rows_));
  int longest = 0;
  for (const QString& c : columns_) longest = std::max(longest, static_cast<int>(c.size()));
  plot_->xAxis->setTickLabelRotation(nx > 3 && longest > 6 ? -40 : 0);
  plot_->xAxis->setRange(-0.5, nx - 0.5);
  plot_->yAxis->setRange(-0.5, ny - 0.5);
  plot_->replot(QCustomPlot::rpQueuedReplot);
}

void HeatmapPlot::on_mouse_move(QMouseEvent* event) {
  const auto [row, column] = cellAt(event->pos());
  if (row < 0) {
    QToolTip::hideText();
    return;
  }
  QToolTip::showText(plot_->mapToGlobal(event->pos()), readout(row, column), plot_);
}

void HeatmapPlot::show_context_menu(const QPoint& pos) {
  QMenu menu(this);
  menu.addAction(tr("Export…"), this,
                 [this] { export_plot_interactively(this, plot_, windowTitle()); });
  menu.exec(plot_->mapToGlobal(pos));
}

}  // namespace hwb
