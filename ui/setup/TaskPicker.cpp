#include "ui/setup/TaskPicker.h"

#include <QFileDialog>
#include <QHBoxLayout>
#include <QListWidget>
#include <QLocale>
#include <QPushButton>
#include <QSignalBlocker>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

#include <algorithm>

#include "core/data/GlueTasks.h"

namespace hwb {

TaskPicker::TaskPicker(QWidget* parent) : QWidget(parent), list_(new QListWidget(this)) {
  list_->setObjectName("tasks");
  list_->setMinimumHeight(120);
  auto* add = new QPushButton(tr("Add custom task…"), this);
  add->setToolTip(tr("Load a JSON task definition (files, fields, template, labels, metrics)"));
  remove_ = new QPushButton(tr("Remove"), this);
  remove_->setEnabled(false);
  auto* buttons = new QHBoxLayout;
  buttons->addWidget(add);
  buttons->addWidget(remove_);
  buttons->addStretch();
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(list_);
  layout->addLayout(buttons);

  connect(add, &QPushButton::clicked, this, &TaskPicker::choose_custom_task);
  connect(remove_, &QPushButton::clicked, this, &TaskPicker::remove_selected_custom);
  connect(list_, &QListWidget::currentItemChanged, this, [this](QListWidgetItem* item) {
    remove_->setEnabled(item && known_.count(item->data(Qt::UserRole).toString()) &&
                        known_.at(item->data(Qt::UserRole).toString()).custom.has_value());
  });
  connect(&counting_, &QFutureWatcher<std::vector<GlueTaskFound>>::finished, this, [this] {
    if (counting_.property("generation").toInt() != scan_generation_) return;
    for (const GlueTaskFound& t : counting_.result()) {
      if (train_rows_.count(t.name)) train_rows_[t.name] = t.train_rows;
    }
    updating_ = true;
    update_texts();
    updating_ = false;
  });
  connect(list_, &QListWidget::itemChanged, this, [this] {
    if (!updating_) Q_EMIT changed();
  });
}

QListWidgetItem* TaskPicker::item_of(const QString& name) const {
  for (int i = 0; i < list_->count(); ++i) {
    if (list_->item(i)->data(Qt::UserRole).toString() == name) return list_->item(i);
  }
  return nullptr;
}

QListWidgetItem* TaskPicker::add_item(const QString& name) {
  auto* item = new QListWidgetItem(name, list_);
  item->setData(Qt::UserRole, name);
  item->setFlags(item->flags() | Qt::ItemIsUserCheckable);
  item->setCheckState(Qt::Unchecked);
  return item;
}

void TaskPicker::update_texts() {
  const QLocale locale;
  for (int i = 0; i < list_->count(); ++i) {
    QListWidgetItem* item = list_->item(i);
    const QString name = item->data(Qt::UserRole).toString();
    const ExperimentTask& task = known_.at(name);
    QString text = name;
    if (task.custom) {
      text += tr("  (custom)");
    } else if (train_rows_.count(name) && train_rows_.at(name) < 0) {
      text += tr("  (counting examples…)");
    } else if (train_rows_.count(name)) {
      text += tr("  %1 train examples").arg(locale.toString(train_rows_.at(name)));
    } else {
      text += tr("  (not in the data folder)");
    }
    if (task.max_train)
      text += tr(", capped at %1").arg(locale.toString(qlonglong(task.max_train)));
    item->setText(text);
    item->setToolTip(text);  // the list is narrow in a three-column form
  }
}

void TaskPicker::setGlueDir(const QString& glue_dir) {
  updating_ = true;
  train_rows_.clear();
  std::vector<GlueTaskFound> found = find_glue_tasks(glue_dir);
  for (const GlueTaskFound& t : found) train_rows_[t.name] = -1;
  const int generation = ++scan_generation_;
  counting_.setFuture(QtConcurrent::run([found, generation]() mutable {
    count_train_rows(found);
    return found;
  }));
  counting_.setProperty("generation", generation);
  // GLUE tasks in the paper's order, then custom tasks; unchecked GLUE tasks the folder lacks go.
  std::vector<std::pair<QString, bool>> keep;
  for (const std::string& n : GlueTasks::names()) {
    const QString name = QString::fromStdString(n);
    QListWidgetItem* item = item_of(name);
    const bool checked = item && item->checkState() == Qt::Checked;
    if (train_rows_.count(name) || checked) keep.emplace_back(name, checked);
  }
  for (int i = 0; i < list_->count(); ++i) {
    const QString name = list_->item(i)->data(Qt::UserRole).toString();
    if (known_.count(name) && known_.at(name).custom) {
      keep.emplace_back(name, list_->item(i)->checkState() == Qt::Checked);
    }
  }
  list_->clear();
  for (const auto& [name, checked] : keep) {
    if (!known_.count(name)) known_[name].glue = name.toStdString();
    add_item(name)->setCheckState(checked ? Qt::Checked : Qt::Unchecked);
  }
  update_texts();
  updating_ = false;
  Q_EMIT changed();
}

void TaskPicker::setTasks(const std::vector<ExperimentTask>& tasks) {
  updating_ = true;
  for (int i = 0; i < list_->count(); ++i) list_->item(i)->setCheckState(Qt::Unchecked);
  for (const ExperimentTask& t : tasks) check_task(t);
  update_texts();
  updating_ = false;
  Q_EMIT changed();
}

void TaskPicker::check_task(const ExperimentTask& task) {
  const QString name = QString::fromStdString(task.name());
  known_[name] = task;
  QListWidgetItem* item = item_of(name);
  if (!item) item = add_item(name);
  item->setCheckState(Qt::Checked);
}

std::vector<ExperimentTask> TaskPicker::tasks() const {
  std::vector<ExperimentTask> out;
  for (int i = 0; i < list_->count(); ++i) {
    if (list_->item(i)->checkState() != Qt::Checked) continue;
    out.push_back(known_.at(list_->item(i)->data(Qt::UserRole).toString()));
  }
  return out;
}

void TaskPicker::setCaps(int64_t max_train, int64_t max_validation) {
  for (auto& [name, task] : known_) {
    if (max_train >= 0) task.max_train = static_cast<std::size_t>(max_train);
    if (max_validation >= 0) task.max_validation = static_cast<std::size_t>(max_validation);
  }
  updating_ = true;
  update_texts();
  updating_ = false;
  Q_EMIT changed();
}

bool TaskPicker::counting() const {
  return std::any_of(train_rows_.begin(), train_rows_.end(),
                     [](const auto& rows) { return rows.second < 0; });
}

QStringList TaskPicker::missingTasks() const {
  QStringList missing;
  for (const ExperimentTask& t : tasks()) {
    const QString name = QString::fromStdString(t.name());
    if (!t.custom && !train_rows_.count(name)) missing << name;
  }
  return missing;
}

QString TaskPicker::addCustomTask(const QString& json_file) {
  ExperimentTask task;
  try {
    task.custom = TaskDefinition::load(json_file.toStdString());
  } catch (const std::exception& e) {
    return QString::fromStdString(e.what());
  }
  const QString name = QString::fromStdString(task.custom->name);
  if (GlueTasks::contains(task.custom->name)) {
    return tr("The task in '%1' is named '%2', like a GLUE task: rename it").arg(json_file, name);
  }
  updating_ = true;
  check_task(task);
  update_texts();
  updating_ = false;
  Q_EMIT changed();
  return {};
}

void TaskPicker::setTaskChecked(const QString& name, bool checked) {
  if (QListWidgetItem* item = item_of(name))
    item->setCheckState(checked ? Qt::Checked : Qt::Unchecked);
}

void TaskPicker::choose_custom_task() {
  const QString file = QFileDialog::getOpenFileName(this, tr("Add a custom task"), {},
                                                    tr("Task definitions (*.json)"));
  if (file.isEmpty()) return;
  last_error_ = addCustomTask(file);
  if (!last_error_.isEmpty()) Q_EMIT changed();
}

void TaskPicker::remove_selected_custom() {
  QListWidgetItem* item = list_->currentItem();
  if (!item) return;
  const QString name = item->data(Qt::UserRole).toString();
  if (!known_.count(name) || !known_.at(name).custom) return;
  known_.erase(name);
  delete item;
  Q_EMIT changed();
}

}  // namespace hwb
