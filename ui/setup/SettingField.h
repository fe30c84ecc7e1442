#pragma once

#include <QString>

#include <functional>

#include "core/train/ExperimentConfig.h"
#include "core/util/SettingsTable.h"

class QObject;
class QWidget;

namespace hwb {

// The setup form's editor for one row of the settings table (docs/SETTINGS.md), made from the row
// alone: a check box for a flag (the label its text), a spin box for an integer whose bounds fit
// one, a combo box for a choice, a line edit for everything else (reals, seeds, text, lists). The
// widget is named after the row's key, which the tests find it by, and the help is its tooltip.
class SettingField {
 public:
  explicit SettingField(const Setting<ExperimentConfig>& setting);

  const Setting<ExperimentConfig>& setting() const { return *setting_; }
  QWidget* widget() const { return widget_; }
  // The form row's label; empty for a flag, whose check box carries it.
  QString label() const;

  // config -> widget (the caller blocks the form's reaction).
  void show(const ExperimentConfig& c) const;
  // widget -> config; a value that cannot be read leaves the config as it was and returns the
  // problem, "training.learning_rate: 'abc' is not a number"-style; else an empty string.
  QString read(ExperimentConfig& c) const;
  // Calls `changed` on every edit a person makes.
  void onEdited(QObject* context, const std::function<void()>& changed) const;

 private:
  const Setting<ExperimentConfig>* setting_;
  QWidget* widget_ = nullptr;
};

}  // namespace hwb
