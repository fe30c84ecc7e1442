#pragma once

#include <QWidget>

#include <memory>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QSpinBox;
class QTreeWidget;

namespace hwb {

class ModelProbe;
struct ModelSummary;
struct ProbeResult;

// Open a T5 backbone (a Hugging Face folder or the built-in tiny model), see its configuration and
// parameter counts, and run one input through it: loss against a target and the greedy output.
// Loading and running happen on a worker thread; the view stays responsive and shows errors inline.
class ModelView : public QWidget {
  Q_OBJECT

 public:
  explicit ModelView(QWidget* parent = nullptr);
  ~ModelView() override;

  // Loads `spec` ("builtin:tiny" or a folder) as if typed and confirmed.
  void open_model(const QString& spec);
  bool busy() const { return busy_; }

 Q_SIGNALS:
  void model_loaded(const QString& spec);
  void run_finished();
  void failed(const QString& message);

 private:
  void browse();
  void run();
  void set_busy(bool busy);
  void show_error(const QString& message);
  void show_summary(const ModelSummary& summary);
  void show_result(const ProbeResult& result);

  std::shared_ptr<ModelProbe> probe_;
  bool busy_ = false;

  QLineEdit* model_edit_;
  QPushButton* browse_button_;
  QPushButton* load_button_;
  QTreeWidget* summary_tree_;
  QPlainTextEdit* input_edit_;
  QLineEdit* target_edit_;
  QComboBox* device_combo_;
  QCheckBox* bf16_check_;
  QSpinBox* max_tokens_spin_;
  QPushButton* run_button_;
  QPlainTextEdit* output_view_;
  QLabel* error_label_;
};

}  // namespace hwb
