#include "ui/ModelView.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QFutureWatcher>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QSplitter>
#include <QTreeWidget>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

#include <variant>

#include "core/model/DeviceSpec.h"
#include "core/model/ModelProbe.h"

namespace hwb {

namespace {

// A worker's outcome: a value, or the error text to show.
template <typename T>
using Outcome = std::variant<T, QString>;

template <typename T, typename Work, typename Done>
void run_in_background(QObject* owner, Work work, Done done) {
  auto* watcher = new QFutureWatcher<Outcome<T>>(owner);
  QObject::connect(watcher, &QFutureWatcher<Outcome<T>>::finished, owner, [watcher, done] {
    done(watcher->result());
    watcher->deleteLater();
  });
  watcher->setFuture(QtConcurrent::run([work]() -> Outcome<T> {
    try {
      return work();
    } catch (const std::exception& e) {
      return QString::fromStdString(e.what());
    }
  }));
}

QString ids_text(const std::vector<int64_t>& ids) {
  QStringList parts;
  for (int64_t id : ids) parts << QString::number(id);
  return "[" + parts.join(", ") + "]";
}

}  // namespace

ModelView::ModelView(QWidget* parent) : QWidget(parent) {
  model_edit_ = new QLineEdit(QStringLiteral("builtin:t5-mini"));
  model_edit_->setPlaceholderText(tr("builtin:t5-mini, builtin:tiny, or a Hugging Face T5 folder"));
  model_edit_->setObjectName("model_edit");
  browse_button_ = new QPushButton(tr("Browse…"));
  load_button_ = new QPushButton(tr("Load"));
  load_button_->setObjectName("load_button");
  auto* model_row = new QHBoxLayout;
  model_row->addWidget(new QLabel(tr("Backbone")));
  model_row->addWidget(model_edit_, 1);
  model_row->addWidget(browse_button_);
  model_row->addWidget(load_button_);

  summary_tree_ = new QTreeWidget;
  summary_tree_->setObjectName("summary_tree");
  summary_tree_->setColumnCount(2);
  summary_tree_->setHeaderLabels({tr("Property"), tr("Value")});
  summary_tree_->header()->setSectionResizeMode(0, QHeaderView::ResizeToContents);

  input_edit_ =
      new QPlainTextEdit(QStringLiteral("sst2 sentence: a gripping, funny and moving film."));
  input_edit_->setObjectName("input_edit");
  target_edit_ = new QLineEdit(QStringLiteral("1"));
  target_edit_->setObjectName("target_edit");
  target_edit_->setPlaceholderText(tr("optional: target text for the loss"));
  device_combo_ = new QComboBox;
  for (const std::string& d : available_devices())
    device_combo_->addItem(QString::fromStdString(d));
  bf16_check_ = new QCheckBox(tr("bf16 autocast (CUDA)"));
  max_tokens_spin_ = new QSpinBox;
  max_tokens_spin_->setRange(1, 512);
  max_tokens_spin_->setValue(20);
  run_button_ = new QPushButton(tr("Run"));
  run_button_->setObjectName("run_button");
  run_button_->setEnabled(false);
  output_view_ = new QPlainTextEdit;
  output_view_->setObjectName("output_view");
  output_view_->setReadOnly(true);

  auto* form = new QFormLayout;
  form->addRow(tr("Input"), input_edit_);
  form->addRow(tr("Target"), target_edit_);
  form->addRow(tr("Device"), device_combo_);
  form->addRow(QString(), bf16_check_);
  form->addRow(tr("Max new tokens"), max_tokens_spin_);
  auto* run_panel = new QWidget;
  auto* run_layout = new QVBoxLayout(run_panel);
  run_layout->addLayout(form);
  run_layout->addWidget(run_button_);
  run_layout->addWidget(output_view_, 1);

  auto* splitter = new QSplitter;
  splitter->addWidget(summary_tree_);
  splitter->addWidget(run_panel);
  splitter->setStretchFactor(1, 1);

  error_label_ = new QLabel;
  error_label_->setObjectName("error_label");
  error_label_->setWordWrap(true);
  error_label_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  error_label_->setStyleSheet("QLabel { color: #b00020; }");
  error_label_->hide();

  auto* layout = new QVBoxLayout(this);
  layout->addLayout(model_row);
  layout->addWidget(error_label_);
  layout->addWidget(splitter, 1);

  connect(browse_button_, &QPushButton::clicked, this, &ModelView::browse);
  connect(load_button_, &QPushButton::clicked, this, [this] { open_model(model_edit_->text()); });
  connect(model_edit_, &QLineEdit::returnPressed, this,
          [this] { open_model(model_edit_->text()); });
  connect(run_button_, &QPushButton::clicked, this, &ModelView::run);
}

ModelView::~ModelView() = default;

void ModelView::browse() {
  const QString dir = QFileDialog::getExistingDirectory(this, tr("T5 model folder"));
  if (!dir.isEmpty()) open_model(dir);
}

void ModelView::set_busy(bool busy) {
  busy_ = busy;
  load_button_->setEnabled(!busy);
  browse_button_->setEnabled(!busy);
  run_button_->setEnabled(!busy && probe_ != nullptr);
}

void ModelView::show_error(const QString& message) {
  error_label_->setText(message);
  error_label_->show();
  Q_EMIT failed(message);
}

void ModelView::open_model(const QString& spec) {
  if (busy_) return;
  model_edit_->setText(spec);
  error_label_->hide();
  set_busy(true);
  const std::string path = spec.trimmed().toStdString();
  run_in_background<std::shared_ptr<ModelProbe>>(
      this, [path] { return std::shared_ptr<ModelProbe>(ModelProbe::open(path)); },
      [this, spec](const Outcome<std::shared_ptr<ModelProbe>>& outcome) {
        if (const auto* probe = std::get_if<std::shared_ptr<ModelProbe>>(&outcome)) {
          probe_ = *probe;
          show_summary(probe_->summary());
          set_busy(false);
          Q_EMIT model_loaded(spec);
        } else {
          set_busy(false);
          show_error(std::get<QString>(outcome));
        }
      });
}

void ModelView::show_summary(const ModelSummary& s) {
  summary_tree_->clear();
  const QLocale locale;
  auto add = [this](QTreeWidgetItem* parent, const QString& key, const QString& value) {
    auto* item = parent ? new QTreeWidgetItem(parent) : new QTreeWidgetItem(summary_tree_);
    item->setText(0, key);
    item->setText(1, value);
    return item;
  };
  add(nullptr, tr("Source"), QString::fromStdString(s.source));
  const T5Config& c = s.config;
  add(nullptr, tr("Variant"),
      QString("T5 %1, %2 embeddings")
          .arg(c.gated_ffn() ? "v1.1 / FLAN (gated)" : "v1.0")
          .arg(c.tie_word_embeddings ? "tied" : "untied"));
  auto* shape = add(nullptr, tr("Shape"), QString());
  add(shape, "d_model", QString::number(c.d_model));
  add(shape, "d_ff", QString::number(c.d_ff));
  add(shape, "heads × d_kv", QString("%1 × %2").arg(c.num_heads).arg(c.d_kv));
  add(shape, tr("encoder blocks"), QString::number(c.num_layers));
  add(shape, tr("decoder blocks"), QString::number(c.num_decoder_layers));
  add(shape, tr("vocabulary"), QString::number(c.vocab_size));
  add(shape, tr("activation"), QString::fromStdString(c.activation()));
  auto* params = add(nullptr, tr("Parameters"), locale.toString(s.total_parameters));
  for (const auto& [group, n] : s.parameters) {
    add(params, QString::fromStdString(group), locale.toString(n));
  }
  if (!s.stored_dtypes.empty()) {
    QStringList dtypes;
    for (const auto& [dtype, n] : s.stored_dtypes)
      dtypes << QString("%1 (%2)").arg(dtype.c_str()).arg(n);
    add(nullptr, tr("Stored as"), dtypes.join(", "));
  }
  summary_tree_->expandAll();
}

void ModelView::run() {
  if (busy_ || !probe_) return;
  error_label_->hide();
  ProbeRequest request;
  request.text = input_edit_->toPlainText().toStdString();
  request.target_text = target_edit_->text().toStdString();
  request.device = device_combo_->currentText().toStdString();
  request.bf16 = bf16_check_->isChecked();
  request.max_new_tokens = max_tokens_spin_->value();
  set_busy(true);
  std::shared_ptr<ModelProbe> probe = probe_;
  run_in_background<ProbeResult>(
      this, [probe, request] { return probe->run(request); },
      [this](const Outcome<ProbeResult>& outcome) {
        set_busy(false);
        if (const auto* result = std::get_if<ProbeResult>(&outcome)) {
          show_result(*result);
          Q_EMIT run_finished();
        } else {
          show_error(std::get<QString>(outcome));
        }
      });
}

void ModelView::show_result(const ProbeResult& r) {
  QString text;
  text += tr("device      %1\n").arg(QString::fromStdString(r.device));
  text += tr("input ids   %1\n").arg(ids_text(r.input_ids));
  if (r.loss) {
    text += tr("target ids  %1\n").arg(ids_text(r.target_ids));
    text += tr("loss        %1\n").arg(*r.loss, 0, 'f', 4);
  }
  text += tr("generated   %1\n").arg(ids_text(r.generated_ids));
  if (r.generated_text) {
    text += tr("as text     \"%1\"\n").arg(QString::fromStdString(*r.generated_text));
  }
  output_view_->setPlainText(text);
}

}  // namespace hwb
