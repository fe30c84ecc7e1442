#pragma once

#include <QWidget>

#include <optional>
#include <utility>

#include "ui/common/RunRef.h"

class QCheckBox;
class QLabel;
class QSlider;

namespace hwb {

class CurvePlot;

// The live monitor of one run: training loss (raw and smoothed, per task too), learning rate,
// throughput, and the evaluation curves (each task's metrics and the average score). Everything
// is read from the run store, down-sampled (RunStoreReader::scalar_series with max_points), so a
// run from yesterday or a headless GPU run looks the same as a live one, and a million-point
// curve stays smooth to zoom: zooming in re-reads just the visible steps at full resolution.
class LiveView : public QWidget {
  Q_OBJECT

 public:
  explicit LiveView(QWidget* parent = nullptr);

  void showRun(const RunRef& run);
  const RunRef& run() const { return run_; }

  CurvePlot* lossPlot() const { return loss_; }
  CurvePlot* learningRatePlot() const { return learning_rate_; }
  CurvePlot* throughputPlot() const { return throughput_; }
  CurvePlot* metricsPlot() const { return metrics_; }

  // The loss smoothing in percent (0..99) and the loss plot's log scale, for QSettings.
  int smoothingPercent() const;
  void setSmoothingPercent(int percent);
  bool logLoss() const;
  void setLogLoss(bool on);

  // Points per curve asked of the store (2,000 by default: about one per pixel column).
  void setMaxPoints(std::size_t points) { max_points_ = points; }

 public Q_SLOTS:
  // Re-reads the run's curves (the store watcher calls this when something was written).
  void refresh();

 private:
  // Reads one scalar curve (over the plot's zoomed steps, when zoomed) into the plot.
  void load_scalar(CurvePlot* plot, const std::string& tag, const QString& series);
  void load_scalars(CurvePlot* plot);
  void load_metrics();
  void on_smoothing_moved(int value);

  RunRef run_;
  std::size_t max_points_ = 2000;
  QLabel* title_;
  QSlider* smoothing_;
  QLabel* smoothing_value_;
  QCheckBox* log_loss_;
  CurvePlot* loss_;
  CurvePlot* learning_rate_;
  CurvePlot* throughput_;
  CurvePlot* metrics_;
};

}  // namespace hwb
