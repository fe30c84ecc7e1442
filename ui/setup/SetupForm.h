#pragma once

#include <QString>
#include <QStringList>
#include <QWidget>

#include <initializer_list>
#include <map>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "core/model/T5Config.h"
#include "core/peft/ParameterReport.h"
#include "core/train/ExperimentConfig.h"
#include "ui/setup/FieldProblems.h"
#include "ui/setup/SettingField.h"

class QCheckBox;
class QComboBox;
class QFormLayout;
class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;

namespace hwb {

class TaskPicker;

// The experiment setup form: edits one ExperimentConfig (DESIGN.md "The one configuration").
// Every edit re-checks the whole config (ExperimentConfig::problems plus what only files and this
// machine can tell: the backbone folder, the GLUE folder, the detected devices), marks each
// problem at its field with the reason, and enables Start only when there is none. The trainable-
// parameter count and per-task share follow every edit (ParameterEstimate, no model is built).
// Its fields come from the settings table (docs/SETTINGS.md): a setting added there appears here
// with no edit of this class. Fields the form does not show (custom task definitions, a
// pretraining section) keep the values of the config that was loaded.
class SetupForm : public QWidget {
  Q_OBJECT

 public:
  explicit SetupForm(QWidget* parent = nullptr);

  void setConfig(const ExperimentConfig& config);
  ExperimentConfig config() const { return config_; }
  // "path: reason" for everything that keeps Start disabled.
  QStringList problems() const { return problems_; }
  bool canStart() const { return problems_.isEmpty(); }
  // The estimate for the current settings, when backbone and tasks allow one.
  const std::optional<ParameterReport>& parameterReport() const { return report_; }
  // The widget a problem is shown on (for tests and for focusing it).
  QWidget* fieldFor(const QString& problem) const { return fields_.widgetFor(problem); }
  QString reasonAt(const QWidget* field) const { return fields_.reasonOf(field); }

  // Preset files (ExperimentConfig JSON). Both return the error, or an empty string.
  QString loadPreset(const QString& file);
  QString savePreset(const QString& file) const;
  void reloadPresetList();
  // "Start" or "Queue" (the window says which, depending on whether a run is going).
  void setStartText(const QString& text);

 Q_SIGNALS:
  void configChanged();
  void startRequested(const hwb::ExperimentConfig& config);
  // A message for the status bar (a preset loaded, saved, or refused).
  void message(const QString& text);

 private:
  QWidget* build_data_section();
  QWidget* build_model_section();
  QWidget* build_training_section();
  QWidget* build_output_section();
  QWidget* build_buttons();
  void register_fields();
  void fill_devices();

  // Widgets -> config_, then every check; the one place a field's value reaches the config.
  void on_edited();
  void collect();
  QStringList machine_problems();
  void update_parameters(const QStringList& config_problems);
  void update_variant_fields();
  void apply_caps();
  void populate();  // config_ -> widgets, with their signals blocked

  void choose_glue_dir();
  void choose_backbone();
  void choose_store();
  void load_selected_preset();
  void load_preset_file();
  void save_preset_file();

  ExperimentConfig config_;
  QStringList problems_;
  QStringList parse_problems_;
  std::optional<ParameterReport> report_;
  FieldProblems fields_;
  bool populating_ = false;
  // Backbone shapes read so far, by spec (reading config.json on every keystroke is wasteful).
  std::map<std::string, T5Config> backbones_;

  // One editor per row of the settings table (docs/SETTINGS.md), in the table's order; the form
  // lays them out by section and adds what a row cannot say (buttons, the task picker).
  std::vector<std::unique_ptr<SettingField>> settings_;
  const SettingField& field(std::string_view path) const;
  template <typename W>
  W* widget(std::string_view path) const {
    return static_cast<W*>(field(path).widget());
  }
  // Adds the rows whose path starts with `prefix` (a section, or one row) to `form`, but not
  // those the section lays out itself.
  void add_rows(QFormLayout* form, std::string_view prefix,
                std::initializer_list<std::string_view> placed_elsewhere = {});

  TaskPicker* tasks_;
  QSpinBox* max_train_;  // -1 shows "as set per task" when the tasks' caps differ
  QSpinBox* max_validation_;
  QLabel* backbone_info_;
  QLabel* parameters_;
  QComboBox* device_;  // training.device: the devices detected here, not free text
  QComboBox* presets_;
  QLabel* problems_label_;
  QPushButton* start_;
};

}  // namespace hwb

Q_DECLARE_METATYPE(hwb::ExperimentConfig)
