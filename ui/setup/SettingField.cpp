#include "ui/setup/SettingField.h"

#include <QCheckBox>
#include <QComboBox>
#include <QLineEdit>
#include <QSpinBox>

#include <climits>
#include <cmath>

namespace hwb {
namespace {

// Integers show in a spin box, as int holds them (steps past two billion are for config files).
// Its lower end is the valid range's (0 for "positive", so that 0 can be typed and shown as a
// problem), its upper end the range's or INT_MAX.
bool spins(const Setting<ExperimentConfig>& s) {
  return s.kind == SettingKind::kInteger;
}

}  // namespace

SettingField::SettingField(const Setting<ExperimentConfig>& setting) : setting_(&setting) {
  const QString name = QString::fromStdString(setting.key());
  if (setting.kind == SettingKind::kFlag) {
    widget_ = new QCheckBox(QString::fromStdString(setting.label));
  } else if (setting.kind == SettingKind::kChoice) {
    auto* combo = new QComboBox;
    for (const SettingChoice& c : setting.choices) {
      combo->addItem(QString::fromStdString(c.label), QString::fromStdString(c.value));
    }
    widget_ = combo;
  } else if (spins(setting)) {
    auto* spin = new QSpinBox;
    const double lo = std::isinf(setting.range.min) ? 0 : std::floor(setting.range.min);
    const double hi = std::min({setting.range.max, setting.limits.max, double{INT_MAX}});
    spin->setRange(static_cast<int>(std::max(lo, double{INT_MIN})), static_cast<int>(hi));
    spin->setGroupSeparatorShown(true);
    widget_ = spin;
  } else {
    widget_ = new QLineEdit;
  }
  widget_->setObjectName(name);
  widget_->setToolTip(QString::fromStdString(setting.help));
}

QString SettingField::label() const {
  return setting_->kind == SettingKind::kFlag ? QString() : QString::fromStdString(setting_->label);
}

void SettingField::show(const ExperimentConfig& c) const {
  const SettingValue v = setting_->get(c);
  if (auto* check = qobject_cast<QCheckBox*>(widget_)) {
    check->setChecked(std::get<bool>(v));
  } else if (auto* combo = qobject_cast<QComboBox*>(widget_)) {
    combo->setCurrentIndex(combo->findData(QString::fromStdString(std::get<std::string>(v))));
  } else if (auto* spin = qobject_cast<QSpinBox*>(widget_)) {
    const int64_t i = std::get<int64_t>(v);
    spin->setValue(static_cast<int>(std::clamp<int64_t>(i, spin->minimum(), spin->maximum())));
  } else if (auto* edit = qobject_cast<QLineEdit*>(widget_)) {
    edit->setText(QString::fromStdString(setting_text(v)));
  }
}

QString SettingField::read(ExperimentConfig& c) const {
  if (auto* check = qobject_cast<QCheckBox*>(widget_)) {
    setting_->set(c, check->isChecked());
  } else if (auto* combo = qobject_cast<QComboBox*>(widget_)) {
    setting_->set(c, combo->currentData().toString().toStdString());
  } else if (auto* spin = qobject_cast<QSpinBox*>(widget_)) {
    setting_->set(c, int64_t{spin->value()});
  } else if (auto* edit = qobject_cast<QLineEdit*>(widget_)) {
    std::string error;
    const auto v = setting_from_text(setting_->kind, setting_->limits, setting_->choices,
                                     edit->text().toStdString(), error);
    if (!v) return QString::fromStdString(setting_->path + ": " + error);
    setting_->set(c, *v);
  }
  return {};
}

void SettingField::onEdited(QObject* context, const std::function<void()>& changed) const {
  if (auto* check = qobject_cast<QCheckBox*>(widget_)) {
    QObject::connect(check, &QCheckBox::toggled, context, changed);
  } else if (auto* combo = qobject_cast<QComboBox*>(widget_)) {
    QObject::connect(combo, &QComboBox::currentIndexChanged, context, changed);
  } else if (auto* spin = qobject_cast<QSpinBox*>(widget_)) {
    QObject::connect(spin, &QSpinBox::valueChanged, context, changed);
  } else if (auto* edit = qobject_cast<QLineEdit*>(widget_)) {
    QObject::connect(edit, &QLineEdit::textEdited, context, changed);
  }
}

}  // namespace hwb
