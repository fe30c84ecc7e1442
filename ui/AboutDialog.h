#pragma once

#include <QDialog>
#include <QString>

namespace hwb {

// Help → About: the workbench's version, the versions of Qt, LibTorch, SQLite and SentencePiece,
// and whether CUDA is available here (each GPU by name). The text is selectable, to paste into a
// bug report.
class AboutDialog : public QDialog {
  Q_OBJECT

 public:
  explicit AboutDialog(QWidget* parent = nullptr);

  // The dialog's text as rich text (built from core's build_info and detect_compute_devices).
  static QString text();
};

}  // namespace hwb
