#include "ui/live/LiveView.h"

#include <QCheckBox>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QSlider>
#include <QVBoxLayout>

#include <cmath>
#include <map>

#include "core/store/RunStoreReader.h"
#include "ui/plot/CurvePlot.h"

namespace hwb {
namespace {

CurvePlot* make_plot(const char* name, const QString& title, const QString& y_label,
                     const QString& empty) {
  auto* plot = new CurvePlot;
  plot->setObjectName(name);
  plot->setTitle(title);
  plot->setAxisLabels(QObject::tr("step"), y_label);
  plot->setEmptyText(empty);
  plot->setMinimumSize(320, 220);
  return plot;
}

}  // namespace

LiveView::LiveView(QWidget* parent) : QWidget(parent) {
  setObjectName("live");
  title_ = new QLabel(tr("No run selected: start one, or pick one in the run list"));
  title_->setObjectName("live_title");
  QFont bold = title_->font();
  bold.setBold(true);
  title_->setFont(bold);
  smoothing_ = new QSlider(Qt::Horizontal);
  smoothing_->setObjectName("smoothing");
  smoothing_->setRange(0, 99);
  smoothing_->setValue(60);
  smoothing_->setMaximumWidth(200);
  smoothing_->setToolTip(tr("Exponential moving average of the loss; 0 = raw only"));
  smoothing_value_ = new QLabel;
  log_loss_ = new QCheckBox(tr("Log scale"));
  log_loss_->setObjectName("log_loss");
  auto* bar = new QHBoxLayout;
  bar->addWidget(title_, 1);
  bar->addWidget(new QLabel(tr("Smoothing")));
  bar->addWidget(smoothing_);
  bar->addWidget(smoothing_value_);
  bar->addWidget(log_loss_);

  loss_ = make_plot("loss_plot", tr("Training loss"), tr("loss"), tr("No loss recorded yet"));
  learning_rate_ = make_plot("learning_rate_plot", tr("Learning rate"), tr("learning rate"),
                             tr("No learning rate recorded yet"));
  throughput_ = make_plot("throughput_plot", tr("Throughput"), tr("examples / s"),
                          tr("No throughput recorded yet"));
  metrics_ = make_plot("metrics_plot", tr("Evaluation (validation)"), tr("score (%)"),
                       tr("No evaluation yet"));
  auto* grid = new QGridLayout;
  grid->addWidget(loss_, 0, 0);
  grid->addWidget(metrics_, 0, 1);
  grid->addWidget(learning_rate_, 1, 0);
  grid->addWidget(throughput_, 1, 1);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(bar);
  layout->addLayout(grid, 1);

  connect(smoothing_, &QSlider::valueChanged, this, &LiveView::on_smoothing_moved);
  connect(log_loss_, &QCheckBox::toggled, loss_, &CurvePlot::setLogScale);
  connect(loss_, &CurvePlot::logScaleChanged, log_loss_, [this](bool on) {
    const QSignalBlocker block(log_loss_);
    log_loss_->setChecked(on);
  });
  // Zooming in asks the store again for the visible steps only, at full resolution.
  for (CurvePlot* plot : {loss_, learning_rate_, throughput_}) {
    connect(plot, &CurvePlot::visibleRangeChanged, this, [this, plot] { load_scalars(plot); });
  }
  on_smoothing_moved(smoothing_->value());
}

void LiveView::on_smoothing_moved(int value) {
  smoothing_value_->setText(QString::number(value / 100.0, 'f', 2));
  loss_->setSmoothing(value > 0, value / 100.0);
}

int LiveView::smoothingPercent() const {
  return smoothing_->value();
}
void LiveView::setSmoothingPercent(int percent) {
  smoothing_->setValue(percent);
}
bool LiveView::logLoss() const {
  return log_loss_->isChecked();
}
void LiveView::setLogLoss(bool on) {
  log_loss_->setChecked(on);
}

void LiveView::showRun(const RunRef& run) {
  const bool same = run == run_;
  run_ = run;
  if (!same) {
    for (CurvePlot* plot : {loss_, learning_rate_, throughput_, metrics_}) {
      plot->clearSeries();
      plot->resetView();
    }
  }
  refresh();
}

void LiveView::load_scalar(CurvePlot* plot, const std::string& tag, const QString& series) {
  std::optional<std::pair<int64_t, int64_t>> range;
  if (plot->userView()) {
    range = std::make_pair(static_cast<int64_t>(std::floor(plot->xLower())),
                           static_cast<int64_t>(std::ceil(plot->xUpper())));
  }
  const std::vector<ScalarPoint> points =
      run_.store->scalar_series(run_.run, tag, max_points_, range);
  QVector<double> x, y;
  x.reserve(static_cast<qsizetype>(points.size()));
  y.reserve(static_cast<qsizetype>(points.size()));
  for (const ScalarPoint& p : points) {
    x << static_cast<double>(p.step);
    y << p.value;
  }
  plot->setSeries(series, x, y);
}

void LiveView::load_scalars(CurvePlot* plot) {
  if (!run_.store) return;
  try {
    if (plot == loss_) {
      load_scalar(loss_, "loss", "loss");
      for (const std::string& tag : run_.store->scalar_tags(run_.run)) {
        if (tag.rfind("loss/", 0) == 0) {
          load_scalar(loss_, tag, "loss " + QString::fromStdString(tag.substr(5)));
        }
      }
    } else if (plot == learning_rate_) {
      load_scalar(learning_rate_, "learning_rate", "learning rate");
    } else if (plot == throughput_) {
      load_scalar(throughput_, "examples_per_second", "examples/s");
    }
  } catch (const std::exception& e) {
    title_->setText(
        tr("Could not read the run's curves: %1").arg(QString::fromStdString(e.what())));
  }
}

void LiveView::load_metrics() {
  // Each task's metrics and the average, as curves over the evaluation steps.
  std::map<QString, std::pair<QVector<double>, QVector<double>>> curves;
  for (const MetricPoint& m : run_.store->metric_series(run_.run)) {
    if (m.split != "validation" || m.metric == "score") continue;
    const QString name =
        m.task.empty() ? tr("average") : QString::fromStdString(m.task + " " + m.metric);
    curves[name].first << static_cast<double>(m.step);
    curves[name].second << m.value;
  }
  // Evaluations are few and far apart: CurvePlot draws a dot at each point of a sparse series.
  for (const auto& [name, xy] : curves) metrics_->setSeries(name, xy.first, xy.second);
}

void LiveView::refresh() {
  if (!run_.store) return;
  std::optional<RunInfo> info;
  try {
    info = run_.store->run(run_.run);
    if (!info) {
      title_->setText(tr("Run %1 is not in this store any more").arg(run_.run));
      return;
    }
    load_metrics();
  } catch (const std::exception& e) {
    title_->setText(tr("Could not read the run: %1").arg(QString::fromStdString(e.what())));
    return;
  }
  title_->setText(tr("%1 — %2, step %3")
                      .arg(run_.label, QString::fromStdString(info->status))
                      .arg(info->last_step));
  for (CurvePlot* plot : {loss_, learning_rate_, throughput_}) load_scalars(plot);
}

}  // namespace hwb
