#include "ui/weights/WeightsView.h"

#include <QComboBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QSettings>
#include <QSlider>
#include <QSplitter>
#include <QVBoxLayout>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>

#include "core/peft/PeftConfig.h"
#include "core/store/RunStoreReader.h"
#include "core/train/ExperimentConfig.h"
#include "ui/plot/HeatmapPlot.h"

namespace hwb {

namespace {

// The store names a statistic "<tensor>_<statistic>" ("down_norm", "pre_gamma_std").
std::pair<QString, QString> split_statistic(const std::string& name) {
  const QString s = QString::fromStdString(name);
  const qsizetype cut = s.lastIndexOf(QLatin1Char('_'));
  if (cut <= 0) return {s, QString()};
  return {s.left(cut), s.mid(cut + 1)};
}

QString joined_statistic(const QString& tensor, const QString& statistic) {
  return statistic.isEmpty() ? tensor : tensor + QLatin1Char('_') + statistic;
}

QString display_name(const QString& raw) {
  QString text = raw;
  text.replace(QLatin1Char('_'), QLatin1Char(' '));
  return text;
}

// Replaces a combo's items, keeping the current choice, else the remembered one, else the first.
void set_choices(QComboBox* combo, const QStringList& values, const QString& remembered) {
  const QString current = combo->currentData().toString();
  combo->clear();
  for (const QString& v : values) combo->addItem(display_name(v), v);
  int index = combo->findData(current);
  if (index < 0) index = combo->findData(remembered);
  combo->setCurrentIndex(index < 0 ? 0 : index);
  combo->setEnabled(values.size() > 1);
}

struct ConfigFacts {
  QString variant;
  bool has_adapters = true;
  bool uses_hypernetwork = true;
  int64_t eval_every = 0;
  std::vector<std::string> tasks;
};

// Only what the empty states need. A config this build cannot read (another schema) leaves the
// defaults, and the messages then stay generic.
ConfigFacts config_facts(const std::string& config_json) {
  ConfigFacts facts;
  try {
    const ExperimentConfig config =
        ExperimentConfig::from_json(nlohmann::json::parse(config_json), "the run's config");
    facts.variant = QString::fromUtf8(to_string(config.peft.variant));
    facts.has_adapters = config.peft.has_adapters();
    facts.uses_hypernetwork = config.peft.uses_hypernetwork();
    facts.eval_every = config.eval_every;
    facts.tasks = config.task_names();
  } catch (const std::exception&) {
  }
  return facts;
}

}  // namespace

WeightsView::WeightsView(QWidget* parent)
    : QWidget(parent),
      message_label_(new QLabel(this)),
      stack_combo_(new QComboBox(this)),
      position_combo_(new QComboBox(this)),
      tensor_combo_(new QComboBox(this)),
      statistic_combo_(new QComboBox(this)),
      similarity_combo_(new QComboBox(this)),
      step_slider_(new QSlider(Qt::Horizontal, this)),
      step_label_(new QLabel(this)),
      weights_map_(new HeatmapPlot(this)),
      similarity_map_(new HeatmapPlot(this)) {
  message_label_->setObjectName("message_label");
  stack_combo_->setObjectName("stack_combo");
  position_combo_->setObjectName("position_combo");
  tensor_combo_->setObjectName("tensor_combo");
  statistic_combo_->setObjectName("statistic_combo");
  similarity_combo_->setObjectName("similarity_combo");
  step_slider_->setObjectName("step_slider");
  step_label_->setObjectName("step_label");
  weights_map_->setObjectName("weights_map");
  similarity_map_->setObjectName("similarity_map");

  message_label_->setWordWrap(true);
  message_label_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  step_slider_->setPageStep(1);
  step_slider_->setTickPosition(QSlider::TicksBelow);
  step_label_->setMinimumWidth(
      fontMetrics().horizontalAdvance(QStringLiteral("step 0000000 (00 of 00)")));
  stack_combo_->setToolTip(tr("Encoder or decoder adapters"));
  position_combo_->setToolTip(
      tr("The adapter after the feed-forward or the self-attention sublayer"));
  tensor_combo_->setToolTip(
      tr("Which adapter tensor: down/up projection, their biases, layer-norm gamma/beta"));
  statistic_combo_->setToolTip(tr("Frobenius norm, mean or standard deviation of the tensor"));

  auto* step_row = new QHBoxLayout;
  step_row->addWidget(new QLabel(tr("Evaluated step:"), this));
  step_row->addWidget(step_slider_, 1);
  step_row->addWidget(step_label_);

  auto* weights_box = new QGroupBox(tr("Generated adapter weights (layer × task)"), this);
  auto* choices = new QHBoxLayout;
  for (auto [label, combo] :
       {std::pair{tr("Stack"), stack_combo_}, std::pair{tr("Position"), position_combo_},
        std::pair{tr("Tensor"), tensor_combo_}, std::pair{tr("Statistic"), statistic_combo_}}) {
    auto* l = new QLabel(label, weights_box);
    l->setBuddy(combo);
    choices->addWidget(l);
    choices->addWidget(combo);
  }
  choices->addStretch(1);
  auto* weights_layout = new QVBoxLayout(weights_box);
  weights_layout->addLayout(choices);
  weights_layout->addWidget(weights_map_, 1);
  weights_map_->setAxisLabels(tr("task"), tr("layer"), QString());

  auto* similarity_box = new QGroupBox(tr("Task-embedding similarity (cosine)"), this);
  similarity_combo_->addItem(tr("task embeddings z_t"), QStringLiteral("raw"));
  similarity_combo_->addItem(tr("projected embeddings"), QStringLiteral("projected"));
  similarity_combo_->setToolTip(
      tr("raw: the learned task embeddings; projected: what the generators see after the task "
         "projector"));
  auto* kind_row = new QHBoxLayout;
  kind_row->addWidget(new QLabel(tr("Of"), similarity_box));
  kind_row->addWidget(similarity_combo_);
  kind_row->addStretch(1);
  auto* similarity_layout = new QVBoxLayout(similarity_box);
  similarity_layout->addLayout(kind_row);
  similarity_layout->addWidget(similarity_map_, 1);
  similarity_map_->setFixedRange(-1, 1, /*diverging=*/true);
  similarity_map_->setAxisLabels(tr("task"), tr("task"), tr("cosine"));

  auto* splitter = new QSplitter(Qt::Horizontal, this);
  splitter->setObjectName("weights_splitter");
  splitter->addWidget(weights_box);
  splitter->addWidget(similarity_box);
  splitter->setStretchFactor(0, 3);
  splitter->setStretchFactor(1, 2);

  auto* layout = new QVBoxLayout(this);
  layout->addWidget(message_label_);
  layout->addLayout(step_row);
  layout->addWidget(splitter, 1);

  QSettings settings;
  const int kind = similarity_combo_->findData(settings.value("weights/similarity_kind"));
  if (kind >= 0) similarity_combo_->setCurrentIndex(kind);

  for (QComboBox* combo : {stack_combo_, position_combo_, tensor_combo_, statistic_combo_}) {
    connect(combo, qOverload<int>(&QComboBox::currentIndexChanged), this, [this] {
      if (updating_) return;
      remember_choices();
      show_weights();
    });
  }
  connect(similarity_combo_, qOverload<int>(&QComboBox::currentIndexChanged), this, [this] {
    remember_choices();
    show_similarity();
  });
  connect(step_slider_, &QSlider::valueChanged, this, [this] {
    if (!updating_) load_step();
  });
  showRun({});
}

WeightsView::~WeightsView() = default;

int64_t WeightsView::currentStep() const {
  const int i = step_slider_->value();
  return i >= 0 && i < static_cast<int>(steps_.size()) ? steps_[static_cast<std::size_t>(i)] : -1;
}

void WeightsView::showRun(const RunRef& run) {
  run_ = run;
  steps_.clear();
  updating_ = true;
  step_slider_->setRange(0, 0);
  updating_ = false;
  refresh();
  // A different run starts at its latest evaluation.
  if (!steps_.empty()) step_slider_->setValue(static_cast<int>(steps_.size()) - 1);
}

void WeightsView::refresh() {
  if (!run_.store) {
    task_order_.clear();
    steps_.clear();
    stats_.clear();
    similarities_.clear();
    show_message(tr("Select a run to see the adapter weights its variant generates."));
    load_step();
    return;
  }
  std::vector<int64_t> steps;
  try {
    const std::optional<RunInfo> info = run_.store->run(run_.run);
    task_order_ = info ? config_facts(info->config_json).tasks : std::vector<std::string>{};
    steps = run_.store->weight_stat_steps(run_.run);
    for (int64_t s : run_.store->similarity_steps(run_.run)) steps.push_back(s);
  } catch (const std::exception& e) {
    show_message(tr("Could not read the weight statistics of %1: %2").arg(run_.label, e.what()));
    return;
  }
  std::sort(steps.begin(), steps.end());
  steps.erase(std::unique(steps.begin(), steps.end()), steps.end());
  const bool at_end =
      steps_.empty() || step_slider_->value() >= static_cast<int>(steps_.size()) - 1;
  const int64_t shown = currentStep();
  steps_ = std::move(steps);
  updating_ = true;
  step_slider_->setRange(0, std::max(0, static_cast<int>(steps_.size()) - 1));
  step_slider_->setEnabled(steps_.size() > 1);
  int index = static_cast<int>(steps_.size()) - 1;
  if (!at_end) {
    const auto it = std::find(steps_.begin(), steps_.end(), shown);
    if (it != steps_.end()) index = static_cast<int>(it - steps_.begin());
  }
  step_slider_->setValue(std::max(0, index));
  updating_ = false;
  show_message(steps_.empty() ? empty_reason() : QString());
  load_step();
}

QString WeightsView::empty_reason() const {
  std::optional<RunInfo> info;
  try {
    info = run_.store->run(run_.run);
  } catch (const std::exception& e) {
    return tr("Could not read %1: %2").arg(run_.label, e.what());
  }
  if (!info) return tr("Run %1 is not in this store any more.").arg(run_.run);
  const ConfigFacts facts = config_facts(info->config_json);
  if (!facts.has_adapters) {
    return tr("This run's variant (%1) trains the whole backbone and has no adapters, so it "
              "generates no weights to show.")
        .arg(facts.variant);
  }
  if (info->status == "running" || info->status == "paused") {
    return facts.eval_every > 0
               ? tr("No evaluation yet: the weight statistics are recorded at every evaluation "
                    "(every %1 steps; this run is at step %2).")
                     .arg(facts.eval_every)
                     .arg(info->last_step)
               : tr("No evaluation yet: the weight statistics are recorded at every evaluation.");
  }
  return tr("This run recorded no weight statistics: it ended (%1) before its first evaluation.")
      .arg(QString::fromStdString(info->status));
}

void WeightsView::load_step() {
  stats_.clear();
  similarities_.clear();
  const int64_t step = currentStep();
  if (run_.store && step >= 0) {
    try {
      stats_ = run_.store->weight_stats(run_.run, step);
      similarities_ = run_.store->similarity(run_.run, step);
    } catch (const std::exception& e) {
      show_message(tr("Could not read step %1 of %2: %3").arg(step).arg(run_.label, e.what()));
    }
  }
  step_label_->setText(
      step < 0
          ? tr("no step")
          : tr("step %1 (%2 of %3)").arg(step).arg(step_slider_->value() + 1).arg(steps_.size()));
  fill_choices();
  show_weights();
  show_similarity();
}

void WeightsView::fill_choices() {
  std::set<QString> stacks, positions, tensors, statistics;
  for (const WeightStat& w : stats_) {
    stacks.insert(QString::fromStdString(w.stack));
    positions.insert(QString::fromStdString(w.position));
    const auto [tensor, statistic] = split_statistic(w.statistic);
    tensors.insert(tensor);
    statistics.insert(statistic);
  }
  auto list = [](const std::set<QString>& s) { return QStringList(s.begin(), s.end()); };
  // The order of the model, not the alphabet: encoder before decoder (feed-forward before
  // self-attention happens to be alphabetical).
  QStringList stack_list = list(stacks);
  std::stable_sort(stack_list.begin(), stack_list.end(), [](const QString& a, const QString& b) {
    return a == QLatin1String("encoder") && b != QLatin1String("encoder");
  });
  QSettings settings;
  updating_ = true;
  set_choices(stack_combo_, stack_list, settings.value("weights/stack").toString());
  set_choices(position_combo_, list(positions),
              settings.value("weights/position", "feed_forward").toString());
  set_choices(tensor_combo_, list(tensors), settings.value("weights/tensor", "down").toString());
  set_choices(statistic_combo_, list(statistics),
              settings.value("weights/statistic", "norm").toString());
  updating_ = false;
}

void WeightsView::remember_choices() {
  QSettings settings;
  settings.setValue("weights/stack", stack_combo_->currentData());
  settings.setValue("weights/position", position_combo_->currentData());
  settings.setValue("weights/tensor", tensor_combo_->currentData());
  settings.setValue("weights/statistic", statistic_combo_->currentData());
  settings.setValue("weights/similarity_kind", similarity_combo_->currentData());
}

void WeightsView::show_weights() {
  const std::string stack = stack_combo_->currentData().toString().toStdString();
  const std::string position = position_combo_->currentData().toString().toStdString();
  const std::string statistic = joined_statistic(tensor_combo_->currentData().toString(),
                                                 statistic_combo_->currentData().toString())
                                    .toStdString();
  // Tasks in the config's order (as in the similarity matrix), any others after them by name;
  // layers ascending.
  std::set<std::string> present;
  std::set<int64_t> layers;
  for (const WeightStat& w : stats_) {
    if (w.stack != stack || w.position != position || w.statistic != statistic) continue;
    present.insert(w.task);
    layers.insert(w.layer);
  }
  QStringList tasks;
  std::map<std::string, int> task_index;
  auto add_task = [&](const std::string& t) {
    if (present.count(t) && task_index.emplace(t, static_cast<int>(tasks.size())).second) {
      tasks << QString::fromStdString(t);
    }
  };
  for (const std::string& t : task_order_) add_task(t);
  for (const std::string& t : present) add_task(t);
  QStringList rows;
  std::map<int64_t, int> row_index;
  for (int64_t layer : layers) {
    row_index[layer] = static_cast<int>(rows.size());
    rows << tr("layer %1").arg(layer);
  }
  std::vector<double> values(static_cast<std::size_t>(rows.size() * tasks.size()),
                             std::numeric_limits<double>::quiet_NaN());
  for (const WeightStat& w : stats_) {
    if (w.stack != stack || w.position != position || w.statistic != statistic) continue;
    values[static_cast<std::size_t>(row_index[w.layer] * tasks.size() + task_index[w.task])] =
        w.value;
  }
  if (run_.store && currentStep() >= 0 && stats_.empty()) {
    weights_map_->setEmptyText(tr("No weight statistics at step %1.").arg(currentStep()));
  } else {
    weights_map_->setEmptyText(run_.store ? tr("No adapter weights recorded.") : QString());
  }
  weights_map_->setMatrix(tasks, rows, values);
  weights_map_->setAxisLabels(tr("task"),
                              tr("%1 layer").arg(display_name(QString::fromStdString(stack))),
                              display_name(QString::fromStdString(statistic)));
  weights_map_->setWindowTitle(QStringLiteral("weights-%1-%2-%3-step%4")
                                   .arg(QString::fromStdString(stack),
                                        QString::fromStdString(position),
                                        QString::fromStdString(statistic))
                                   .arg(currentStep()));
}

void WeightsView::show_similarity() {
  const std::string kind = similarity_combo_->currentData().toString().toStdString();
  const SimilarityMatrix* shown = nullptr;
  for (const SimilarityMatrix& m : similarities_) {
    if (m.kind == kind) shown = &m;
  }
  if (!shown) {
    QString text;
    if (run_.store && currentStep() >= 0) {
      std::optional<RunInfo> info;
      try {
        info = run_.store->run(run_.run);
      } catch (const std::exception&) {
      }
      const ConfigFacts facts = info ? config_facts(info->config_json) : ConfigFacts{};
      text = !facts.uses_hypernetwork
                 ? tr("This run's variant (%1) has no task embeddings: only the hypernetwork "
                      "variants learn them.")
                       .arg(facts.variant)
                 : tr("No similarity matrix recorded at step %1.").arg(currentStep());
    }
    similarity_map_->setEmptyText(text);
    similarity_map_->clear();
    return;
  }
  QStringList tasks;
  for (const std::string& t : shown->tasks) tasks << QString::fromStdString(t);
  similarity_map_->setMatrix(tasks, tasks, shown->values);
  similarity_map_->setWindowTitle(
      QStringLiteral("similarity-%1-step%2").arg(QString::fromStdString(kind)).arg(currentStep()));
}

void WeightsView::show_message(const QString& text) {
  message_label_->setText(text);
  message_label_->setVisible(!text.isEmpty());
}

}  // namespace hwb
