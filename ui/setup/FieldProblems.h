#pragma once

#include <QHash>
#include <QPointer>
#include <QString>
#include <QStringList>
#include <QWidget>

#include <vector>

namespace hwb {

// Puts ExperimentConfig::problems() ("path.to.field: reason") back on the widgets that edit those
// fields: the widget gets the dynamic property invalid=true (the form's style sheet draws it red)
// and the reason as its tooltip. A problem goes to the widget registered for the longest matching
// path ("training.steps", "data.tasks" also takes "data.tasks[1].glue"); problems of a nested
// config ("variant: ... reduction_factor must be ...") go to the widget whose keyword the reason
// names.
class FieldProblems {
 public:
  void addField(const QString& path, QWidget* widget);
  // For problems under `path` whose reason mentions `keyword`.
  void addKeyword(const QString& path, const QString& keyword, QWidget* widget);

  // Clears every mark, then marks the widgets of these problems.
  void apply(const QStringList& problems);
  // The widget a problem lands on, or null.
  QWidget* widgetFor(const QString& problem) const;
  // The reasons shown on a widget now, one a line; empty when it is fine.
  QString reasonOf(const QWidget* widget) const;

 private:
  struct Keyword {
    QString path, keyword;
    QPointer<QWidget> widget;
  };
  void mark(QWidget* widget, const QString& reason);

  QHash<QString, QPointer<QWidget>> fields_;
  std::vector<Keyword> keywords_;
  QHash<const QWidget*, QString> reasons_;
  QHash<const QWidget*, QString> own_tooltips_;  // restored when the problem is fixed
};

}  // namespace hwb
