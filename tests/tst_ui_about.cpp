// Help → About: the versions shown are the real ones (the headers' TORCH_VERSION and
// QT_VERSION_STR, the SQLite library loaded now, pkg-config's SentencePiece), and CUDA is reported
// as LibTorch sees it.
#include <QLabel>
#include <QTextDocument>
#include <QtTest/QtTest>

#include <ATen/Context.h>
#include <sqlite3.h>
#include <torch/version.h>

#include "core/util/BuildInfo.h"
#include "ui/AboutDialog.h"
#include "ui/MainWindow.h"

using namespace hwb;

namespace {

QString plain(const QString& html) {
  QTextDocument document;
  document.setHtml(html);
  return document.toPlainText();
}

}  // namespace

class TestUiAbout : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void names_each_library_with_its_version() {
    const QString text = plain(AboutDialog::text());
    QVERIFY2(text.contains("Hyperformer Workbench " HWB_TEST_PROGRAM_VERSION), qPrintable(text));
    QVERIFY2(text.contains("Qt"), qPrintable(text));
    QVERIFY2(text.contains(QT_VERSION_STR), qPrintable(text));
    QVERIFY2(text.contains(qVersion()), qPrintable(text));
    QVERIFY2(text.contains("LibTorch"), qPrintable(text));
    QVERIFY2(text.contains(TORCH_VERSION), qPrintable(text));
    QVERIFY2(text.contains("SQLite"), qPrintable(text));
    QVERIFY2(text.contains(sqlite3_libversion()), qPrintable(text));
    QVERIFY2(text.contains("SentencePiece"), qPrintable(text));
    QVERIFY2(text.contains(HWB_TEST_SENTENCEPIECE_VERSION), qPrintable(text));
    QCOMPARE(build_info().sentencepiece, std::string(HWB_TEST_SENTENCEPIECE_VERSION));
  }

  void says_whether_cuda_is_available() {
    const QString text = plain(AboutDialog::text());
    QVERIFY2(text.contains("CUDA"), qPrintable(text));
    if (at::hasCUDA() && at::getNumGPUs() > 0) {
      QVERIFY2(text.contains("available: cuda:0"), qPrintable(text));
    } else {
      QVERIFY2(text.contains("not available"), qPrintable(text));
    }
  }

  void help_menu_opens_it() {
    MainWindow window;
    window.show();
    QAction* about = nullptr;
    for (QAction* action : window.findChildren<QAction*>()) {
      if (action->text().remove('&') == "About Hyperformer Workbench") about = action;
    }
    QVERIFY(about);
    about->trigger();  // non-modal: returns at once
    auto* dialog = window.findChild<AboutDialog*>("about");
    QVERIFY(dialog);
    QVERIFY(dialog->isVisible());
    QCOMPARE(dialog->findChild<QLabel*>("about_text")->text(), AboutDialog::text());
    dialog->close();
  }
};

QTEST_MAIN(TestUiAbout)
#include "tst_ui_about.moc"
