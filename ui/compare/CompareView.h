#pragma once

#include <QStringList>
#include <QWidget>

#include <cstdint>
#include <map>
#include <vector>

#include "core/store/StoreTypes.h"
#include "ui/common/RunRef.h"

class QCheckBox;
class QComboBox;
class QLabel;
class QListWidget;
class QStandardItemModel;
class QTableView;
class QTabWidget;
class QTableWidget;

namespace hwb {

class CurvePlot;

// Several runs side by side (DESIGN.md "What a person sees"): their curves overlaid on one axis
// (step or elapsed training time), a table of final and best scores per task with parameter
// counts, a diff of their configs, and the runs grouped by seed as the paper's Table 1 (mean ±
// spread per task and for the average; docs/STUDIES.md). Runs may come from different stores (an
// imported file). Every plot exports to PNG/SVG/PDF and every table to CSV.
class CompareView : public QWidget {
  Q_OBJECT

 public:
  // The stored number behind a formatted cell of the scores table (formatting rounds).
  static constexpr int kValueRole = Qt::UserRole + 1;

  explicit CompareView(QWidget* parent = nullptr);
  ~CompareView() override;

  // The runs offered for comparison; runs already picked stay picked when still offered.
  void setAvailableRuns(const std::vector<hwb::RunRef>& runs);
  // Picks exactly these runs (also what ticking them in the list does).
  void setSelectedRuns(const std::vector<hwb::RunRef>& runs);
  std::vector<RunRef> selectedRuns() const;
  // The config paths ("peft.reduction_factor", "tasks[0].max_train") whose values differ.
  QStringList differingKeys() const { return differing_keys_; }

 public Q_SLOTS:
  // Re-reads the picked runs from their stores (a live run has new points).
  void refresh();

 private:
  struct RunData;

  void load_selected();
  void fill_curve_choices();
  void show_curves();
  // The runs' curves as one mean line per group of seeds, with a band of ± one spread.
  QStringList show_group_curves(
      const std::vector<std::pair<std::size_t, std::pair<QVector<double>, QVector<double>>>>&
          curves);
  void requery_range(double lo, double hi);
  void show_scores();
  void show_config_diff();
  void show_groups();
  void apply_diff_filter();
  void show_message(const QString& text);
  QString series_name(std::size_t index) const;

  std::vector<RunRef> available_;
  std::vector<RunData> selected_;
  QStringList differing_keys_;
  bool updating_ = false;

  QListWidget* run_list_;
  QLabel* message_label_;
  QTabWidget* tabs_;
  QComboBox* curve_combo_;
  QComboBox* x_axis_combo_;
  CurvePlot* plot_;
  QTableView* scores_table_;
  QStandardItemModel* scores_model_;
  QComboBox* group_split_;
  QTableWidget* groups_table_;
  QLabel* groups_note_;
  QTableView* config_table_;
  QStandardItemModel* config_model_;
  QCheckBox* diff_only_check_;
  QCheckBox* group_seeds_check_;
};

}  // namespace hwb
