#include "ui/compare/CompareView.h"

#include <QCheckBox>
#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QSettings>
#include <QSignalBlocker>
#include <QSplitter>
#include <QStandardItemModel>
#include <QTabWidget>
#include <QTableView>
#include <QTableWidget>
#include <QVBoxLayout>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <set>

#include "core/store/RunStoreReader.h"
#include "core/study/ResultsTable.h"
#include "core/train/ExperimentConfig.h"
#include "core/train/ExperimentSettings.h"
#include "ui/compare/ConfigDiff.h"
#include "ui/compare/ScoreSummary.h"
#include "ui/plot/CurvePlot.h"
#include "ui/plot/PlotExport.h"
#include "ui/plot/TableExport.h"
#include "ui/study/ResultsTableWidget.h"

namespace hwb {

namespace {

// Points per curve and run: about two per pixel column of a wide plot (min/max kept).
constexpr std::size_t kCurvePoints = 2000;
// Step -> elapsed time samples, for placing evaluations on the wall-time axis.
constexpr std::size_t kClockPoints = 4000;

const char kScalarKey = 's';
const char kMetricKey = 'm';

QString metric_choice(const std::string& split, const std::string& task,
                      const std::string& metric) {
  return QStringLiteral("m\t%1\t%2\t%3")
      .arg(QString::fromStdString(split), QString::fromStdString(task),
           QString::fromStdString(metric));
}

QString metric_label(const std::string& split, const std::string& task, const std::string& metric) {
  if (task.empty())
    return QObject::tr("%1: %2").arg(QString::fromStdString(split), QString::fromStdString(metric));
  return QObject::tr("%1: %2 %3")
      .arg(QString::fromStdString(split), QString::fromStdString(task),
           QString::fromStdString(metric));
}

QString format_count(int64_t n) {
  return QLocale().toString(static_cast<qlonglong>(n));
}

QStandardItem* number_item(double value, int decimals) {
  auto* item = new QStandardItem(std::isfinite(value) ? QString::number(value, 'f', decimals)
                                                      : QStringLiteral("—"));
  item->setData(value, CompareView::kValueRole);
  item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
  return item;
}

QStandardItem* text_item(const QString& text) {
  auto* item = new QStandardItem(text);
  return item;
}

}  // namespace

struct CompareView::RunData {
  RunRef ref;
  std::optional<RunInfo> info;
  std::vector<std::string> tags;
  std::vector<MetricPoint> metrics;
  std::vector<ScalarPoint> clock;  // a down-sampled step -> elapsed-time curve
  QString error;

