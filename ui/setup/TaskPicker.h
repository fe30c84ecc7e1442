#pragma once

#include <QFutureWatcher>
#include <QString>
#include <QWidget>

#include <map>
#include <vector>

#include "core/train/ExperimentConfig.h"
#include "ui/setup/GlueFolderScan.h"

class QListWidget;
class QListWidgetItem;
class QPushButton;

namespace hwb {

// The experiment's tasks: the GLUE tasks found in the data folder (with their train sizes) and
// custom tasks loaded from JSON task definitions, each with a check box. Checked tasks, in list
// order, are the experiment's tasks; their caps (max_train, ...) are kept from the config they came
// from.
class TaskPicker : public QWidget {
  Q_OBJECT

 public:
  explicit TaskPicker(QWidget* parent = nullptr);

  // Lists the GLUE tasks of this folder ("builtin:demo" for the bundled samples). Checked tasks
  // stay checked; a checked GLUE task the folder lacks stays listed, marked missing.
  void setGlueDir(const QString& glue_dir);
  // Checks exactly these tasks (adding custom ones and missing GLUE ones to the list).
  void setTasks(const std::vector<ExperimentTask>& tasks);
  std::vector<ExperimentTask> tasks() const;
  // Whether the train sizes of the folder's tasks are still being counted.
  bool counting() const;
  // Checked GLUE tasks whose train file is not in the folder.
  QStringList missingTasks() const;
  // Loads a task definition file and adds it, checked. Returns the error, or empty.
  QString addCustomTask(const QString& json_file);
  void setTaskChecked(const QString& name, bool checked);
  // Caps every listed task's train / validation split (0 = everything; negative = leave as is).
  void setCaps(int64_t max_train, int64_t max_validation);
  // Why the last custom task chosen in the file dialog could not be added, or empty.
  QString lastError() const { return last_error_; }

  QListWidget* list() const { return list_; }

 Q_SIGNALS:
  void changed();

 private:
  void choose_custom_task();
  void remove_selected_custom();
  QListWidgetItem* item_of(const QString& name) const;
  QListWidgetItem* add_item(const QString& name);
  // Remembers the task and ticks its row, adding the row if the list lacks it.
  void check_task(const ExperimentTask& task);
  void update_texts();

  QListWidget* list_;
  QPushButton* remove_;
  // What each listed task contributes when checked (GLUE name or custom definition, and caps).
  std::map<QString, ExperimentTask> known_;
  std::map<QString, int64_t> train_rows_;  // GLUE tasks found in the folder; -1: not counted yet
  // Counting rows reads whole files: done on a worker; a count for a folder that is no longer
  // chosen is dropped.
  QFutureWatcher<std::vector<GlueTaskFound>> counting_;
  int scan_generation_ = 0;
  QString last_error_;
  bool updating_ = false;
};

}  // namespace hwb
