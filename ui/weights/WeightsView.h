#pragma once

#include <QWidget>

#include <cstdint>
#include <vector>

#include "core/store/StoreTypes.h"
#include "ui/common/RunRef.h"

class QComboBox;
class QLabel;
class QSlider;

namespace hwb {

class HeatmapPlot;

// The generated weights of one run (DESIGN.md "What a person sees"): a layer x task heatmap of one
// statistic of one adapter tensor, for a chosen stack and position, and the task-embedding
// similarity matrix, both at any evaluated step picked with a slider. Reads the run store only.
class WeightsView : public QWidget {
  Q_OBJECT

 public:
  explicit WeightsView(QWidget* parent = nullptr);
  ~WeightsView() override;

  void showRun(const hwb::RunRef& run);
  const RunRef& run() const { return run_; }
  // The evaluated steps the slider offers, and the one shown (-1 when none).
  const std::vector<int64_t>& steps() const { return steps_; }
  int64_t currentStep() const;

 public Q_SLOTS:
  // Re-reads the run's steps (a live run adds one per evaluation) and the shown step. A slider at
  // the last step follows new evaluations; one moved back by the person stays put.
  void refresh();

 private:
  void load_step();
  void fill_choices();
  void show_weights();
  void show_similarity();
  void show_message(const QString& text);
  void remember_choices();
  QString empty_reason() const;

  RunRef run_;
  std::vector<int64_t> steps_;
  std::vector<WeightStat> stats_;               // of the shown step
  std::vector<SimilarityMatrix> similarities_;  // of the shown step, by kind
  std::vector<std::string> task_order_;         // the config's, so both maps agree
  bool updating_ = false;

  QLabel* message_label_;
  QComboBox* stack_combo_;
  QComboBox* position_combo_;
  QComboBox* tensor_combo_;
  QComboBox* statistic_combo_;
  QComboBox* similarity_combo_;
  QSlider* step_slider_;
  QLabel* step_label_;
  HeatmapPlot* weights_map_;
  HeatmapPlot* similarity_map_;
};

}  // namespace hwb