  // Elapsed training seconds at `step`, interpolated between recorded scalars.
  double wall_time_at(int64_t step) const {
    if (clock.empty()) return std::numeric_limits<double>::quiet_NaN();
    auto it = std::lower_bound(clock.begin(), clock.end(), step,
                               [](const ScalarPoint& p, int64_t s) { return p.step < s; });
    if (it == clock.end()) return clock.back().wall_time;
    if (it->step == step || it == clock.begin()) return it->wall_time;
    const ScalarPoint& a = *(it - 1);
    const double t = double(step - a.step) / double(it->step - a.step);
    return a.wall_time + t * (it->wall_time - a.wall_time);
  }
};

CompareView::CompareView(QWidget* parent)
    : QWidget(parent),
      run_list_(new QListWidget(this)),
      message_label_(new QLabel(this)),
      tabs_(new QTabWidget(this)),
      curve_combo_(new QComboBox(this)),
      x_axis_combo_(new QComboBox(this)),
      plot_(new CurvePlot(this)),
      scores_table_(new QTableView(this)),
      scores_model_(new QStandardItemModel(this)),
      config_table_(new QTableView(this)),
      config_model_(new QStandardItemModel(this)),
      diff_only_check_(new QCheckBox(tr("Only settings that differ"), this)) {
  run_list_->setObjectName("run_list");
  message_label_->setObjectName("message_label");
  tabs_->setObjectName("compare_tabs");
  curve_combo_->setObjectName("curve_combo");
  x_axis_combo_->setObjectName("x_axis_combo");
  plot_->setObjectName("compare_plot");
  scores_table_->setObjectName("scores_table");
  config_table_->setObjectName("config_table");
  diff_only_check_->setObjectName("diff_only_check");

  message_label_->setWordWrap(true);
  run_list_->setToolTip(tr("Tick the runs to compare"));
  curve_combo_->setSizeAdjustPolicy(QComboBox::AdjustToContents);
  x_axis_combo_->addItem(tr("Step"), QStringLiteral("step"));
  x_axis_combo_->addItem(tr("Elapsed training time"), QStringLiteral("time"));
  plot_->setEmptyText(tr("Tick two or more runs to overlay their curves"));

  // Curves tab.
  auto* curves = new QWidget(this);
  auto* curve_row = new QHBoxLayout;
  curve_row->addWidget(new QLabel(tr("Curve"), curves));
  curve_row->addWidget(curve_combo_);
  curve_row->addWidget(new QLabel(tr("x axis"), curves));
  curve_row->addWidget(x_axis_combo_);
  group_seeds_check_ = new QCheckBox(tr("Mean over seeds"), curves);
  group_seeds_check_->setObjectName("group_seeds_check");
  group_seeds_check_->setToolTip(
      tr("Runs that differ only by seed drawn as one mean line with a band of ± one standard "
         "deviation (against steps; docs/STUDIES.md)"));
  curve_row->addWidget(group_seeds_check_);
  connect(group_seeds_check_, &QCheckBox::toggled, this, [this] {
    plot_->clearSeries();
    show_curves();
  });
  curve_row->addStretch(1);
  auto* export_plot = new QPushButton(tr("Export plot…"), curves);
  export_plot->setObjectName("export_plot_button");
  curve_row->addWidget(export_plot);
  auto* curves_layout = new QVBoxLayout(curves);
  curves_layout->addLayout(curve_row);
  curves_layout->addWidget(plot_, 1);
  tabs_->addTab(curves, tr("Curves"));

  // Scores tab.
  auto* scores = new QWidget(this);
  scores_table_->setModel(scores_model_);
  scores_table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  scores_table_->setSortingEnabled(false);
  scores_table_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  scores_table_->verticalHeader()->setVisible(false);
  install_table_export_menu(scores_table_, QStringLiteral("scores"));
  auto* export_scores = new QPushButton(tr("Export CSV…"), scores);
  export_scores->setObjectName("export_scores_button");
  auto* scores_layout = new QVBoxLayout(scores);
  auto* scores_note = new QLabel(
      tr("Validation scores: final is the last evaluation, best the highest; the average is the "
         "run's own (its selection criterion)."),
      scores);
  scores_note->setWordWrap(true);
  scores_layout->addWidget(scores_note);
  scores_layout->addWidget(scores_table_, 1);
  auto* scores_buttons = new QHBoxLayout;
  scores_buttons->addStretch(1);
  scores_buttons->addWidget(export_scores);
  scores_layout->addLayout(scores_buttons);
  tabs_->addTab(scores, tr("Scores"));

  // By-seed tab: runs that differ only by seed as one row, as `hyperformer runs table` has them.
  auto* groups = new QWidget(this);
  group_split_ = new QComboBox(groups);
  group_split_->setObjectName("group_split");
  group_split_->addItem(tr("Validation (best evaluation)"), "validation");
  group_split_->addItem(tr("Test (best checkpoint)"), "test");
  groups_table_ = new QTableWidget(groups);
  groups_table_->setObjectName("groups_table");
  groups_table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  groups_table_->verticalHeader()->setVisible(false);
  groups_note_ = new QLabel(groups);
  groups_note_->setObjectName("groups_note");
  groups_note_->setWordWrap(true);
  auto* groups_row = new QHBoxLayout;
  groups_row->addWidget(new QLabel(tr("Split"), groups));
  groups_row->addWidget(group_split_);
  groups_row->addStretch(1);
  auto* groups_layout = new QVBoxLayout(groups);
  groups_layout->addWidget(new QLabel(tr("Finished runs that differ only by seed make one row: "
                                         "each task's mean ± sample spread over the seeds "
                                         "(docs/STUDIES.md)."),
                                      groups));
  groups_layout->addLayout(groups_row);
  groups_layout->addWidget(groups_table_, 1);
  groups_layout->addWidget(groups_note_);
  tabs_->addTab(groups, tr("By seed"));
  connect(group_split_, &QComboBox::currentIndexChanged, this, &CompareView::show_groups);

  // Config tab.
  auto* config = new QWidget(this);
  config_table_->setModel(config_model_);
  config_table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  config_table_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  config_table_->verticalHeader()->setVisible(false);
  install_table_export_menu(config_table_, QStringLiteral("config-diff"));
  diff_only_check_->setChecked(QSettings().value("compare/diff_only", true).toBool());
  auto* export_config = new QPushButton(tr("Export CSV…"), config);
  export_config->setObjectName("export_config_button");
  auto* config_row = new QHBoxLayout;
  config_row->addWidget(diff_only_check_);
  config_row->addStretch(1);
  config_row->addWidget(export_config);
  auto* config_layout = new QVBoxLayout(config);
  config_layout->addLayout(config_row);
  config_layout->addWidget(config_table_, 1);
  tabs_->addTab(config, tr("Config diff"));

  auto* left = new QWidget(this);
  auto* left_layout = new QVBoxLayout(left);
  left_layout->setContentsMargins(0, 0, 0, 0);
  left_layout->addWidget(new QLabel(tr("Runs"), left));
  left_layout->addWidget(run_list_, 1);
  auto* right = new QWidget(this);
  auto* right_layout = new QVBoxLayout(right);
  right_layout->setContentsMargins(0, 0, 0, 0);
  right_layout->addWidget(message_label_);
  right_layout->addWidget(tabs_, 1);
  auto* splitter = new QSplitter(Qt::Horizontal, this);
  splitter->setObjectName("compare_splitter");
  splitter->addWidget(left);
  splitter->addWidget(right);
  // The run list needs the width of a run label; the rest goes to plots and tables.
  splitter->setStretchFactor(0, 0);
  splitter->setStretchFactor(1, 1);
  splitter->setSizes({220, 900});
  auto* layout = new QVBoxLayout(this);
  layout->addWidget(splitter);

  QSettings settings;
  const int axis = x_axis_combo_->findData(settings.value("compare/x_axis"));
  if (axis >= 0) x_axis_combo_->setCurrentIndex(axis);
  tabs_->setCurrentIndex(settings.value("compare/tab", 0).toInt());

  connect(run_list_, &QListWidget::itemChanged, this, [this] {
    if (!updating_) load_selected();
  });
  connect(curve_combo_, qOverload<int>(&QComboBox::currentIndexChanged), this, [this] {
    if (updating_) return;
    QSettings().setValue("compare/curve", curve_combo_->currentData());
    plot_->resetView();
    show_curves();
  });
  connect(x_axis_combo_, qOverload<int>(&QComboBox::currentIndexChanged), this, [this] {
    QSettings().setValue("compare/x_axis", x_axis_combo_->currentData());
    plot_->clearSeries();
    plot_->resetView();
    show_curves();
  });
  connect(plot_, &CurvePlot::visibleRangeChanged, this, &CompareView::requery_range);
  connect(tabs_, &QTabWidget::currentChanged, this,
          [](int index) { QSettings().setValue("compare/tab", index); });
  connect(diff_only_check_, &QCheckBox::toggled, this, [this](bool on) {
    QSettings().setValue("compare/diff_only", on);
    apply_diff_filter();
  });
  connect(export_plot, &QPushButton::clicked, this, [this] {
    export_plot_interactively(this, plot_->customPlot(),
                              QStringLiteral("compare-") + curve_combo_->currentText());
  });
  connect(export_scores, &QPushButton::clicked, this,
          [this] { export_table_interactively(this, *scores_table_, QStringLiteral("scores")); });
  connect(export_config, &QPushButton::clicked, this, [this] {
    export_table_interactively(this, *config_table_, QStringLiteral("config-diff"));
  });
  load_selected();
}

CompareView::~CompareView() = default;

void CompareView::setAvailableRuns(const std::vector<RunRef>& runs) {
  const std::vector<RunRef> picked = selectedRuns();
  // The run list reloads often while a run trains; the same runs again only update their labels,
  // so the picked runs, their curves and the tables' scroll positions stay.
  if (runs == available_) {
    const QSignalBlocker quiet(run_list_);
    for (int row = 0; row < run_list_->count(); ++row) {
      QListWidgetItem* item = run_list_->item(row);
      const std::size_t index = item->data(Qt::UserRole).toULongLong();
      available_[index].label = runs[index].label;
      if (item->text() != runs[index].label) item->setText(runs[index].label);
    }
    return;
  }
  available_ = runs;
  updating_ = true;
  run_list_->clear();
  for (std::size_t i = 0; i < runs.size(); ++i) {
    auto* item = new QListWidgetItem(runs[i].label, run_list_);
    item->setFlags(Qt::ItemIsEnabled | Qt::ItemIsUserCheckable | Qt::ItemIsSelectable);
    const bool was_picked = std::find(picked.begin(), picked.end(), runs[i]) != picked.end();
    item->setCheckState(was_picked ? Qt::Checked : Qt::Unchecked);
    item->setData(Qt::UserRole, static_cast<qulonglong>(i));
  }
  updating_ = false;
  load_selected();
}

void CompareView::setSelectedRuns(const std::vector<RunRef>& runs) {
  updating_ = true;
  for (int row = 0; row < run_list_->count(); ++row) {
    QListWidgetItem* item = run_list_->item(row);
    const RunRef& ref = available_[item->data(Qt::UserRole).toULongLong()];
    const bool pick = std::find(runs.begin(), runs.end(), ref) != runs.end();
    item->setCheckState(pick ? Qt::Checked : Qt::Unchecked);
  }
  updating_ = false;
  load_selected();
}

std::vector<RunRef> CompareView::selectedRuns() const {
  std::vector<RunRef> out;
  for (int row = 0; row < run_list_->count(); ++row) {
    const QListWidgetItem* item = run_list_->item(row);
    if (item->checkState() == Qt::Checked) {
      out.push_back(available_[item->data(Qt::UserRole).toULongLong()]);
    }
  }
  return out;
}

void CompareView::refresh() {
  load_selected();
}

void CompareView::load_selected() {
  selected_.clear();
  QStringList problems;
  for (const RunRef& ref : selectedRuns()) {
    RunData d;
    d.ref = ref;
    try {
      d.info = ref.store->run(ref.run);
      if (!d.info) throw std::runtime_error("it is not in its store any more");
      d.tags = ref.store->scalar_tags(ref.run);
      d.metrics = ref.store->metric_series(ref.run);
      if (!d.tags.empty()) {
        // Every scalar of a step shares its wall time; "loss" is always logged when anything is.
        const std::string clock_tag =
            std::find(d.tags.begin(), d.tags.end(), "loss") != d.tags.end() ? "loss"
                                                                            : d.tags.front();
        d.clock = ref.store->scalar_series(ref.run, clock_tag, kClockPoints);
      }
    } catch (const std::exception& e) {
      d.error = QString::fromUtf8(e.what());
      problems << tr("%1 could not be read: %2").arg(ref.label, d.error);
    }
    selected_.push_back(std::move(d));
  }
  if (selected_.size() < 2 && problems.isEmpty()) {
    show_message(available_.empty()
                     ? tr("No runs yet: start one on the Setup page or open a store.")
                     : tr("Tick two or more runs on the left to compare them."));
  } else {
    show_message(problems.join('\n'));
  }
  fill_curve_choices();
  show_curves();
  show_scores();
  show_groups();
  show_config_diff();
}

QString CompareView::series_name(std::size_t index) const {
  const QString& label = selected_[index].ref.label;
  int same = 0;
  for (std::size_t i = 0; i < selected_.size(); ++i) same += selected_[i].ref.label == label;
  return same > 1 ? QStringLiteral("%1 (%2)").arg(label).arg(index + 1) : label;
}

void CompareView::fill_curve_choices() {
  std::set<std::string> tags;
  std::set<std::tuple<std::string, std::string, std::string>> metrics;  // split, task, metric
  for (const RunData& d : selected_) {
    tags.insert(d.tags.begin(), d.tags.end());
    for (const MetricPoint& m : d.metrics) metrics.insert({m.split, m.task, m.metric});
  }
  const QString current = curve_combo_->currentData().toString();
  updating_ = true;
  curve_combo_->clear();
  // Evaluations first: the scores are what a comparison is usually about.
  for (const auto& [split, task, metric] : metrics) {
    if (task.empty())
      curve_combo_->addItem(metric_label(split, task, metric), metric_choice(split, task, metric));
  }
  for (const auto& [split, task, metric] : metrics) {
    if (!task.empty())
      curve_combo_->addItem(metric_label(split, task, metric), metric_choice(split, task, metric));
  }
  for (const std::string& tag : tags) {
    curve_combo_->addItem(QString::fromStdString(tag),
                          QStringLiteral("s\t") + QString::fromStdString(tag));
  }
  int index = curve_combo_->findData(current);
  if (index < 0) index = curve_combo_->findData(QSettings().value("compare/curve"));
  if (index < 0) index = curve_combo_->findData(QStringLiteral("s\tloss"));
  curve_combo_->setCurrentIndex(std::max(0, index));
  curve_combo_->setEnabled(curve_combo_->count() > 0);
  updating_ = false;
}

void CompareView::show_curves() {
  const QStringList choice = curve_combo_->currentData().toString().split('\t');
  const bool wall = x_axis_combo_->currentData().toString() == QLatin1String("time");
  plot_->setAxisLabels(wall ? tr("elapsed training time (s)") : tr("step"),
                       curve_combo_->currentText());
  QStringList wanted;
  std::vector<std::pair<std::size_t, std::pair<QVector<double>, QVector<double>>>> curves;
  if (!choice.isEmpty() && !choice.front().isEmpty()) {
    for (std::size_t i = 0; i < selected_.size(); ++i) {
      const RunData& d = selected_[i];
      if (!d.error.isEmpty()) continue;
      QVector<double> x, y;
      try {
        if (choice.front() == QChar(kScalarKey) && choice.size() == 2) {
          const std::string tag = choice[1].toStdString();
          if (std::find(d.tags.begin(), d.tags.end(), tag) == d.tags.end()) continue;
          for (const ScalarPoint& p : d.ref.store->scalar_series(d.ref.run, tag, kCurvePoints)) {
            x << (wall ? p.wall_time : double(p.step));
            y << p.value;
          }
        } else if (choice.front() == QChar(kMetricKey) && choice.size() == 4) {
          for (const MetricPoint& m : d.metrics) {
            if (m.split != choice[1].toStdString() || m.task != choice[2].toStdString() ||
                m.metric != choice[3].toStdString()) {
              continue;
            }
            x << (wall ? d.wall_time_at(m.step) : double(m.step));
            y << m.value;
          }
        }
      } catch (const std::exception& e) {
        show_message(tr("%1 could not be read: %2").arg(d.ref.label, e.what()));
        continue;
      }
      if (x.isEmpty()) continue;
      curves.push_back({i, {x, y}});
    }
  }
  if (group_seeds_check_->isChecked() && !wall) {
    wanted = show_group_curves(curves);
  } else {
    for (const auto& [i, xy] : curves) {
      wanted << series_name(i);
      plot_->setSeries(series_name(i), xy.first, xy.second);
      plot_->setBand(series_name(i), {}, {}, {});
    }
  }
  for (const QString& name : plot_->seriesNames()) {
    if (!wanted.contains(name)) plot_->removeSeries(name);
  }
  plot_->setWindowTitle(QStringLiteral("compare-") + curve_combo_->currentText());
}

QStringList CompareView::show_group_curves(
    const std::vector<std::pair<std::size_t, std::pair<QVector<double>, QVector<double>>>>&
        curves) {
  std::vector<ExperimentConfig> configs;
  std::vector<std::size_t> readable;  // indexes into `curves` whose config could be read
  for (std::size_t c = 0; c < curves.size(); ++c) {
    const RunData& d = selected_[curves[c].first];
    try {
      configs.push_back(ExperimentConfig::from_json(nlohmann::json::parse(d.info->config_json),
                                                    "the run's config"));
      readable.push_back(c);
    } catch (const std::exception&) {
    }
  }
  const RunGrouping grouping = group_runs(configs);
  QStringList names;
  for (std::size_t g = 0; g < grouping.names.size(); ++g) {
    std::vector<const std::pair<QVector<double>, QVector<double>>*> members;
    for (std::size_t k = 0; k < readable.size(); ++k) {
      if (grouping.group_of[k] == g) members.push_back(&curves[readable[k]].second);
    }
    // The first run's steps; the others are interpolated onto them where they reach.
    const QVector<double>& grid = members.front()->first;
    QVector<double> mean, lower, upper;
    for (const double step : grid) {
      std::vector<double> values;
      for (const auto* m : members) {
        const QVector<double>& x = m->first;
        const QVector<double>& y = m->second;
        if (step < x.front() || step > x.back()) continue;
        const auto at = std::lower_bound(x.begin(), x.end(), step) - x.begin();
        if (x[at] == step || at == 0) {
          values.push_back(y[at]);
        } else {
          const double t = (step - x[at - 1]) / (x[at] - x[at - 1]);
          values.push_back(y[at - 1] + t * (y[at] - y[at - 1]));
        }
      }
      const SeedSummary s = summarise(values);
      const double spread = s.count > 1 ? s.spread : 0.0;
      mean << s.mean;
      lower << s.mean - spread;
      upper << s.mean + spread;
    }
    const QString runs =
        members.size() == 1 ? tr("1 run") : tr("%1 runs").arg(static_cast<int>(members.size()));
    const QString name = QString("%1 (%2)").arg(QString::fromStdString(grouping.names[g]), runs);
    plot_->setSeries(name, grid, mean);
    plot_->setBand(name, members.size() > 1 ? grid : QVector<double>{}, lower, upper);
    names << name;
  }
  return names;
}

void CompareView::requery_range(double lo, double hi) {
  // Means over seeds are drawn from the overview points; zooming re-reads single runs only.
  if (group_seeds_check_->isChecked()) return;
  // Only scalar curves are down-sampled in the store; evaluations are few and all drawn already.
  const QStringList choice = curve_combo_->currentData().toString().split('\t');
  if (choice.size() != 2 || choice.front() != QChar(kScalarKey) || !plot_->userView()) {
    if (!plot_->userView()) show_curves();
    return;
  }
  const bool wall = x_axis_combo_->currentData().toString() == QLatin1String("time");
  const std::string tag = choice[1].toStdString();
  for (std::size_t i = 0; i < selected_.size(); ++i) {
    const RunData& d = selected_[i];
    if (!d.error.isEmpty() || std::find(d.tags.begin(), d.tags.end(), tag) == d.tags.end())
      continue;
    // The steps shown, widened by one clock sample on each side so lines reach the plot's edges.
    int64_t first = static_cast<int64_t>(std::floor(lo)) - 1;
    int64_t last = static_cast<int64_t>(std::ceil(hi)) + 1;
    if (wall) {
      first = std::numeric_limits<int64_t>::max();
      last = std::numeric_limits<int64_t>::min();
      for (std::size_t k = 0; k < d.clock.size(); ++k) {
        const ScalarPoint& p = d.clock[k];
        if (p.wall_time < lo || p.wall_time > hi) continue;
        first = std::min(first, d.clock[k == 0 ? 0 : k - 1].step);
        last = std::max(last, d.clock[std::min(k + 1, d.clock.size() - 1)].step);
      }
      if (first > last) continue;
    }
    try {
      QVector<double> x, y;
      for (const ScalarPoint& p :
           d.ref.store->scalar_series(d.ref.run, tag, kCurvePoints, std::pair{first, last})) {
        x << (wall ? p.wall_time : double(p.step));
        y << p.value;
      }
      if (!x.isEmpty()) plot_->setSeries(series_name(i), x, y);
    } catch (const std::exception& e) {
      show_message(tr("%1 could not be read: %2").arg(d.ref.label, e.what()));
    }
  }
}

void CompareView::show_scores() {
  // One column per run, one row per quantity, like the config diff: runs read side by side and
  // many tasks do not make the table scroll sideways.
  std::vector<std::string> tasks;
  for (const RunData& d : selected_) {
    for (const MetricPoint& m : d.metrics) {
      if (!m.task.empty() && m.metric == "score" &&
          std::find(tasks.begin(), tasks.end(), m.task) == tasks.end()) {
        tasks.push_back(m.task);
      }
    }
  }
  QStringList quantities{tr("Status"), tr("Variant"), tr("Trainable parameters"),
                         tr("Per task (% of backbone)"), tr("Steps")};
  for (const std::string& t : tasks) {
    quantities << tr("%1 final").arg(QString::fromStdString(t))
               << tr("%1 best").arg(QString::fromStdString(t));
  }
  quantities << tr("average final") << tr("average best") << tr("best step");

  std::vector<QList<QStandardItem*>> rows(static_cast<std::size_t>(quantities.size()));
  for (int q = 0; q < quantities.size(); ++q) {
    auto* label = text_item(quantities[q]);
    QFont bold = label->font();
    bold.setBold(true);
    label->setFont(bold);
    rows[static_cast<std::size_t>(q)] << label;
  }
  QStringList header{tr("Quantity")};
  for (std::size_t i = 0; i < selected_.size(); ++i) {
    const RunData& d = selected_[i];
    header << series_name(i);
    QList<QStandardItem*> column;
    if (!d.info) {
      column << text_item(tr("unreadable: %1").arg(d.error));
      while (column.size() < quantities.size()) column << text_item(QString());
    } else {
      column << text_item(QString::fromStdString(d.info->status));
      QString variant;
      try {
        const ExperimentConfig config = ExperimentConfig::from_json(
            nlohmann::json::parse(d.info->config_json), "the run's config");
        variant = QString::fromUtf8(to_string(config.peft.variant));
      } catch (const std::exception&) {
        variant = tr("(unreadable config)");
      }
      column << text_item(variant);
      int64_t trainable = -1;
      double per_task_percent = std::numeric_limits<double>::quiet_NaN();
      try {
        if (!d.info->parameters_json.empty()) {
          const auto params = nlohmann::json::parse(d.info->parameters_json);
          trainable = params.value("trainable", int64_t{-1});
          per_task_percent = params.value("per_task_percent", per_task_percent);
        }
      } catch (const std::exception&) {
      }
      auto* trainable_item =
          text_item(trainable >= 0 ? format_count(trainable) : tr("not recorded"));
      trainable_item->setData(static_cast<qlonglong>(trainable), kValueRole);
      trainable_item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
      if (trainable < 0) {
        trainable_item->setToolTip(
            tr("This run's store predates parameter counts, or its model was never built."));
      }
      column << trainable_item << number_item(per_task_percent, 3)
             << number_item(static_cast<double>(d.info->last_step), 0);

      const std::string split = evaluation_split(d.metrics);
      for (const std::string& t : tasks) {
        const ScoreSummary score = ScoreSummary::of(d.metrics, split, t, "score");
        column << number_item(score.final_value, 4) << number_item(score.best, 4);
      }
      const ScoreSummary average = ScoreSummary::of(d.metrics, split, "", "average");
      column << number_item(average.final_value, 4) << number_item(average.best, 4)
             << number_item(average.best_step >= 0 ? double(average.best_step)
                                                   : std::numeric_limits<double>::quiet_NaN(),
                            0);
    }
    for (int q = 0; q < quantities.size(); ++q) rows[static_cast<std::size_t>(q)] << column[q];
  }
  scores_model_->clear();
  scores_model_->setHorizontalHeaderLabels(header);
  for (QList<QStandardItem*>& row : rows) scores_model_->appendRow(row);
}

void CompareView::show_groups() {
  const std::string split = group_split_->currentData().toString().toStdString();
  std::vector<std::pair<const RunStoreReader*, RunInfo>> runs;
  for (const RunData& d : selected_) {
    if (d.info) runs.emplace_back(d.ref.store.get(), *d.info);
  }
  const ResultsTable table = results_table_of(runs, split);
  show_results_table(groups_table_, table);
  QStringList notes;
  for (const std::string& note : table.notes) notes << QString::fromStdString(note);
  groups_note_->setText(notes.join("\n"));
}

void CompareView::show_config_diff() {
  config_model_->clear();
  differing_keys_.clear();
  QStringList header{tr("Setting")};
  std::vector<std::string> configs;
  for (std::size_t i = 0; i < selected_.size(); ++i) {
    header << series_name(i);
    configs.push_back(selected_[i].info ? selected_[i].info->config_json : std::string("{}"));
  }
  config_model_->setHorizontalHeaderLabels(header);
  const QColor highlight(255, 236, 179);
  for (const ConfigDiff::Row& r : ConfigDiff::of(configs).rows) {
    QList<QStandardItem*> row;
    row << text_item(QString::fromStdString(r.path));
    // The setting's label and help from the settings table (docs/SETTINGS.md) explain the path.
    QString about;
    if (const auto* s = find_setting(experiment_settings(), r.path)) {
      about = QString::fromStdString(s->label + ": " + s->help);
      row.front()->setToolTip(about);
    }
    for (const std::optional<std::string>& value : r.values) {
      row << text_item(value ? QString::fromStdString(*value) : tr("(absent)"));
    }
    if (r.differs) {
      differing_keys_ << QString::fromStdString(r.path);
      QFont bold = row.front()->font();
      bold.setBold(true);
      for (QStandardItem* item : row) {
        item->setBackground(highlight);
        item->setFont(bold);
      }
      row.front()->setToolTip(about.isEmpty() ? tr("Differs between the runs")
                                              : about + "\n" + tr("Differs between the runs"));
    }
    row.front()->setData(r.differs, kValueRole);
    config_model_->appendRow(row);
  }
  apply_diff_filter();
}

void CompareView::apply_diff_filter() {
  // With fewer than two runs nothing can differ: then the whole config is shown.
  const bool only_diffs = diff_only_check_->isChecked() && selected_.size() > 1;
  for (int r = 0; r < config_model_->rowCount(); ++r) {
    const bool differs = config_model_->item(r, 0)->data(kValueRole).toBool();
    config_table_->setRowHidden(r, only_diffs && !differs);
  }
}

void CompareView::show_message(const QString& text) {
  message_label_->setText(text);
  message_label_->setVisible(!text.isEmpty());
}

}  // namespace hwb
