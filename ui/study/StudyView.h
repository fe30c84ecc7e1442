#pragma once

#include <QStringList>
#include <QWidget>

#include <cstdint>
#include <memory>
#include <optional>

#include "core/study/ResultsTable.h"
#include "core/study/StudySpec.h"
#include "core/train/ExperimentConfig.h"

class QComboBox;
class QLabel;
class QLineEdit;
class QProgressBar;
class QSpinBox;
class QPushButton;
class QTableWidget;

namespace hwb {

class RunStoreReader;

// The Study page (docs/STUDIES.md): a study made from the Setup page's experiment, with any of its
// settings as an axis; the grid of a study of the open store with each run's state and score and
// the study's progress; and its results as the paper's Table 1, exported as Markdown, LaTeX or
// CSV. Starting is the window's: the page says what to start (startRequested) and how
// (workerOptions).
class StudyView : public QWidget {
  Q_OBJECT

 public:
  explicit StudyView(QWidget* parent = nullptr);
  ~StudyView() override;

  // The experiment the axes vary: the Setup page's, as it is edited.
  void setBase(const ExperimentConfig& base);
  // The store whose studies are shown (null: none).
  void setStore(std::shared_ptr<const RunStoreReader> reader);

  void setStudyName(const QString& name);
  // A new axis row: a setting by its JSON path and its values as typed, comma-separated.
  void addAxis(const QString& path, const QString& values);
  // The study the page would start, or nothing and every problem (a line each, with its path).
  std::optional<StudySpec> study(QStringList* problems = nullptr) const;
  // Shows this study of the store (by name) in the grid and the table.
  void showStudy(const QString& name);
  // The shown results table in "markdown", "latex" or "csv"; empty when there is none.
  QString resultsText(const QString& format) const;

  // How the study's runs train: in this window one at a time, or several at once in worker
  // processes of the command line (docs/STUDIES.md "Several at once"), one per GPU or N on the
  // CPU. As `hyperformer study` options: empty for this window, else {"--gpus", "0,1"} or
  // {"--workers", "2"}.
  QStringList workerOptions() const;
  void setWorkerOptions(const QString& gpus, int cpu_workers);
  // Says the worker processes' state under the Start button ("3 workers running, process 1234").
  // running: whether worker processes of this window train now (Stop workers is offered).
  void setWorkersText(const QString& text, bool running);

 public Q_SLOTS:
  // Re-reads the store: its studies, the shown study's runs, the results table.
  void refresh();

 Q_SIGNALS:
  void startRequested(const hwb::StudySpec& spec);
  // Stop the study's worker processes (each saves a checkpoint).
  void stopWorkersRequested();

 private:
  QWidget* build_editor();
  QWidget* build_grid();
  QWidget* build_results();
  void update_summary();
  void fill_grid();
  void fill_results();
  void export_results(const QString& format);

  ExperimentConfig base_;
  std::shared_ptr<const RunStoreReader> reader_;
  std::optional<ResultsTable> table_;

  QLineEdit* name_;
  QTableWidget* axes_;
  QLabel* summary_;
  QPushButton* start_;
  QComboBox* at_once_;
  QLineEdit* gpus_;
  QSpinBox* workers_;
  QLabel* workers_text_;
  QPushButton* stop_workers_;
  QComboBox* studies_;
  QProgressBar* progress_;
  QTableWidget* grid_;
  QComboBox* split_;
  QTableWidget* results_;
  QLabel* results_note_;
};

}  // namespace hwb

Q_DECLARE_METATYPE(hwb::StudySpec)
