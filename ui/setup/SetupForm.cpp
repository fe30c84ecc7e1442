#include "ui/setup/SetupForm.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QFileDialog>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QLocale>
#include <QPushButton>
#include <QScrollArea>
#include <QSpinBox>
#include <QVBoxLayout>

#include <climits>

#include "core/data/GlueTasks.h"
#include "core/model/ComputeDevices.h"
#include "core/peft/ParameterEstimate.h"
#include "core/train/ExperimentSettings.h"
#include "core/train/RunLauncher.h"
#include "core/util/Error.h"
#include "ui/setup/GlueFolderScan.h"
#include "ui/setup/Presets.h"
#include "ui/setup/TaskPicker.h"

namespace hwb {
namespace {

QSpinBox* spin(const char* name, int lo, int hi) {
  auto* s = new QSpinBox;
  s->setObjectName(name);
  s->setRange(lo, hi);
  s->setGroupSeparatorShown(true);
  return s;
}

QWidget* with_buttons(QWidget* field, std::initializer_list<QPushButton*> buttons) {
  auto* row = new QWidget;
  auto* layout = new QHBoxLayout(row);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(field, 1);
  for (QPushButton* b : buttons) layout->addWidget(b);
  return row;
}

QString bytes_text(int64_t bytes) {
  return QString::number(static_cast<double>(bytes) / (1024.0 * 1024.0 * 1024.0), 'f', 1) + " GiB";
}

}  // namespace

SetupForm::SetupForm(QWidget* parent) : QWidget(parent) {
  setObjectName("setup");
  // The mark FieldProblems sets on a field with a problem.
  setStyleSheet(
      "*[invalid=\"true\"] { border: 1px solid #c62828; background-color: #fdecea; }"
      "QListWidget[invalid=\"true\"] { border: 1px solid #c62828; }");
  for (const Setting<ExperimentConfig>& row : experiment_settings()) {
    settings_.push_back(std::make_unique<SettingField>(row));
    // The device's own combo box (below) edits training.device.
    if (row.path != "training.device") settings_.back()->onEdited(this, [this] { on_edited(); });
  }
  auto* content = new QWidget;
  auto* columns = new QHBoxLayout(content);
  auto* left = new QVBoxLayout;
  left->addWidget(build_data_section());
  left->addWidget(build_output_section());
  left->addStretch();
  auto* middle = new QVBoxLayout;
  middle->addWidget(build_model_section());
  middle->addStretch();
  auto* right = new QVBoxLayout;
  right->addWidget(build_training_section());
  right->addStretch();
  columns->addLayout(left, 1);
  columns->addLayout(middle, 1);
  columns->addLayout(right, 1);
  auto* scroll = new QScrollArea;
  scroll->setWidget(content);
  scroll->setWidgetResizable(true);
  scroll->setFrameShape(QFrame::NoFrame);

  parameters_ = new QLabel;
  parameters_->setObjectName("parameters");
  parameters_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  problems_label_ = new QLabel;
  problems_label_->setObjectName("problems");
  problems_label_->setWordWrap(true);
  problems_label_->setStyleSheet("color: #c62828;");
  problems_label_->setTextInteractionFlags(Qt::TextSelectableByMouse);

  auto* layout = new QVBoxLayout(this);
  layout->addWidget(scroll, 1);
  layout->addWidget(parameters_);
  layout->addWidget(problems_label_);
  layout->addWidget(build_buttons());
  register_fields();
  fill_devices();
  reloadPresetList();
  setConfig(ExperimentConfig::demo());
}

const SettingField& SetupForm::field(std::string_view path) const {
  for (const auto& f : settings_) {
    if (f->setting().path == path) return *f;
  }
  throw Error("the setup form has no field for the setting '" + std::string(path) + "'");
}

void SetupForm::add_rows(QFormLayout* form, std::string_view prefix,
                         std::initializer_list<std::string_view> placed_elsewhere) {
  for (const auto& f : settings_) {
    const std::string& path = f->setting().path;
    if (path.rfind(prefix, 0) != 0) continue;
    if (std::find(placed_elsewhere.begin(), placed_elsewhere.end(), path) != placed_elsewhere.end())
      continue;
    if (f->label().isEmpty()) {
      form->addRow(f->widget());
    } else {
      form->addRow(f->label(), f->widget());
    }
  }
}

QWidget* SetupForm::build_data_section() {
  auto* box = new QGroupBox(tr("Experiment and data"));
  auto* form = new QFormLayout(box);
  form->setRowWrapPolicy(QFormLayout::WrapLongRows);  // narrow windows put labels above fields
  add_rows(form, "name");
  auto* glue_dir = widget<QLineEdit>("data.glue_dir");
  auto* browse = new QPushButton(tr("Browse…"));
  auto* demo = new QPushButton(tr("Demo data"));
  demo->setToolTip(tr("The SST-2 and RTE samples bundled with the program"));
  form->addRow(field("data.glue_dir").label(), with_buttons(glue_dir, {browse, demo}));
  tasks_ = new TaskPicker;
  form->addRow(tr("Tasks"), tasks_);
  // Caps keep a seeded subsample of each task (a CPU run needs a few thousand examples, not
  // GLUE's 400,000); -1 stands for caps that differ between the tasks.
  max_train_ = spin("max_train", -1, INT_MAX);
  max_train_->setSpecialValueText(tr("as set per task"));
  max_train_->setToolTip(tr("Train examples kept per task; 0 = all"));
  form->addRow(tr("Train examples per task"), max_train_);
  max_validation_ = spin("max_validation", -1, INT_MAX);
  max_validation_->setSpecialValueText(tr("as set per task"));
  max_validation_->setToolTip(
      tr("Validation examples kept per task (evaluation is by generation, "
         "the slow part on a CPU); 0 = all"));
  form->addRow(tr("Validation examples per task"), max_validation_);
  connect(max_train_, &QSpinBox::valueChanged, this, &SetupForm::apply_caps);
  connect(max_validation_, &QSpinBox::valueChanged, this, &SetupForm::apply_caps);
  add_rows(form, "data.", {"data.glue_dir", "data.cache_dir"});

  connect(browse, &QPushButton::clicked, this, &SetupForm::choose_glue_dir);
  connect(demo, &QPushButton::clicked, this, [this, glue_dir] {
    glue_dir->setText(QString::fromLatin1(ExperimentConfig::kBuiltinDemoData.data(),
                                          ExperimentConfig::kBuiltinDemoData.size()));
    tasks_->setGlueDir(glue_dir->text());
  });
  connect(glue_dir, &QLineEdit::editingFinished, this,
          [this, glue_dir] { tasks_->setGlueDir(glue_dir->text()); });
  connect(tasks_, &TaskPicker::changed, this, &SetupForm::on_edited);
  return box;
}

QWidget* SetupForm::build_model_section() {
  auto* box = new QGroupBox(tr("Backbone and variant"));
  auto* form = new QFormLayout(box);
  form->setRowWrapPolicy(QFormLayout::WrapLongRows);  // narrow windows put labels above fields
  auto* browse = new QPushButton(tr("Browse…"));
  auto* mini = new QPushButton(tr("Built-in mini"));
  mini->setObjectName("builtin_mini");
  mini->setToolTip(tr("builtin:t5-mini: 9.1M parameters, pretrained with span corruption"));
  auto* tiny = new QPushButton(tr("Built-in tiny"));
  tiny->setToolTip(tr("builtin:tiny: random weights; learns nothing frozen"));
  form->addRow(field("backbone").label(),
               with_buttons(widget<QLineEdit>("backbone"), {browse, mini, tiny}));
  backbone_info_ = new QLabel;
  backbone_info_->setObjectName("backbone_info");
  backbone_info_->setWordWrap(true);
  form->addRow(QString(), backbone_info_);
  add_rows(form, "variant.");

  connect(browse, &QPushButton::clicked, this, &SetupForm::choose_backbone);
  const auto use_backbone = [this](std::string_view spec) {
    widget<QLineEdit>("backbone")
        ->setText(QString::fromLatin1(spec.data(), static_cast<qsizetype>(spec.size())));
    on_edited();
  };
  connect(mini, &QPushButton::clicked, this,
          [use_backbone] { use_backbone(ExperimentConfig::kBuiltinPretrainedBackbone); });
  connect(tiny, &QPushButton::clicked, this,
          [use_backbone] { use_backbone(ExperimentConfig::kBuiltinTinyBackbone); });
  return box;
}

QWidget* SetupForm::build_training_section() {
  auto* box = new QGroupBox(tr("Training"));
  auto* form = new QFormLayout(box);
  form->setRowWrapPolicy(QFormLayout::WrapLongRows);  // narrow windows put labels above fields
  device_ = new QComboBox;
  device_->setObjectName("device");
  device_->setToolTip(field("training.device").widget()->toolTip());
  form->addRow(field("training.device").label(), device_);
  add_rows(form, "training.", {"training.device"});
  connect(device_, &QComboBox::currentIndexChanged, this, &SetupForm::on_edited);
  return box;
}

QWidget* SetupForm::build_output_section() {
  auto* box = new QGroupBox(tr("Output"));
  auto* form = new QFormLayout(box);
  form->setRowWrapPolicy(QFormLayout::WrapLongRows);  // narrow windows put labels above fields
  auto* browse = new QPushButton(tr("Browse…"));
  form->addRow(field("output.store").label(),
               with_buttons(widget<QLineEdit>("output.store"), {browse}));
  add_rows(form, "output.", {"output.store"});
  add_rows(form, "data.cache_dir");
  connect(browse, &QPushButton::clicked, this, &SetupForm::choose_store);
  return box;
}

QWidget* SetupForm::build_buttons() {
  auto* row = new QWidget;
  auto* layout = new QHBoxLayout(row);
  layout->setContentsMargins(0, 0, 0, 0);
  presets_ = new QComboBox;
  presets_->setObjectName("presets");
  presets_->setMinimumContentsLength(20);
  auto* load = new QPushButton(tr("Load preset"));
  auto* load_file = new QPushButton(tr("Open…"));
  auto* save = new QPushButton(tr("Save preset…"));
  start_ = new QPushButton(tr("Start"));
  start_->setObjectName("start");
  start_->setDefault(true);
  layout->addWidget(new QLabel(tr("Preset")));
  layout->addWidget(presets_);
  layout->addWidget(load);
  layout->addWidget(load_file);
  layout->addWidget(save);
  layout->addStretch();
  layout->addWidget(start_);
  connect(load, &QPushButton::clicked, this, &SetupForm::load_selected_preset);
  connect(load_file, &QPushButton::clicked, this, &SetupForm::load_preset_file);
  connect(save, &QPushButton::clicked, this, &SetupForm::save_preset_file);
  connect(start_, &QPushButton::clicked, this, [this] {
    if (canStart()) Q_EMIT startRequested(config_);
  });
  return row;
}

void SetupForm::register_fields() {
  for (const auto& f : settings_) {
    const std::string& path = f->setting().path;
    QWidget* w = path == "training.device" ? device_ : f->widget();
    fields_.addField(QString::fromStdString(path), w);
    // The variant's own checks say "variant: reduction_factor must be ...".
    if (path.rfind("variant.", 0) == 0)
      fields_.addKeyword("variant", QString::fromStdString(f->setting().key()), w);
  }
  fields_.addField("data.tasks", tasks_->list());
  fields_.addField("data", tasks_->list());  // the launcher's "data: task files are missing"
  fields_.addField("variant", widget<QWidget>("variant.variant"));
  fields_.addKeyword("variant", "tasks:", tasks_->list());
}

void SetupForm::fill_devices() {
  device_->clear();
  std::vector<ComputeDevice> devices;
  try {
    devices = detect_compute_devices();
  } catch (const std::exception&) {
    devices = {{"cpu", "CPU", 0}};
  }
  for (const ComputeDevice& d : devices) {
    QString text = d.id == "cpu" ? tr("CPU") : QString::fromStdString(d.id + " — " + d.name);
    if (d.memory_bytes > 0) text += " (" + bytes_text(d.memory_bytes) + ")";
    device_->addItem(text, QString::fromStdString(d.id));
  }
  if (devices.size() > 1) device_->addItem(tr("cuda (the first GPU)"), QString("cuda"));
}

void SetupForm::setConfig(const ExperimentConfig& config) {
  config_ = config;
  populate();
  on_edited();
}

void SetupForm::populate() {
  populating_ = true;
  const ExperimentConfig& c = config_;
  for (const auto& f : settings_) f->show(c);
  tasks_->setGlueDir(widget<QLineEdit>("data.glue_dir")->text());
  tasks_->setTasks(c.tasks);
  // One value when every task has the same cap, else "as set per task".
  auto common = [&c](auto member) -> int {
    if (c.tasks.empty()) return 0;
    const std::size_t first = c.tasks.front().*member;
    for (const ExperimentTask& t : c.tasks) {
      if (t.*member != first) return -1;
    }
    return static_cast<int>(std::min<std::size_t>(first, INT_MAX));
  };
  max_train_->setValue(common(&ExperimentTask::max_train));
  max_validation_->setValue(common(&ExperimentTask::max_validation));
  const QString device = QString::fromStdString(c.device);
  int index = device_->findData(device);
  if (index < 0) {
    device_->addItem(tr("%1 (not detected on this machine)").arg(device), device);
    index = device_->count() - 1;
  }
  device_->setCurrentIndex(index);
  populating_ = false;
}

void SetupForm::collect() {
  parse_problems_.clear();
  ExperimentConfig& c = config_;
  for (const auto& f : settings_) {
    if (f->setting().path == "training.device") continue;
    const QString problem = f->read(c);
    if (!problem.isEmpty()) parse_problems_ << problem;
  }
  c.tasks = tasks_->tasks();
  c.peft.tasks = c.task_names();
  c.device = device_->currentData().toString().toStdString();
}

// What ExperimentConfig cannot know by itself: whether the folders hold what they must and
// whether the device exists here.
QStringList SetupForm::machine_problems() {
  QStringList p;
  const std::string& spec = config_.backbone;
  if (!spec.empty() && !backbones_.count(spec)) {
    try {
      backbones_[spec] = backbone_config(spec);
    } catch (const std::exception& e) {
      // Not cached: the folder may be filled or typed to its end in a moment.
      p << "backbone: " + QString::fromStdString(e.what());
    }
  }
  const bool any_glue = std::any_of(config_.tasks.begin(), config_.tasks.end(),
                                    [](const auto& t) { return !t.custom; });
  const QString glue_dir = QString::fromStdString(config_.glue_dir);
  if (any_glue && !glue_dir.isEmpty()) {
    const QString dir = resolve_glue_dir(glue_dir);
    if (dir.isEmpty() || !QDir(dir).exists()) {
      p << "data.glue_dir: the folder '" + glue_dir + "' does not exist";
    } else {
      for (const QString& t : tasks_->missingTasks()) {
        p << QString("data.tasks: %1 has no train file in '%2' (GLUE's layout: %3/train.tsv)")
                 .arg(t, glue_dir, QString::fromStdString(GlueTasks::folder(t.toStdString())));
      }
    }
  }
  if (!tasks_->lastError().isEmpty()) p << "data.tasks: " + tasks_->lastError();
  if (device_->findData(QString::fromStdString(config_.device)) >= 0 &&
      device_->currentText().endsWith(tr("(not detected on this machine)"))) {
    p << QString("training.device: %1 was not detected on this machine; choose one that was")
             .arg(QString::fromStdString(config_.device));
  }
  return p;
}

void SetupForm::update_parameters(const QStringList& config_problems) {
  report_.reset();
  backbone_info_->clear();
  const auto bb = backbones_.find(config_.backbone);
  if (bb == backbones_.end()) {
    parameters_->setText(tr("Trainable parameters: choose a backbone"));
    return;
  }
  const T5Config& t5 = bb->second;
  const QLocale locale;
  backbone_info_->setText(tr("d_model %1, %2 + %3 blocks, %4 heads, feed-forward %5 (%6)")
                              .arg(t5.d_model)
                              .arg(t5.num_layers)
                              .arg(t5.num_decoder_layers)
                              .arg(t5.num_heads)
                              .arg(t5.d_ff)
                              .arg(QString::fromStdString(t5.feed_forward_proj)));
  const bool variant_ok = std::none_of(config_problems.begin(), config_problems.end(),
                                       [](const QString& p) { return p.startsWith("variant"); });
  if (config_.tasks.empty() || !variant_ok) {
    parameters_->setText(tr("Trainable parameters: fix the tasks and the variant's sizes first"));
    return;
  }
  try {
    report_ = estimate_parameters(t5, config_.peft);
  } catch (const std::exception& e) {
    problems_ << "variant: " + QString::fromStdString(e.what());
    parameters_->setText(tr("Trainable parameters: —"));
    return;
  }
  const ParameterReport& r = *report_;
  parameters_->setText(
      tr("<b>Trainable: %1</b> of %2 (backbone %3 + added %4) · <b>per task: %5 = %6% of the "
         "backbone</b> (%7 task(s))")
          .arg(locale.toString(qlonglong(r.trainable)), locale.toString(qlonglong(r.total)),
               locale.toString(qlonglong(r.backbone)), locale.toString(qlonglong(r.added)),
               locale.toString(r.per_task, 'f', 0), QString::number(r.per_task_percent, 'f', 4),
               QString::number(r.num_tasks)));
}

void SetupForm::apply_caps() {
  if (populating_) return;
  tasks_->setCaps(max_train_->value(), max_validation_->value());  // re-checks through changed()
}

void SetupForm::update_variant_fields() {
  PeftConfig probe;
  probe.variant = config_.peft.variant;
  const bool hyper = probe.uses_hypernetwork(), adapters = probe.has_adapters();
  // What only a hypernetwork has; everything else of the variant belongs to the adapters.
  for (const char* path :
       {"variant.task_embedding_dim", "variant.projector_hidden_dim", "variant.projected_task_dim",
        "variant.projector_layer_norm", "variant.conditional_layer_norm"}) {
    widget<QWidget>(path)->setEnabled(hyper);
  }
  for (const char* path :
       {"variant.reduction_factor", "variant.non_linearity", "variant.adapter_layer_norm_before",
        "variant.adapter_layer_norm_after", "variant.adapters_in", "variant.unfreeze_layer_norms",
        "variant.train_lm_head", "variant.train_backbone_matching"}) {
    widget<QWidget>(path)->setEnabled(adapters);
  }
}

namespace {

bool has_problem_at(const QStringList& problems, const QString& prefix) {
  return std::any_of(problems.begin(), problems.end(),
                     [&](const QString& p) { return p.startsWith(prefix); });
}

}  // namespace

void SetupForm::on_edited() {
  if (populating_) return;
  collect();
  update_variant_fields();
  // What launch_run would refuse (the config's own problems, the device, the backbone folder and
  // the task files), so Start is enabled exactly when a run can start; where the form can say it
  // more precisely at a field (a task missing from the data folder, a device not detected), its
  // own wording replaces the launcher's.
  const QStringList machine = machine_problems();
  std::vector<std::string> launch;
  try {
    launch = launch_problems(config_);
  } catch (const std::exception& e) {
    launch = config_.problems();
    launch.push_back(std::string("data: ") + e.what());
  }
  QStringList config_problems;
  for (const std::string& p : launch) {
    const QString problem = QString::fromStdString(p);
    if (problem.startsWith("data: ") && has_problem_at(machine, "data.")) continue;
    if (problem.startsWith("training.device: ") && has_problem_at(machine, "training.device: ")) {
      continue;
    }
    config_problems << problem;
  }
  problems_ = parse_problems_ + config_problems;
  for (const QString& p : machine) {
    if (p.startsWith("backbone: ") && has_problem_at(config_problems, "backbone: ")) continue;
    problems_ << p;
  }
  update_parameters(config_problems);
  fields_.apply(problems_);
  problems_label_->setText(problems_.isEmpty()
                               ? QString()
                               : tr("Fix before starting:") + "\n• " + problems_.join("\n• "));
  start_->setEnabled(problems_.isEmpty());
  Q_EMIT configChanged();
}

QString SetupForm::loadPreset(const QString& file) {
  try {
    setConfig(ExperimentConfig::load(file.toStdString()));
  } catch (const std::exception& e) {
    const QString error =
        tr("Could not load the preset '%1': %2").arg(file, QString::fromStdString(e.what()));
    Q_EMIT message(error);
    return error;
  }
  Q_EMIT message(tr("Loaded %1").arg(file));
  return {};
}

QString SetupForm::savePreset(const QString& file) const {
  try {
    QDir().mkpath(QFileInfo(file).absolutePath());
    config_.save(file.toStdString());
  } catch (const std::exception& e) {
    return tr("Could not save the preset '%1': %2").arg(file, QString::fromStdString(e.what()));
  }
  return {};
}

void SetupForm::reloadPresetList() {
  presets_->clear();
  for (const PresetFile& p : list_presets()) presets_->addItem(p.name, p.path);
}

void SetupForm::setStartText(const QString& text) {
  start_->setText(text);
}

void SetupForm::choose_glue_dir() {
  const QString dir = QFileDialog::getExistingDirectory(this, tr("GLUE data folder"));
  if (dir.isEmpty()) return;
  widget<QLineEdit>("data.glue_dir")->setText(dir);
  tasks_->setGlueDir(dir);
}

void SetupForm::choose_backbone() {
  const QString dir = QFileDialog::getExistingDirectory(this, tr("T5 backbone folder"));
  if (dir.isEmpty()) return;
  widget<QLineEdit>("backbone")->setText(dir);
  backbones_.erase(dir.toStdString());  // read it again: the folder may have changed
  on_edited();
}

void SetupForm::choose_store() {
  const QString file = QFileDialog::getSaveFileName(
      this, tr("Run store"), widget<QLineEdit>("output.store")->text(), tr("Run stores (*.db)"),
      nullptr, QFileDialog::DontConfirmOverwrite);
  if (file.isEmpty()) return;
  widget<QLineEdit>("output.store")->setText(file);
  on_edited();
}

void SetupForm::load_selected_preset() {
  if (presets_->currentIndex() >= 0) loadPreset(presets_->currentData().toString());
}

void SetupForm::load_preset_file() {
  const QString file = QFileDialog::getOpenFileName(this, tr("Load a preset"), user_preset_dir(),
                                                    tr("Experiment configs (*.json)"));
  if (!file.isEmpty()) loadPreset(file);
}

void SetupForm::save_preset_file() {
  QDir().mkpath(user_preset_dir());
  const QString suggested =
      user_preset_dir() + "/" + QString::fromStdString(config_.name) + ".json";
  const QString file = QFileDialog::getSaveFileName(this, tr("Save as preset"), suggested,
                                                    tr("Experiment configs (*.json)"));
  if (file.isEmpty()) return;
  const QString error = savePreset(file);
  Q_EMIT message(error.isEmpty() ? tr("Saved %1").arg(file) : error);
  reloadPresetList();
}

}  // namespace hwb
