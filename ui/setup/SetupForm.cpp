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
#include "core/train/RunLauncher.h"
#include "ui/setup/GlueFolderScan.h"
#include "ui/setup/Presets.h"
#include "ui/setup/TaskPicker.h"

namespace hwb {
namespace {

constexpr PeftVariant kVariants[] = {PeftVariant::kHyperformerPP,
                                     PeftVariant::kHyperformer,
                                     PeftVariant::kHyperformerLayerConditioned,
                                     PeftVariant::kAdaptersSharedNorms,
                                     PeftVariant::kAdapters,
                                     PeftVariant::kFullFinetune};

QString variant_label(PeftVariant v) {
  switch (v) {
    case PeftVariant::kHyperformerPP:
      return QObject::tr("Hyperformer++ (one hypernetwork per stack)");
    case PeftVariant::kHyperformer:
      return QObject::tr("Hyperformer (per-layer hypernetworks)");
    case PeftVariant::kHyperformerLayerConditioned:
      return QObject::tr("Hyperformer, layer-conditioned");
    case PeftVariant::kAdaptersSharedNorms:
      return QObject::tr("Adapters† (one set per task)");
    case PeftVariant::kAdapters:
      return QObject::tr("Adapters (single task)");
    case PeftVariant::kFullFinetune:
      return QObject::tr("Full fine-tuning");
  }
  return {};
}

QSpinBox* spin(const char* name, int lo, int hi) {
  auto* s = new QSpinBox;
  s->setObjectName(name);
  s->setRange(lo, hi);
  s->setGroupSeparatorShown(true);
  return s;
}

QLineEdit* line(const char* name) {
  auto* e = new QLineEdit;
  e->setObjectName(name);
  return e;
}

QCheckBox* check(const char* name, const QString& text) {
  auto* c = new QCheckBox(text);
  c->setObjectName(name);
  return c;
}

QWidget* with_buttons(QWidget* field, std::initializer_list<QPushButton*> buttons) {
  auto* row = new QWidget;
  auto* layout = new QHBoxLayout(row);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(field, 1);
  for (QPushButton* b : buttons) layout->addWidget(b);
  return row;
}

QString number_text(double v) {
  return QLocale::c().toString(v, 'g', 10);
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

QWidget* SetupForm::build_data_section() {
  auto* box = new QGroupBox(tr("Experiment and data"));
  auto* form = new QFormLayout(box);
  form->setRowWrapPolicy(QFormLayout::WrapLongRows);  // narrow windows put labels above fields
  name_ = line("name");
  form->addRow(tr("Name"), name_);
  glue_dir_ = line("glue_dir");
  glue_dir_->setToolTip(tr("GLUE's download layout (SST-2/train.tsv, ...) or builtin:demo"));
  auto* browse = new QPushButton(tr("Browse…"));
  auto* demo = new QPushButton(tr("Demo data"));
  demo->setToolTip(tr("The SST-2 and RTE samples bundled with the program"));
  form->addRow(tr("GLUE data folder"), with_buttons(glue_dir_, {browse, demo}));
  tasks_ = new TaskPicker;
  form->addRow(tr("Tasks"), tasks_);
  max_source_length_ = spin("max_source_length", 0, 4096);
  form->addRow(tr("Max source tokens"), max_source_length_);
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
  skip_bad_rows_ = check("skip_bad_rows", tr("Skip bad rows (else a bad row refuses its task)"));
  form->addRow(skip_bad_rows_);
  reference_compatible_ =
      check("reference_compatible", tr("Reference-code compatible (its formatting quirks)"));
  form->addRow(reference_compatible_);
  data_seed_ = line("data_seed");
  form->addRow(tr("Data seed"), data_seed_);

  connect(browse, &QPushButton::clicked, this, &SetupForm::choose_glue_dir);
  connect(demo, &QPushButton::clicked, this, [this] {
    glue_dir_->setText(QString::fromLatin1(ExperimentConfig::kBuiltinDemoData.data(),
                                           ExperimentConfig::kBuiltinDemoData.size()));
    tasks_->setGlueDir(glue_dir_->text());
  });
  connect(glue_dir_, &QLineEdit::editingFinished, this,
          [this] { tasks_->setGlueDir(glue_dir_->text()); });
  connect(tasks_, &TaskPicker::changed, this, &SetupForm::on_edited);
  return box;
}

QWidget* SetupForm::build_model_section() {
  auto* box = new QGroupBox(tr("Backbone and variant"));
  auto* form = new QFormLayout(box);
  form->setRowWrapPolicy(QFormLayout::WrapLongRows);  // narrow windows put labels above fields
  backbone_ = line("backbone");
  backbone_->setToolTip(
      tr("A Hugging Face T5 folder (config.json, model.safetensors), builtin:t5-mini (a small T5 "
         "pretrained for this program) or builtin:tiny (random weights, for quick trials)"));
  auto* browse = new QPushButton(tr("Browse…"));
  auto* mini = new QPushButton(tr("Built-in mini"));
  mini->setObjectName("builtin_mini");
  mini->setToolTip(tr("builtin:t5-mini: 9.1M parameters, pretrained with span corruption"));
  auto* tiny = new QPushButton(tr("Built-in tiny"));
  tiny->setToolTip(tr("builtin:tiny: random weights; learns nothing frozen"));
  form->addRow(tr("Backbone"), with_buttons(backbone_, {browse, mini, tiny}));
  backbone_info_ = new QLabel;
  backbone_info_->setObjectName("backbone_info");
  backbone_info_->setWordWrap(true);
  form->addRow(QString(), backbone_info_);
  variant_ = new QComboBox;
  variant_->setObjectName("variant");
  for (PeftVariant v : kVariants) variant_->addItem(variant_label(v), static_cast<int>(v));
  form->addRow(tr("Variant"), variant_);
  reduction_factor_ = spin("reduction_factor", 0, 65536);
  reduction_factor_->setToolTip(tr("Adapter bottleneck = d_model / reduction factor"));
  form->addRow(tr("Reduction factor"), reduction_factor_);
  non_linearity_ = new QComboBox;
  non_linearity_->setObjectName("non_linearity");
  non_linearity_->addItems({"gelu_new", "relu", "swish"});
  form->addRow(tr("Adapter activation"), non_linearity_);
  task_embedding_dim_ = spin("task_embedding_dim", 0, 65536);
  form->addRow(tr("Task embedding size"), task_embedding_dim_);
  projector_hidden_dim_ = spin("projector_hidden_dim", 0, 65536);
  form->addRow(tr("Projector hidden size"), projector_hidden_dim_);
  projected_task_dim_ = spin("projected_task_dim", 0, 65536);
  form->addRow(tr("Projected task size"), projected_task_dim_);
  projector_layer_norm_ = check("projector_layer_norm", tr("Layer norm after the task projector"));
  form->addRow(projector_layer_norm_);
  conditional_layer_norm_ =
      check("conditional_layer_norm", tr("Generate adapter layer norms per task"));
  form->addRow(conditional_layer_norm_);
  norm_before_ = check("adapter_layer_norm_before", tr("Adapter layer norm before"));
  norm_after_ = check("adapter_layer_norm_after", tr("Adapter layer norm after"));
  form->addRow(norm_before_);
  form->addRow(norm_after_);
  adapters_in_ = new QComboBox;
  adapters_in_->setObjectName("adapters_in");
  adapters_in_->addItem(tr("Encoder and decoder"), static_cast<int>(AdapterStacks::kBoth));
  adapters_in_->addItem(tr("Encoder only"), static_cast<int>(AdapterStacks::kEncoder));
  adapters_in_->addItem(tr("Decoder only"), static_cast<int>(AdapterStacks::kDecoder));
  form->addRow(tr("Adapters in"), adapters_in_);
  unfreeze_layer_norms_ = check("unfreeze_layer_norms", tr("Train the T5 layer norms"));
  train_lm_head_ = check("train_lm_head", tr("Train the LM head"));
  form->addRow(unfreeze_layer_norms_);
  form->addRow(train_lm_head_);
  train_backbone_matching_ = line("train_backbone_matching");
  train_backbone_matching_->setToolTip(
      tr("Also train backbone parameters whose name contains one of these, comma-separated "
         "(e.g. decoder.block.11.)"));
  form->addRow(tr("Also train"), train_backbone_matching_);

  connect(browse, &QPushButton::clicked, this, &SetupForm::choose_backbone);
  const auto use_backbone = [this](std::string_view spec) {
    backbone_->setText(QString::fromLatin1(spec.data(), static_cast<qsizetype>(spec.size())));
    on_edited();
  };
  connect(mini, &QPushButton::clicked, this,
          [use_backbone] { use_backbone(ExperimentConfig::kBuiltinPretrainedBackbone); });
  connect(tiny, &QPushButton::clicked, this,
          [use_backbone] { use_backbone(ExperimentConfig::kBuiltinTinyBackbone); });
  connect(variant_, &QComboBox::currentIndexChanged, this, &SetupForm::on_edited);
  connect(non_linearity_, &QComboBox::currentIndexChanged, this, &SetupForm::on_edited);
  connect(adapters_in_, &QComboBox::currentIndexChanged, this, &SetupForm::on_edited);
  for (QSpinBox* s :
       {reduction_factor_, task_embedding_dim_, projector_hidden_dim_, projected_task_dim_}) {
    connect(s, &QSpinBox::valueChanged, this, &SetupForm::on_edited);
  }
  for (QCheckBox* c : {projector_layer_norm_, conditional_layer_norm_, norm_before_, norm_after_,
                       unfreeze_layer_norms_, train_lm_head_}) {
    connect(c, &QCheckBox::toggled, this, &SetupForm::on_edited);
  }
  return box;
}

QWidget* SetupForm::build_training_section() {
  auto* box = new QGroupBox(tr("Training"));
  auto* form = new QFormLayout(box);
  form->setRowWrapPolicy(QFormLayout::WrapLongRows);  // narrow windows put labels above fields
  device_ = new QComboBox;
  device_->setObjectName("device");
  form->addRow(tr("Device"), device_);
  bf16_ = check("bf16", tr("bf16 autocast on CUDA"));
  form->addRow(bf16_);
  cuda_graphs_ = check("cuda_graphs", tr("CUDA graphs (one per task and padded batch shape)"));
  cuda_graphs_->setToolTip(
      tr("On CUDA, each training step and each evaluation batch's decoding is replayed as one "
         "captured graph instead of thousands of kernel launches. Batches are padded to multiples "
         "of 32 source and 8 target tokens. Training steps with gradient accumulation run "
         "eagerly; runs of several processes use no graphs."));
  form->addRow(cuda_graphs_);
  steps_ = spin("steps", 0, INT_MAX);
  form->addRow(tr("Steps"), steps_);
  batch_size_ = spin("batch_size", 0, 1 << 20);
  form->addRow(tr("Batch size"), batch_size_);
  gradient_accumulation_ = spin("gradient_accumulation", 0, 4096);
  form->addRow(tr("Gradient accumulation"), gradient_accumulation_);
  learning_rate_ = line("learning_rate");
  form->addRow(tr("Learning rate"), learning_rate_);
  warmup_steps_ = spin("warmup_steps", 0, INT_MAX);
  form->addRow(tr("Warm-up steps"), warmup_steps_);
  weight_decay_ = line("weight_decay");
  form->addRow(tr("Weight decay"), weight_decay_);
  max_grad_norm_ = line("max_grad_norm");
  max_grad_norm_->setToolTip(tr("0 = no clipping"));
  form->addRow(tr("Gradient clipping norm"), max_grad_norm_);
  label_smoothing_ = line("label_smoothing");
  form->addRow(tr("Label smoothing"), label_smoothing_);
  temperature_ = line("temperature");
  temperature_->setToolTip(tr("Task sampling: p ~ n^(1/T); 1 = proportional, large = uniform"));
  form->addRow(tr("Sampling temperature"), temperature_);
  seed_ = line("seed");
  form->addRow(tr("Seed"), seed_);
  log_every_ = spin("log_every", 0, INT_MAX);
  form->addRow(tr("Log every (steps)"), log_every_);
  eval_every_ = spin("eval_every", 0, INT_MAX);
  form->addRow(tr("Evaluate every (steps)"), eval_every_);
  eval_batch_size_ = spin("eval_batch_size", 0, 1 << 20);
  form->addRow(tr("Evaluation batch size"), eval_batch_size_);
  early_stopping_patience_ = spin("early_stopping_patience", 0, 100000);
  early_stopping_patience_->setToolTip(tr("Evaluations without a better average; 0 = off"));
  form->addRow(tr("Early stopping patience"), early_stopping_patience_);

  connect(device_, &QComboBox::currentIndexChanged, this, &SetupForm::on_edited);
  connect(bf16_, &QCheckBox::toggled, this, &SetupForm::on_edited);
  connect(cuda_graphs_, &QCheckBox::toggled, this, &SetupForm::on_edited);
  for (QSpinBox* s :
       {steps_, batch_size_, gradient_accumulation_, warmup_steps_, log_every_, eval_every_,
        eval_batch_size_, early_stopping_patience_, max_source_length_}) {
    connect(s, &QSpinBox::valueChanged, this, &SetupForm::on_edited);
  }
  for (QLineEdit* e :
       {learning_rate_, weight_decay_, max_grad_norm_, label_smoothing_, temperature_, seed_,
        data_seed_, name_, backbone_, train_backbone_matching_}) {
    connect(e, &QLineEdit::textEdited, this, &SetupForm::on_edited);
  }
  for (QCheckBox* c : {skip_bad_rows_, reference_compatible_}) {
    connect(c, &QCheckBox::toggled, this, &SetupForm::on_edited);
  }
  return box;
}

QWidget* SetupForm::build_output_section() {
  auto* box = new QGroupBox(tr("Output"));
  auto* form = new QFormLayout(box);
  form->setRowWrapPolicy(QFormLayout::WrapLongRows);  // narrow windows put labels above fields
  store_ = line("store");
  store_->setToolTip(tr("The SQLite run store the run is recorded in"));
  auto* browse = new QPushButton(tr("Browse…"));
  form->addRow(tr("Run store"), with_buttons(store_, {browse}));
  checkpoint_dir_ = line("checkpoint_dir");
  form->addRow(tr("Checkpoint folder"), checkpoint_dir_);
  connect(browse, &QPushButton::clicked, this, &SetupForm::choose_store);
  connect(store_, &QLineEdit::textEdited, this, &SetupForm::on_edited);
  connect(checkpoint_dir_, &QLineEdit::textEdited, this, &SetupForm::on_edited);
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
  fields_.addField("name", name_);
  fields_.addField("backbone", backbone_);
  fields_.addField("data.tasks", tasks_->list());
  fields_.addField("data", tasks_->list());  // the launcher's "data: task files are missing"
  fields_.addField("data.glue_dir", glue_dir_);
  fields_.addField("data.max_source_length", max_source_length_);
  fields_.addField("data.data_seed", data_seed_);
  fields_.addField("variant", variant_);
  fields_.addKeyword("variant", "reduction_factor", reduction_factor_);
  fields_.addKeyword("variant", "non_linearity", non_linearity_);
  fields_.addKeyword("variant", "task_embedding_dim", task_embedding_dim_);
  fields_.addKeyword("variant", "projector_hidden_dim", projector_hidden_dim_);
  fields_.addKeyword("variant", "projected_task_dim", projected_task_dim_);
  fields_.addKeyword("variant", "tasks:", tasks_->list());
  fields_.addField("variant.train_backbone_matching", train_backbone_matching_);
  const std::pair<const char*, QWidget*> training[] = {
      {"device", device_},
      {"steps", steps_},
      {"batch_size", batch_size_},
      {"gradient_accumulation", gradient_accumulation_},
      {"learning_rate", learning_rate_},
      {"warmup_steps", warmup_steps_},
      {"weight_decay", weight_decay_},
      {"max_grad_norm", max_grad_norm_},
      {"label_smoothing", label_smoothing_},
      {"temperature", temperature_},
      {"seed", seed_},
      {"log_every", log_every_},
      {"eval_every", eval_every_},
      {"eval_batch_size", eval_batch_size_},
      {"early_stopping_patience", early_stopping_patience_}};
  for (const auto& [name, widget] : training) {
    fields_.addField(QString("training.") + name, widget);
  }
  fields_.addField("output.store", store_);
  fields_.addField("output.checkpoint_dir", checkpoint_dir_);
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
  name_->setText(QString::fromStdString(c.name));
  glue_dir_->setText(QString::fromStdString(c.glue_dir));
  tasks_->setGlueDir(glue_dir_->text());
  tasks_->setTasks(c.tasks);
  max_source_length_->setValue(c.max_source_length);
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
  skip_bad_rows_->setChecked(c.skip_bad_rows);
  reference_compatible_->setChecked(c.reference_compatible);
  data_seed_->setText(QString::number(c.data_seed));
  backbone_->setText(QString::fromStdString(c.backbone));
  variant_->setCurrentIndex(variant_->findData(static_cast<int>(c.peft.variant)));
  reduction_factor_->setValue(static_cast<int>(c.peft.reduction_factor));
  non_linearity_->setCurrentText(QString::fromStdString(c.peft.non_linearity));
  task_embedding_dim_->setValue(static_cast<int>(c.peft.task_embedding_dim));
  projector_hidden_dim_->setValue(static_cast<int>(c.peft.projector_hidden_dim));
  projected_task_dim_->setValue(static_cast<int>(c.peft.projected_task_dim));
  projector_layer_norm_->setChecked(c.peft.projector_layer_norm);
  conditional_layer_norm_->setChecked(c.peft.conditional_layer_norm);
  norm_before_->setChecked(c.peft.adapter_layer_norm_before);
  norm_after_->setChecked(c.peft.adapter_layer_norm_after);
  adapters_in_->setCurrentIndex(adapters_in_->findData(static_cast<int>(c.peft.adapters_in)));
  unfreeze_layer_norms_->setChecked(c.peft.unfreeze_layer_norms);
  train_lm_head_->setChecked(c.peft.train_lm_head);
  QStringList matching;
  for (const auto& m : c.peft.train_backbone_matching) matching << QString::fromStdString(m);
  train_backbone_matching_->setText(matching.join(", "));
  const QString device = QString::fromStdString(c.device);
  int index = device_->findData(device);
  if (index < 0) {
    device_->addItem(tr("%1 (not detected on this machine)").arg(device), device);
    index = device_->count() - 1;
  }
  device_->setCurrentIndex(index);
  bf16_->setChecked(c.bf16);
  cuda_graphs_->setChecked(c.cuda_graphs);
  steps_->setValue(static_cast<int>(std::min<int64_t>(c.steps, INT_MAX)));
  batch_size_->setValue(static_cast<int>(c.batch_size));
  gradient_accumulation_->setValue(static_cast<int>(c.gradient_accumulation));
  learning_rate_->setText(number_text(c.learning_rate));
  warmup_steps_->setValue(static_cast<int>(std::min<int64_t>(c.warmup_steps, INT_MAX)));
  weight_decay_->setText(number_text(c.weight_decay));
  max_grad_norm_->setText(number_text(c.max_grad_norm));
  label_smoothing_->setText(number_text(c.label_smoothing));
  temperature_->setText(number_text(c.temperature));
  seed_->setText(QString::number(c.seed));
  log_every_->setValue(static_cast<int>(c.log_every));
  eval_every_->setValue(static_cast<int>(c.eval_every));
  eval_batch_size_->setValue(static_cast<int>(c.eval_batch_size));
  early_stopping_patience_->setValue(static_cast<int>(c.early_stopping_patience));
  store_->setText(QString::fromStdString(c.store));
  checkpoint_dir_->setText(QString::fromStdString(c.checkpoint_dir));
  populating_ = false;
}

void SetupForm::collect() {
  parse_problems_.clear();
  ExperimentConfig& c = config_;
  auto real = [this](QLineEdit* e, const char* path, double& out) {
    bool ok = false;
    const double v = QLocale::c().toDouble(e->text().trimmed(), &ok);
    if (ok) {
      out = v;
    } else {
      parse_problems_ << QString("%1: '%2' is not a number").arg(path, e->text());
    }
  };
  auto whole = [this](QLineEdit* e, const char* path, uint64_t& out) {
    bool ok = false;
    const qulonglong v = e->text().trimmed().toULongLong(&ok);
    if (ok) {
      out = v;
    } else {
      parse_problems_ << QString("%1: '%2' is not a whole number").arg(path, e->text());
    }
  };
  c.name = name_->text().trimmed().toStdString();
  c.glue_dir = glue_dir_->text().trimmed().toStdString();
  c.tasks = tasks_->tasks();
  c.max_source_length = max_source_length_->value();
  c.skip_bad_rows = skip_bad_rows_->isChecked();
  c.reference_compatible = reference_compatible_->isChecked();
  whole(data_seed_, "data.data_seed", c.data_seed);
  c.backbone = backbone_->text().trimmed().toStdString();
  c.peft.variant = static_cast<PeftVariant>(variant_->currentData().toInt());
  c.peft.reduction_factor = reduction_factor_->value();
  c.peft.non_linearity = non_linearity_->currentText().toStdString();
  c.peft.task_embedding_dim = task_embedding_dim_->value();
  c.peft.projector_hidden_dim = projector_hidden_dim_->value();
  c.peft.projected_task_dim = projected_task_dim_->value();
  c.peft.projector_layer_norm = projector_layer_norm_->isChecked();
  c.peft.conditional_layer_norm = conditional_layer_norm_->isChecked();
  c.peft.adapter_layer_norm_before = norm_before_->isChecked();
  c.peft.adapter_layer_norm_after = norm_after_->isChecked();
  c.peft.adapters_in = static_cast<AdapterStacks>(adapters_in_->currentData().toInt());
  c.peft.unfreeze_layer_norms = unfreeze_layer_norms_->isChecked();
  c.peft.train_lm_head = train_lm_head_->isChecked();
  c.peft.train_backbone_matching.clear();
  for (const QString& part : train_backbone_matching_->text().split(',', Qt::SkipEmptyParts)) {
    if (!part.trimmed().isEmpty())
      c.peft.train_backbone_matching.push_back(part.trimmed().toStdString());
  }
  c.peft.tasks = c.task_names();
  c.device = device_->currentData().toString().toStdString();
  c.bf16 = bf16_->isChecked();
  c.cuda_graphs = cuda_graphs_->isChecked();
  c.steps = steps_->value();
  c.batch_size = batch_size_->value();
  c.gradient_accumulation = gradient_accumulation_->value();
  real(learning_rate_, "training.learning_rate", c.learning_rate);
  c.warmup_steps = warmup_steps_->value();
  real(weight_decay_, "training.weight_decay", c.weight_decay);
  real(max_grad_norm_, "training.max_grad_norm", c.max_grad_norm);
  real(label_smoothing_, "training.label_smoothing", c.label_smoothing);
  real(temperature_, "training.temperature", c.temperature);
  whole(seed_, "training.seed", c.seed);
  c.log_every = log_every_->value();
  c.eval_every = eval_every_->value();
  c.eval_batch_size = eval_batch_size_->value();
  c.early_stopping_patience = early_stopping_patience_->value();
  c.store = store_->text().trimmed().toStdString();
  c.checkpoint_dir = checkpoint_dir_->text().trimmed().toStdString();
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
  const auto v = static_cast<PeftVariant>(variant_->currentData().toInt());
  PeftConfig probe;
  probe.variant = v;
  const bool hyper = probe.uses_hypernetwork(), adapters = probe.has_adapters();
  for (QWidget* w : std::initializer_list<QWidget*>{task_embedding_dim_, projector_hidden_dim_,
                                                    projected_task_dim_, projector_layer_norm_,
                                                    conditional_layer_norm_}) {
    w->setEnabled(hyper);
  }
  for (QWidget* w : std::initializer_list<QWidget*>{
           reduction_factor_, non_linearity_, norm_before_, norm_after_, adapters_in_,
           unfreeze_layer_norms_, train_lm_head_, train_backbone_matching_}) {
    w->setEnabled(adapters);
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
  glue_dir_->setText(dir);
  tasks_->setGlueDir(dir);
}

void SetupForm::choose_backbone() {
  const QString dir = QFileDialog::getExistingDirectory(this, tr("T5 backbone folder"));
  if (dir.isEmpty()) return;
  backbone_->setText(dir);
  backbones_.erase(dir.toStdString());  // read it again: the folder may have changed
  on_edited();
}

void SetupForm::choose_store() {
  const QString file =
      QFileDialog::getSaveFileName(this, tr("Run store"), store_->text(), tr("Run stores (*.db)"),
                                   nullptr, QFileDialog::DontConfirmOverwrite);
  if (file.isEmpty()) return;
  store_->setText(file);
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
