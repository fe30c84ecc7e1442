#pragma once

#include <QColor>
#include <QString>
#include <QStringList>
#include <QVector>
#include <QWidget>

#include <vector>

class QCPGraph;
class QCustomPlot;
class QMouseEvent;
class QTimer;

namespace hwb {

// One zoomable, pannable chart of named curves (loss, learning rate, per-task metrics, ...).
// Callers hand it already down-sampled points (RunStoreReader::scalar_series with max_points)
// and re-query when the person zooms in: visibleRangeChanged says which x range is now shown.
// Each series may get a smoothed companion (an exponential moving average, TensorBoard-style);
// with smoothing on, the raw curve is drawn faint under it.
class CurvePlot : public QWidget {
  Q_OBJECT

 public:
  explicit CurvePlot(QWidget* parent = nullptr);
  ~CurvePlot() override;

  // Adds the series, or replaces its points when the name exists (colour kept). x is normally
  // ascending (steps, elapsed time) and is sorted when not; NaN y values leave a gap.
  void setSeries(const QString& name, const QVector<double>& x, const QVector<double>& y);
  void removeSeries(const QString& name);
  void clearSeries();
  QStringList seriesNames() const;
  bool hasSeries(const QString& name) const;
  // The points as stored (raw, not smoothed); empty for an unknown name.
  QVector<double> seriesX(const QString& name) const;
  QVector<double> seriesY(const QString& name) const;
  QColor seriesColor(const QString& name) const;
  // A shaded band around an existing series (a spread over seeds: lower and upper at each x),
  // in the series' colour; empty vectors remove it. Removed with the series.
  void setBand(const QString& name, const QVector<double>& x, const QVector<double>& lower,
               const QVector<double>& upper);
  // The band's lower and upper values as stored; empty when the series has none.
  QVector<double> bandLower(const QString& name) const;
  QVector<double> bandUpper(const QString& name) const;

  void setTitle(const QString& title);
  void setAxisLabels(const QString& x, const QString& y);
  // Shown centred on an empty plot, e.g. "No evaluations yet".
  void setEmptyText(const QString& text);

  void setLogScale(bool on);
  bool logScale() const { return log_scale_; }

  // weight in [0, 1): 0 is no smoothing, 0.99 very smooth.
  void setSmoothing(bool on, double weight);
  bool smoothing() const { return smoothing_; }
  double smoothingWeight() const { return smoothing_weight_; }
  // The smoothed companion of a series as drawn (empty when smoothing is off).
  QVector<double> smoothedY(const QString& name) const;

  // Fits both axes to all data and forgets any zoom.
  void resetView();
  // True once the person zoomed or panned; new data then keeps their view.
  bool userView() const { return user_view_; }
  void setXRange(double lo, double hi);
  double xLower() const;
  double xUpper() const;

  // The hover read-out at plot x coordinate `x`: one line per series with its nearest point.
  QStringList readoutAt(double x) const;

  // The underlying plot, for export and for tests.
  QCustomPlot* customPlot() const { return plot_; }

  static std::vector<double> exponential_moving_average(const QVector<double>& y, double weight);

 Q_SIGNALS:
  // The person zoomed, panned or reset the view; emitted once the view has settled.
  void visibleRangeChanged(double lo, double hi);
  void logScaleChanged(bool on);
  void smoothingChanged(bool on, double weight);

 private:
  struct Series;

  void update_smoothed(Series& s);
  void apply_style(Series& s);
  void fit_axes();
  void replot();
  void on_mouse_move(QMouseEvent* event);
  void on_x_range_changed();
  void show_context_menu(const QPoint& pos);
  Series* find(const QString& name);
  const Series* find(const QString& name) const;

  QCustomPlot* plot_;
  QTimer* range_timer_;
  std::vector<Series> series_;
  int next_colour_ = 0;
  bool log_scale_ = false;
  bool smoothing_ = false;
  double smoothing_weight_ = 0.6;
  bool user_view_ = false;
  bool programmatic_range_ = false;
  QString empty_text_;
  QString title_;
};

}  // namespace hwb
