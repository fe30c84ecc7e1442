#include "ui/study/StudyView.h"

#include <QApplication>
#include <QClipboard>
#include <QComboBox>
#include <QFile>
#include <QFileDialog>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMessageBox>
#include <QProgressBar>
#include <QPushButton>
#include <QScrollArea>
#include <QSpinBox>
#include <QTableWidget>
#include <QVBoxLayout>

#include <nlohmann/json.hpp>

#include <sstream>

#include "core/store/RunStoreReader.h"
#include "core/study/StudyQueue.h"
#include "core/train/ExperimentSettings.h"
#include "core/util/SettingsTable.h"
#include "ui/study/ResultsTableWidget.h"

namespace hwb {

namespace {

QString qs(const std::string& s) {
  return QString::fromStdString(s);
}

// Every problem line of an error (its first line says whose they are).
QStringList problem_lines(const std::exception& e) {
  QStringList out;
  std::istringstream lines(e.what());
  std::string line;
  std::getline(lines, line);
  const QString head = qs(line);
  while (std::getline(lines, line)) {
    const auto start = line.find_first_not_of(' ');
    if (start != std::string::npos) out << qs(line.substr(start));
  }
  if (out.isEmpty()) out << head;
  return out;
}

// The settings an axis can vary: every one the Setup page has, but lists (their values contain
// the commas that separate an axis's values).
QComboBox* setting_chooser() {
  auto* box = new QComboBox;
  for (const Setting<ExperimentConfig>& s : experiment_settings()) {
    if (s.kind == SettingKind::kTextList) continue;
    box->addItem(QString("%1 (%2)").arg(qs(s.label), qs(s.path)), qs(s.path));
  }
  box->setToolTip(QObject::tr("Any setting of the Setup page; 'hyperformer settings' lists them"));
  return box;
}

QTableWidgetItem* cell(const QString& text) {
  auto* item = new QTableWidgetItem(text);
  item->setFlags(item->flags() & ~Qt::ItemIsEditable);
  return item;
}

}  // namespace

StudyView::StudyView(QWidget* parent) : QWidget(parent) {
  qRegisterMetaType<StudySpec>();
  auto* content = new QWidget;
  auto* layout = new QVBoxLayout(content);
  layout->addWidget(build_editor());
  layout->addWidget(build_grid(), 1);
  layout->addWidget(build_results(), 1);
  // One scrolling area: every part reachable in a small window.
  auto* scroll = new QScrollArea;
  scroll->setWidget(content);
  scroll->setWidgetResizable(true);
  scroll->setFrameShape(QFrame::NoFrame);
  auto* outer = new QVBoxLayout(this);
  outer->setContentsMargins(0, 0, 0, 0);
  outer->addWidget(scroll);
  update_summary();
}

StudyView::~StudyView() = default;

QWidget* StudyView::build_editor() {
  auto* box = new QGroupBox(tr("New study: the Setup page's experiment, with axes"));
  auto* form = new QVBoxLayout(box);
  auto* name_row = new QFormLayout;
  name_ = new QLineEdit(tr("study"));
  name_->setObjectName("study_name");
  name_->setToolTip(
      tr("Unique in the store; started again under the same name, the study skips "
         "finished runs and resumes interrupted ones"));
  name_row->addRow(tr("Name"), name_);
  form->addLayout(name_row);

  axes_ = new QTableWidget(0, 2);
  axes_->setObjectName("study_axes");
  axes_->setHorizontalHeaderLabels({tr("Setting"), tr("Values (comma-separated)")});
  axes_->horizontalHeader()->setSectionResizeMode(0, QHeaderView::Stretch);
  axes_->horizontalHeader()->setSectionResizeMode(1, QHeaderView::Stretch);
  axes_->verticalHeader()->hide();
  axes_->setMinimumHeight(110);
  form->addWidget(axes_);

  // Several at once: worker processes of the command line, one per GPU or N on the CPU.
  auto* at_once_row = new QHBoxLayout;
  at_once_ = new QComboBox;
  at_once_->setObjectName("study_at_once");
  at_once_->addItem(tr("One run at a time, in this window"), "window");
  at_once_->addItem(tr("One run per GPU, at once"), "gpus");
  at_once_->addItem(tr("Several runs at once on the CPU"), "workers");
  gpus_ = new QLineEdit("0,1");
  gpus_->setObjectName("study_gpus");
  gpus_->setToolTip(tr("The GPUs to use, e.g. 0,1 (each runs one run at a time)"));
  workers_ = new QSpinBox;
  workers_->setObjectName("study_workers");
  workers_->setRange(2, 64);
  workers_->setToolTip(tr("Worker processes, each with its share of the cores"));
  workers_text_ = new QLabel;
  workers_text_->setObjectName("study_workers_text");
  at_once_row->addWidget(new QLabel(tr("Train")));
  at_once_row->addWidget(at_once_, 1);
  at_once_row->addWidget(gpus_);
  at_once_row->addWidget(workers_);
  form->addLayout(at_once_row);
  const auto update_at_once = [this] {
    const QString mode = at_once_->currentData().toString();
    gpus_->setVisible(mode == "gpus");
    workers_->setVisible(mode == "workers");
  };
  connect(at_once_, &QComboBox::currentIndexChanged, this, update_at_once);
  update_at_once();

  auto* buttons = new QHBoxLayout;
  auto* add = new QPushButton(tr("Add axis"));
  add->setObjectName("add_axis");
  auto* remove = new QPushButton(tr("Remove axis"));
  remove->setObjectName("remove_axis");
  start_ = new QPushButton(tr("Start study"));
  start_->setObjectName("start_study");
  summary_ = new QLabel;
  summary_->setObjectName("study_summary");
  summary_->setWordWrap(true);
  summary_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  buttons->addWidget(add);
  buttons->addWidget(remove);
  buttons->addStretch(1);
  buttons->addWidget(start_);
  stop_workers_ = new QPushButton(tr("Stop workers"));
  stop_workers_->setObjectName("stop_workers");
  stop_workers_->setToolTip(
      tr("Each worker stops its run with a checkpoint; Start study again "
         "continues"));
  stop_workers_->setVisible(false);
  buttons->addWidget(stop_workers_);
  connect(stop_workers_, &QPushButton::clicked, this, &StudyView::stopWorkersRequested);
  form->addLayout(buttons);
  form->addWidget(summary_);
  form->addWidget(workers_text_);

  connect(add, &QPushButton::clicked, this, [this] { addAxis("training.seed", "1, 2, 3"); });
  connect(remove, &QPushButton::clicked, this, [this] {
    const int row = axes_->currentRow() >= 0 ? axes_->currentRow() : axes_->rowCount() - 1;
    if (row >= 0) axes_->removeRow(row);
    update_summary();
  });
  connect(name_, &QLineEdit::textChanged, this, &StudyView::update_summary);
  connect(start_, &QPushButton::clicked, this, [this] {
    QStringList problems;
    const std::optional<StudySpec> spec = study(&problems);
    if (!spec) return;
    const std::size_t runs = spec->run_count();
    if (runs > StudySpec::kConfirmAbove &&
        QMessageBox::question(this, tr("Start %1 runs?").arg(runs),
                              tr("The study '%1' makes %2 runs, trained one after another. "
                                 "Start them all?")
                                  .arg(qs(spec->name))
                                  .arg(runs)) != QMessageBox::Yes) {
      return;
    }
    Q_EMIT startRequested(*spec);
  });
  return box;
}

QWidget* StudyView::build_grid() {
  auto* box = new QGroupBox(tr("Studies in this store"));
  auto* layout = new QVBoxLayout(box);
  auto* top = new QHBoxLayout;
  studies_ = new QComboBox;
  studies_->setObjectName("study_choice");
  progress_ = new QProgressBar;
  progress_->setObjectName("study_progress");
  progress_->setFormat(tr("%v of %m finished"));
  top->addWidget(new QLabel(tr("Study")));
  top->addWidget(studies_, 1);
  top->addWidget(progress_, 1);
  layout->addLayout(top);
  grid_ = new QTableWidget;
  grid_->setObjectName("study_grid");
  grid_->verticalHeader()->hide();
  grid_->setSortingEnabled(false);
  grid_->setMinimumHeight(150);
  layout->addWidget(grid_);
  connect(studies_, &QComboBox::currentIndexChanged, this, [this] {
    fill_grid();
    fill_results();
  });
  return box;
}

QWidget* StudyView::build_results() {
  auto* box = new QGroupBox(tr("Results: the paper's Table 1 over the study's finished runs"));
  auto* layout = new QVBoxLayout(box);
  auto* top = new QHBoxLayout;
  split_ = new QComboBox;
  split_->setObjectName("results_split");
  split_->addItem(tr("Validation (best evaluation)"), "validation");
  split_->addItem(tr("Test (best checkpoint)"), "test");
  auto* exporter = new QPushButton(tr("Export…"));
  exporter->setObjectName("export_results");
  auto* menu = new QMenu(exporter);
  menu->addAction(tr("Markdown…"), this, [this] { export_results("markdown"); });
  menu->addAction(tr("LaTeX (booktabs)…"), this, [this] { export_results("latex"); });
  menu->addAction(tr("CSV…"), this, [this] { export_results("csv"); });
  menu->addAction(tr("Copy as Markdown"), this,
                  [this] { QApplication::clipboard()->setText(resultsText("markdown")); });
  exporter->setMenu(menu);
  top->addWidget(new QLabel(tr("Split")));
  top->addWidget(split_);
  top->addStretch(1);
  top->addWidget(exporter);
  layout->addLayout(top);
  results_ = new QTableWidget;
  results_->setObjectName("results_table");
  results_->verticalHeader()->hide();
  results_->setMinimumHeight(120);
  layout->addWidget(results_);
  results_note_ = new QLabel;
  results_note_->setObjectName("results_note");
  results_note_->setWordWrap(true);
  layout->addWidget(results_note_);
  connect(split_, &QComboBox::currentIndexChanged, this, &StudyView::fill_results);
  return box;
}

QStringList StudyView::workerOptions() const {
  const QString mode = at_once_->currentData().toString();
  if (mode == "gpus") return {"--gpus", gpus_->text().simplified().remove(' ')};
  if (mode == "workers") return {"--workers", QString::number(workers_->value())};
  return {};
}

void StudyView::setWorkerOptions(const QString& gpus, int cpu_workers) {
  if (!gpus.isEmpty()) {
    at_once_->setCurrentIndex(at_once_->findData("gpus"));
    gpus_->setText(gpus);
  } else if (cpu_workers > 0) {
    at_once_->setCurrentIndex(at_once_->findData("workers"));
    workers_->setValue(cpu_workers);
  } else {
    at_once_->setCurrentIndex(at_once_->findData("window"));
  }
}

void StudyView::setWorkersText(const QString& text, bool running) {
  workers_text_->setText(text);
  stop_workers_->setVisible(running);
}

void StudyView::setBase(const ExperimentConfig& base) {
  base_ = base;
  update_summary();
}

void StudyView::setStore(std::shared_ptr<const RunStoreReader> reader) {
  reader_ = std::move(reader);
  refresh();
}

void StudyView::setStudyName(const QString& name) {
  name_->setText(name);
}

void StudyView::addAxis(const QString& path, const QString& values) {
  const int row = axes_->rowCount();
  axes_->insertRow(row);
  QComboBox* chooser = setting_chooser();
  chooser->setCurrentIndex(std::max(0, chooser->findData(path)));
  auto* edit = new QLineEdit(values);
  axes_->setCellWidget(row, 0, chooser);
  axes_->setCellWidget(row, 1, edit);
  connect(chooser, &QComboBox::currentIndexChanged, this, &StudyView::update_summary);
  connect(edit, &QLineEdit::textChanged, this, &StudyView::update_summary);
  update_summary();
}

std::optional<StudySpec> StudyView::study(QStringList* problems) const {
  QStringList found;
  nlohmann::json axes = nlohmann::json::array();
  for (int row = 0; row < axes_->rowCount(); ++row) {
    const auto* chooser = qobject_cast<QComboBox*>(axes_->cellWidget(row, 0));
    const auto* edit = qobject_cast<QLineEdit*>(axes_->cellWidget(row, 1));
    const std::string path = chooser->currentData().toString().toStdString();
    const Setting<ExperimentConfig>* s = find_setting(experiment_settings(), path);
    nlohmann::json values = nlohmann::json::array();
    for (const QString& piece : edit->text().split(',', Qt::SkipEmptyParts)) {
      const QString text = piece.trimmed();
      if (text.isEmpty()) continue;
      std::string error;
      if (const auto v =
              setting_from_text(s->kind, s->limits, s->choices, text.toStdString(), error)) {
        values.push_back(setting_json(*v));
      } else {
        found << tr("Axis %1 (%2): %3").arg(row + 1).arg(qs(s->label), qs(error));
      }
    }
    axes.push_back({{"path", path}, {"values", values}});
  }
  std::optional<StudySpec> spec;
  if (found.isEmpty()) {
    const nlohmann::json json = {{"study", name_->text().trimmed().toStdString()},
                                 {"base", base_.to_json()},
                                 {"axes", axes}};
    try {
      spec = StudySpec::from_json(json, "the study");
      spec->expand();  // combinations the values alone do not show
    } catch (const std::exception& e) {
      found << problem_lines(e);
      spec.reset();
    }
  }
  if (problems) *problems = found;
  return spec;
}

void StudyView::update_summary() {
  QStringList problems;
  const std::optional<StudySpec> spec = study(&problems);
  start_->setEnabled(spec.has_value());
  if (spec) {
    summary_->setStyleSheet({});
    summary_->setText(tr("%n run(s) in %1, one after another; started again, finished runs are "
                         "kept and stopped ones resumed.",
                         nullptr, static_cast<int>(spec->run_count()))
                          .arg(qs(spec->base.store)));
  } else {
    summary_->setStyleSheet("color: #b00020;");
    summary_->setText(problems.join("\n"));
  }
}

void StudyView::refresh() {
  const QString shown = studies_->currentText();
  QSignalBlocker block(studies_);
  studies_->clear();
  if (reader_) {
    try {
      for (const StudyInfo& s : reader_->studies()) studies_->addItem(qs(s.name));
    } catch (const std::exception&) {
      // A store of an older schema has no studies until it is written once.
    }
  }
  const int index = studies_->findText(shown);
  studies_->setCurrentIndex(index >= 0 ? index : studies_->count() - 1);
  fill_grid();
  fill_results();
}

void StudyView::showStudy(const QString& name) {
  refresh();
  const int index = studies_->findText(name);
  if (index >= 0) studies_->setCurrentIndex(index);
}

void StudyView::fill_grid() {
  grid_->clear();
  grid_->setRowCount(0);
  progress_->setRange(0, 1);
  progress_->setValue(0);
  if (!reader_ || studies_->currentIndex() < 0) {
    grid_->setColumnCount(0);
    return;
  }
  StudyState state;
  try {
    state = read_study(*reader_, studies_->currentText().toStdString());
  } catch (const std::exception& e) {
    grid_->setColumnCount(1);
    grid_->setHorizontalHeaderLabels({tr("Problem")});
    grid_->setRowCount(1);
    grid_->setItem(0, 0, cell(qs(e.what())));
    return;
  }
  QStringList headers = {tr("#"), tr("Run"), tr("Status"), tr("Step"), tr("Validation average")};
  const std::size_t coordinates =
      state.entries.empty() ? 0 : state.entries.front().cell.coordinates.size();
  for (std::size_t c = 0; c < coordinates; ++c)
    headers << qs(state.entries.front().cell.coordinates[c].first);
  grid_->setColumnCount(static_cast<int>(headers.size()));
  grid_->setHorizontalHeaderLabels(headers);
  grid_->setRowCount(static_cast<int>(state.entries.size()));
  int finished = 0;
  for (int row = 0; row < static_cast<int>(state.entries.size()); ++row) {
    const StudyEntry& e = state.entries[static_cast<std::size_t>(row)];
    const bool exists = e.run.id > 0;
    finished += e.run.status == "finished";
    QString score;
    if (exists) {
      const RunScores scores = read_run_scores(*reader_, e.run, "validation");
      if (!scores.task_scores.empty()) {
        double sum = 0;
        for (const auto& [task, value] : scores.task_scores) sum += value;
        score = QString::number(sum / static_cast<double>(scores.task_scores.size()), 'f', 1);
      }
    }
    grid_->setItem(row, 0, cell(QString::number(e.cell.index + 1)));
    grid_->setItem(row, 1, cell(exists ? QString::number(e.run.id) : tr("—")));
    grid_->setItem(row, 2, cell(exists ? qs(e.run.status) : tr("not queued")));
    grid_->setItem(row, 3, cell(exists ? QString::number(e.run.last_step) : QString()));
    grid_->setItem(row, 4, cell(score));
    for (std::size_t c = 0; c < e.cell.coordinates.size() && c < coordinates; ++c) {
      grid_->setItem(row, 5 + static_cast<int>(c), cell(qs(e.cell.coordinates[c].second)));
    }
  }
  grid_->resizeColumnsToContents();
  progress_->setRange(0, std::max<int>(1, static_cast<int>(state.entries.size())));
  progress_->setValue(finished);
}

void StudyView::fill_results() {
  table_.reset();
  results_note_->clear();
  if (!reader_ || studies_->currentIndex() < 0) {
    show_results_table(results_, ResultsTable{});
    return;
  }
  const std::string split = split_->currentData().toString().toStdString();
  try {
    const int64_t study = find_study(*reader_, studies_->currentText().toStdString()).id;
    std::vector<std::pair<const RunStoreReader*, RunInfo>> runs;
    for (RunInfo& r : reader_->runs()) {
      if (r.study_id == study) runs.emplace_back(reader_.get(), std::move(r));
    }
    table_ = results_table_of(runs, split);
  } catch (const std::exception& e) {
    show_results_table(results_, ResultsTable{});
    results_note_->setText(qs(e.what()));
    return;
  }
  show_results_table(results_, *table_);
  QStringList notes;
  if (table_->rows.empty()) notes << tr("No finished run with %1 scores yet.").arg(qs(split));
  for (const std::string& note : table_->notes) notes << qs(note);
  results_note_->setText(notes.join("\n"));
}

QString StudyView::resultsText(const QString& format) const {
  if (!table_ || table_->rows.empty()) return {};
  if (format == "latex") return qs(results_latex(*table_));
  if (format == "csv") return qs(results_csv(*table_));
  return qs(results_markdown(*table_));
}

void StudyView::export_results(const QString& format) {
  const QString text = resultsText(format);
  if (text.isEmpty()) {
    QMessageBox::information(this, tr("Nothing to export"),
                             tr("The study has no finished run with scores on this split yet."));
    return;
  }
  const QString suffix = format == "latex" ? "tex" : format == "csv" ? "csv" : "md";
  const QString file = QFileDialog::getSaveFileName(
      this, tr("Export the results table"),
      QString("%1-%2.%3").arg(studies_->currentText(), split_->currentData().toString(), suffix));
  if (file.isEmpty()) return;
  QFile out(file);
  if (!out.open(QIODevice::WriteOnly | QIODevice::Truncate) || out.write(text.toUtf8()) < 0 ||
      !out.flush()) {
    QMessageBox::warning(this, tr("Export failed"),
                         tr("Could not write %1: %2").arg(file, out.errorString()));
  }
}

}  // namespace hwb
