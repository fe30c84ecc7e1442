#include "ui/plot/CurvePlot.h"

#include <QContextMenuEvent>
#include <QMenu>
#include <QTimer>
#include <QToolTip>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <limits>

#include "ui/plot/PlotExport.h"
#include "ui/plot/QCustomPlotInclude.h"

namespace hwb {

namespace {

// Distinct on white and for the common colour-vision deficiencies (Okabe-Ito, then Tableau).
const QColor kPalette[] = {QColor(0, 114, 178),   QColor(230, 159, 0),   QColor(0, 158, 115),
                           QColor(204, 121, 167), QColor(86, 180, 233),  QColor(213, 94, 0),
                           QColor(240, 228, 66),  QColor(0, 0, 0),       QColor(148, 103, 189),
                           QColor(140, 86, 75),   QColor(127, 127, 127), QColor(188, 189, 34)};

// Waits this long after the last zoom/pan event before telling callers, so a wheel spin costs one
// store query, not twenty.
constexpr int kRangeSettleMs = 150;

// Above this many points a series is drawn with one-pixel pens (see apply_style).
constexpr int kDensePoints = 5000;
// Up to this many points a series also gets a dot at each: a line through one or two points is
// invisible or looks like a trend, and evaluations come a few at a time.
constexpr int kSparsePoints = 30;

QString format_number(double v) {
  if (std::isnan(v)) return QStringLiteral("NaN");
  return QString::number(v, 'g', 6);
}

}  // namespace

struct CurvePlot::Series {
  QString name;
  QColor colour;
  QCPGraph* raw = nullptr;
  QCPGraph* smooth = nullptr;      // null while smoothing is off
  QCPGraph* band_lower = nullptr;  // null without a band
  QCPGraph* band_upper = nullptr;  // filled down to band_lower
};

CurvePlot::CurvePlot(QWidget* parent)
    : QWidget(parent), plot_(new QCustomPlot(this)), range_timer_(new QTimer(this)) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(plot_);
  setMinimumSize(240, 160);

  plot_->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
  plot_->setNoAntialiasingOnDrag(true);
  plot_->legend->setVisible(false);
  plot_->legend->setBrush(QColor(255, 255, 255, 210));
  plot_->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignRight);
  plot_->setContextMenuPolicy(Qt::CustomContextMenu);
  plot_->setMouseTracking(true);

  range_timer_->setSingleShot(true);
  range_timer_->setInterval(kRangeSettleMs);
  connect(range_timer_, &QTimer::timeout, this,
          [this] { Q_EMIT visibleRangeChanged(xLower(), xUpper()); });
  connect(plot_->xAxis, qOverload<const QCPRange&>(&QCPAxis::rangeChanged), this,
          [this] { on_x_range_changed(); });
  connect(plot_->yAxis, qOverload<const QCPRange&>(&QCPAxis::rangeChanged), this, [this] {
    if (!programmatic_range_) user_view_ = true;
  });
  connect(plot_, &QCustomPlot::mouseDoubleClick, this, [this](QMouseEvent*) { resetView(); });
  connect(plot_, &QCustomPlot::mouseMove, this, [this](QMouseEvent* e) { on_mouse_move(e); });
  connect(plot_, &QWidget::customContextMenuRequested, this,
          [this](const QPoint& pos) { show_context_menu(pos); });
}

CurvePlot::~CurvePlot() = default;

