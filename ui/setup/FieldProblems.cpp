#include "ui/setup/FieldProblems.h"

#include <QStyle>

namespace hwb {

void FieldProblems::addField(const QString& path, QWidget* widget) {
  fields_[path] = widget;
  own_tooltips_[widget] = widget->toolTip();
}

void FieldProblems::addKeyword(const QString& path, const QString& keyword, QWidget* widget) {
  keywords_.push_back({path, keyword, widget});
  own_tooltips_[widget] = widget->toolTip();
}

QWidget* FieldProblems::widgetFor(const QString& problem) const {
  const int colon = problem.indexOf(": ");
  const QString path = colon < 0 ? problem : problem.left(colon);
  const QString reason = colon < 0 ? QString() : problem.mid(colon + 2);
  for (const Keyword& k : keywords_) {
    if (k.path == path && k.widget && reason.contains(k.keyword)) return k.widget;
  }
  QWidget* best = nullptr;
  qsizetype best_length = -1;
  for (auto it = fields_.begin(); it != fields_.end(); ++it) {
    const QString& field = it.key();
    const bool matches =
        path == field ||
        (path.startsWith(field) && (path.at(field.size()) == '.' || path.at(field.size()) == '['));
    if (matches && field.size() > best_length && it.value()) {
      best = it.value();
      best_length = field.size();
    }
  }
  return best;
}

void FieldProblems::mark(QWidget* widget, const QString& reason) {
  QString& reasons = reasons_[widget];
  reasons += (reasons.isEmpty() ? "" : "\n") + reason;
  widget->setProperty("invalid", true);
  widget->setToolTip(reasons);
  widget->style()->unpolish(widget);
  widget->style()->polish(widget);
}

void FieldProblems::apply(const QStringList& problems) {
  for (auto it = own_tooltips_.begin(); it != own_tooltips_.end(); ++it) {
    auto* widget = const_cast<QWidget*>(it.key());
    if (!reasons_.contains(widget)) continue;
    widget->setProperty("invalid", false);
    widget->setToolTip(it.value());
    widget->style()->unpolish(widget);
    widget->style()->polish(widget);
  }
  reasons_.clear();
  for (const QString& problem : problems) {
    if (QWidget* widget = widgetFor(problem)) mark(widget, problem);
  }
}

QString FieldProblems::reasonOf(const QWidget* widget) const {
  return reasons_.value(widget);
}

}  // namespace hwb