CurvePlot::Series* CurvePlot::find(const QString& name) {
  for (Series& s : series_) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

const CurvePlot::Series* CurvePlot::find(const QString& name) const {
  return const_cast<CurvePlot*>(this)->find(name);
}

void CurvePlot::setSeries(const QString& name, const QVector<double>& x, const QVector<double>& y) {
  Series* s = find(name);
  if (!s) {
    Series fresh;
    fresh.name = name;
    fresh.colour = kPalette[next_colour_++ % std::size(kPalette)];
    fresh.raw = plot_->addGraph();
    fresh.raw->setName(name);
    fresh.raw->setAdaptiveSampling(true);
    series_.push_back(fresh);
    s = &series_.back();
  }
  const int n = static_cast<int>(std::min(x.size(), y.size()));
  auto data = QSharedPointer<QCPGraphDataContainer>::create();
  QVector<QCPGraphData> points(n);
  for (int i = 0; i < n; ++i) points[i] = QCPGraphData(x[i], y[i]);
  // Steps ascend, but elapsed time can step back (a run resumed from an older checkpoint); the
  // container's binary searches need sorted keys, and a sort is only paid when needed.
  const bool sorted =
      std::is_sorted(points.begin(), points.end(),
                     [](const QCPGraphData& a, const QCPGraphData& b) { return a.key < b.key; });
  data->set(points, sorted);
  s->raw->setData(data);
  update_smoothed(*s);
  apply_style(*s);
  plot_->legend->setVisible(series_.size() > 1);
  if (!user_view_) fit_axes();
  replot();
}

void CurvePlot::removeSeries(const QString& name) {
  for (auto it = series_.begin(); it != series_.end(); ++it) {
    if (it->name != name) continue;
    if (it->smooth) plot_->removeGraph(it->smooth);
    if (it->band_upper) plot_->removeGraph(it->band_upper);
    if (it->band_lower) plot_->removeGraph(it->band_lower);
    plot_->removeGraph(it->raw);
    series_.erase(it);
    break;
  }
  plot_->legend->setVisible(series_.size() > 1);
  replot();
}

void CurvePlot::clearSeries() {
  series_.clear();
  plot_->clearGraphs();
  next_colour_ = 0;
  plot_->legend->setVisible(false);
  replot();
}

QStringList CurvePlot::seriesNames() const {
  QStringList names;
  for (const Series& s : series_) names << s.name;
  return names;
}

bool CurvePlot::hasSeries(const QString& name) const {
  return find(name) != nullptr;
}

QVector<double> CurvePlot::seriesX(const QString& name) const {
  QVector<double> out;
  if (const Series* s = find(name)) {
    for (const QCPGraphData& p : *s->raw->data()) out << p.key;
  }
  return out;
}

QVector<double> CurvePlot::seriesY(const QString& name) const {
  QVector<double> out;
  if (const Series* s = find(name)) {
    for (const QCPGraphData& p : *s->raw->data()) out << p.value;
  }
  return out;
}

namespace {

QSharedPointer<QCPGraphDataContainer> points_of(const QVector<double>& x,
                                                const QVector<double>& y) {
  auto data = QSharedPointer<QCPGraphDataContainer>::create();
  const int n = static_cast<int>(std::min(x.size(), y.size()));
  QVector<QCPGraphData> points(n);
  for (int i = 0; i < n; ++i) points[i] = QCPGraphData(x[i], y[i]);
  data->set(points, false);
  return data;
}

QVector<double> values_of(const QCPGraph* graph) {
  QVector<double> out;
  if (graph) {
    for (const QCPGraphData& p : *graph->data()) out << p.value;
  }
  return out;
}

}  // namespace

void CurvePlot::setBand(const QString& name, const QVector<double>& x, const QVector<double>& lower,
                        const QVector<double>& upper) {
  Series* s = find(name);
  if (!s) return;
  if (x.isEmpty()) {
    if (s->band_upper) plot_->removeGraph(s->band_upper);
    if (s->band_lower) plot_->removeGraph(s->band_lower);
    s->band_upper = s->band_lower = nullptr;
    replot();
    return;
  }
  if (!s->band_lower) {
    s->band_lower = plot_->addGraph();
    s->band_upper = plot_->addGraph();
    for (QCPGraph* g : {s->band_lower, s->band_upper}) {
      g->setPen(Qt::NoPen);
      g->removeFromLegend();
      // Under the curves: the band shades, the lines stay on top.
      g->setLayer(plot_->layer("background") ? plot_->layer("background") : g->layer());
    }
    QColor fill = s->colour;
    fill.setAlpha(45);
    s->band_upper->setBrush(fill);
    s->band_upper->setChannelFillGraph(s->band_lower);
  }
  s->band_lower->setData(points_of(x, lower));
  s->band_upper->setData(points_of(x, upper));
  if (!user_view_) fit_axes();
  replot();
}

QVector<double> CurvePlot::bandLower(const QString& name) const {
  const Series* s = find(name);
  return s ? values_of(s->band_lower) : QVector<double>{};
}

QVector<double> CurvePlot::bandUpper(const QString& name) const {
  const Series* s = find(name);
  return s ? values_of(s->band_upper) : QVector<double>{};
}

QColor CurvePlot::seriesColor(const QString& name) const {
  const Series* s = find(name);
  return s ? s->colour : QColor();
}

QVector<double> CurvePlot::smoothedY(const QString& name) const {
  QVector<double> out;
  if (const Series* s = find(name); s && s->smooth) {
    for (const QCPGraphData& p : *s->smooth->data()) out << p.value;
  }
  return out;
}

std::vector<double> CurvePlot::exponential_moving_average(const QVector<double>& y, double weight) {
  // TensorBoard's smoothing: a debiased EMA, so the first points are not dragged towards 0.
  // NaN points (a diverged loss) pass through as gaps and do not poison what follows.
  std::vector<double> out(static_cast<std::size_t>(y.size()));
  double last = 0;
  double debias = 1;
  for (qsizetype i = 0; i < y.size(); ++i) {
    const double v = y[i];
    if (!std::isfinite(v)) {
      out[static_cast<std::size_t>(i)] = v;
      continue;
    }
    last = last * weight + (1 - weight) * v;
    debias *= weight;
    out[static_cast<std::size_t>(i)] = weight == 0 ? v : last / (1 - debias);
  }
  return out;
}

void CurvePlot::update_smoothed(Series& s) {
  if (!smoothing_) {
    if (s.smooth) plot_->removeGraph(s.smooth);
    s.smooth = nullptr;
    return;
  }
  if (!s.smooth) {
    s.smooth = plot_->addGraph();
    s.smooth->setName(s.name + tr(" (smoothed)"));
    s.smooth->removeFromLegend();
  }
  QVector<double> keys;
  QVector<double> values;
  keys.reserve(s.raw->data()->size());
  values.reserve(s.raw->data()->size());
  for (const QCPGraphData& p : *s.raw->data()) {
    keys << p.key;
    values << p.value;
  }
  const std::vector<double> ema = exponential_moving_average(values, smoothing_weight_);
  auto data = QSharedPointer<QCPGraphDataContainer>::create();
  QVector<QCPGraphData> points(keys.size());
  for (qsizetype i = 0; i < keys.size(); ++i) {
    points[i] = QCPGraphData(keys[i], ema[static_cast<std::size_t>(i)]);
  }
  data->set(points, true);
  s.smooth->setData(data);
}

void CurvePlot::apply_style(Series& s) {
  // Wider than one pixel, a pen goes through QPainter's path stroker, which takes seconds on the
  // zig-zag of a densely sampled curve; one-pixel pens take the fast cosmetic line path.
  const bool dense = s.raw->data()->size() > kDensePoints;
  QColor raw = s.colour;
  if (s.smooth) raw.setAlpha(70);
  s.raw->setPen(QPen(raw, dense ? 1.0 : 1.5));
  s.raw->setScatterStyle(s.raw->data()->size() <= kSparsePoints
                             ? QCPScatterStyle(QCPScatterStyle::ssDisc, 5)
                             : QCPScatterStyle(QCPScatterStyle::ssNone));
  if (s.smooth) s.smooth->setPen(QPen(s.colour, dense ? 1.0 : 2.0));
}

void CurvePlot::setTitle(const QString& title) {
  title_ = title;
  if (plot_->plotLayout()->rowCount() > 1) {
    if (auto* t = qobject_cast<QCPTextElement*>(plot_->plotLayout()->element(0, 0))) {
      t->setText(title);
      replot();
      return;
    }
  }
  plot_->plotLayout()->insertRow(0);
  auto* text =
      new QCPTextElement(plot_, title, QFont(font().family(), font().pointSize() + 1, QFont::Bold));
  plot_->plotLayout()->addElement(0, 0, text);
  replot();
}

void CurvePlot::setAxisLabels(const QString& x, const QString& y) {
  plot_->xAxis->setLabel(x);
  plot_->yAxis->setLabel(y);
  replot();
}

void CurvePlot::setEmptyText(const QString& text) {
  empty_text_ = text;
  replot();
}

void CurvePlot::setLogScale(bool on) {
  if (on == log_scale_) return;
  log_scale_ = on;
  if (on) {
    plot_->yAxis->setScaleType(QCPAxis::stLogarithmic);
    plot_->yAxis->setTicker(QSharedPointer<QCPAxisTickerLog>::create());
  } else {
    plot_->yAxis->setScaleType(QCPAxis::stLinear);
    plot_->yAxis->setTicker(QSharedPointer<QCPAxisTicker>::create());
  }
  fit_axes();
  replot();
  Q_EMIT logScaleChanged(on);
}

void CurvePlot::setSmoothing(bool on, double weight) {
  weight = std::clamp(weight, 0.0, 0.999);
  if (on == smoothing_ && weight == smoothing_weight_) return;
  smoothing_ = on;
  smoothing_weight_ = weight;
  for (Series& s : series_) {
    update_smoothed(s);
    apply_style(s);
  }
  replot();
  Q_EMIT smoothingChanged(on, weight);
}

void CurvePlot::fit_axes() {
  programmatic_range_ = true;
  bool found_x = false;
  bool found_y = false;
  QCPRange x_range;
  QCPRange y_range;
  // In log scale only positive values can be drawn; the range must ignore the others.
  const QCP::SignDomain domain = log_scale_ ? QCP::sdPositive : QCP::sdBoth;
  for (const Series& s : series_) {
    bool ok = false;
    const QCPRange kr = s.raw->getKeyRange(ok, domain);
    if (ok) {
      x_range = found_x
                    ? QCPRange(std::min(x_range.lower, kr.lower), std::max(x_range.upper, kr.upper))
                    : kr;
      found_x = true;
    }
    // A band counts too: its spread is part of what is shown.
    for (const QCPGraph* g : {s.raw, s.band_lower, s.band_upper}) {
      if (!g) continue;
      const QCPRange vr = g->getValueRange(ok, domain);
      if (ok) {
        y_range =
            found_y ? QCPRange(std::min(y_range.lower, vr.lower), std::max(y_range.upper, vr.upper))
                    : vr;
        found_y = true;
      }
    }
  }
  if (found_x) {
    // A small margin keeps markers at the first and last point (evaluation dots) whole.
    // One x value (a single evaluation) gets a tenth of itself either side, not half a step.
    const double pad =
        x_range.size() > 0 ? x_range.size() * 0.02 : std::max(1.0, std::abs(x_range.lower) * 0.1);
    plot_->xAxis->setRange(QCPRange(x_range.lower - pad, x_range.upper + pad));
  }
  if (found_y) {
    if (log_scale_) {
      y_range = QCPRange(y_range.lower / 1.2, y_range.upper * 1.2);
    } else {
      const double pad = y_range.size() > 0 ? y_range.size() * 0.05
                                            : std::max(1e-9, std::abs(y_range.lower) * 0.05 + 0.5);
      y_range = QCPRange(y_range.lower - pad, y_range.upper + pad);
    }
    plot_->yAxis->setRange(y_range);
  }
  programmatic_range_ = false;
}

void CurvePlot::resetView() {
  user_view_ = false;
  fit_axes();
  replot();
  range_timer_->start();
}

void CurvePlot::setXRange(double lo, double hi) {
  user_view_ = true;
  plot_->xAxis->setRange(lo, hi);
  replot();
}

double CurvePlot::xLower() const {
  return plot_->xAxis->range().lower;
}
double CurvePlot::xUpper() const {
  return plot_->xAxis->range().upper;
}

void CurvePlot::on_x_range_changed() {
  if (programmatic_range_) return;
  user_view_ = true;
  range_timer_->start();
}

QStringList CurvePlot::readoutAt(double x) const {
  QStringList lines;
  for (const Series& s : series_) {
    const QSharedPointer<QCPGraphDataContainer> data = s.raw->data();
    if (data->isEmpty()) continue;
    auto it = data->findBegin(x, false);
    if (it == data->constEnd()) --it;
    // findBegin gives the first point at or after x; the one before may be nearer.
    if (it != data->constBegin()) {
      auto before = it - 1;
      if (std::abs(before->key - x) <= std::abs(it->key - x)) it = before;
    }
    const int index = static_cast<int>(it - data->constBegin());
    QString line = QStringLiteral("%1: x = %2, y = %3")
                       .arg(s.name, format_number(it->key), format_number(it->value));
    if (s.smooth && index < s.smooth->data()->size()) {
      line += tr(" (smoothed %1)").arg(format_number(s.smooth->data()->at(index)->value));
    }
    lines << line;
  }
  return lines;
}

void CurvePlot::on_mouse_move(QMouseEvent* event) {
  if (series_.empty() || (event->buttons() != Qt::NoButton)) return;
  if (!plot_->axisRect()->rect().contains(event->pos())) {
    QToolTip::hideText();
    return;
  }
  const double x = plot_->xAxis->pixelToCoord(event->pos().x());
  const QStringList lines = readoutAt(x);
  if (lines.isEmpty()) return;
  QToolTip::showText(plot_->mapToGlobal(event->pos()), lines.join('\n'), plot_);
}

void CurvePlot::show_context_menu(const QPoint& pos) {
  QMenu menu(this);
  menu.addAction(tr("Reset view"), this, [this] { resetView(); });
  QAction* log = menu.addAction(tr("Logarithmic y axis"));
  log->setCheckable(true);
  log->setChecked(log_scale_);
  connect(log, &QAction::toggled, this, [this](bool on) { setLogScale(on); });
  QAction* smooth = menu.addAction(tr("Smoothed curves"));
  smooth->setCheckable(true);
  smooth->setChecked(smoothing_);
  connect(smooth, &QAction::toggled, this,
          [this](bool on) { setSmoothing(on, smoothing_weight_); });
  menu.addSeparator();
  menu.addAction(tr("Export…"), this, [this] {
    export_plot_interactively(this, plot_, windowTitle().isEmpty() ? title_ : windowTitle());
  });
  menu.exec(plot_->mapToGlobal(pos));
}

void CurvePlot::replot() {
  // The empty-state text lives in the plot so exports show it too.
  QCPItemText* label = nullptr;
  for (int i = 0; i < plot_->itemCount(); ++i) {
    if (plot_->item(i)->objectName() == QLatin1String("empty_text")) {
      label = qobject_cast<QCPItemText*>(plot_->item(i));
    }
  }
  const bool empty = series_.empty() && !empty_text_.isEmpty();
  if (empty && !label) {
    label = new QCPItemText(plot_);
    label->setObjectName(QStringLiteral("empty_text"));
    label->position->setType(QCPItemPosition::ptAxisRectRatio);
    label->position->setCoords(0.5, 0.5);
    label->setColor(palette().color(QPalette::PlaceholderText));
  }
  if (label) {
    label->setText(empty_text_);
    label->setVisible(empty);
  }
  // Queued: many updates in one event-loop turn cost one repaint (STYLE.md 12).
  plot_->replot(QCustomPlot::rpQueuedReplot);
}

}  // namespace hwb
