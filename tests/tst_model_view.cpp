// Drives the real backbone view offscreen: load the built-in model, run an input, see the loss;
// a folder that is not a model shows the reason inline and leaves the view usable.
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QTreeWidget>

#include "tests/TestUtil.h"
#include "ui/ModelView.h"

using hwb::ModelView;

class TestModelView : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void loads_and_runs_the_builtin_model() {
    ModelView view;
    view.show();
    QSignalSpy loaded(&view, &ModelView::model_loaded);
    auto* load = view.findChild<QPushButton*>("load_button");
    auto* run = view.findChild<QPushButton*>("run_button");
    QVERIFY(!run->isEnabled());
    view.findChild<QLineEdit*>("model_edit")->setText("builtin:tiny");
    QTest::mouseClick(load, Qt::LeftButton);
    QVERIFY(loaded.wait(30000));
    auto* tree = view.findChild<QTreeWidget*>("summary_tree");
    const auto params = tree->findItems("Parameters", Qt::MatchExactly);
    QCOMPARE(params.size(), 1);
    // T5Config::tiny(): 32100 x 64 embedding plus two 2-block stacks; the count is shown whole.
    QVERIFY(params.front()->text(1).remove(QRegularExpression("[^0-9]")).toLongLong() > 2'000'000);
    QVERIFY(run->isEnabled());

    QSignalSpy finished(&view, &ModelView::run_finished);
    view.findChild<QLineEdit*>("target_edit")->setText("1");
    QTest::mouseClick(run, Qt::LeftButton);
    QVERIFY(finished.wait(30000));
    const QString output = view.findChild<QPlainTextEdit*>("output_view")->toPlainText();
    QVERIFY2(output.contains("loss"), qPrintable(output));
    QVERIFY(output.contains("target ids  [209, 1]"));  // "1" in T5's vocabulary, then EOS
  }

  void bad_folder_shows_the_reason() {
    ModelView view;
    QSignalSpy failed(&view, &ModelView::failed);
    view.open_model("/nonexistent/t5-folder");
    QVERIFY(failed.wait(30000));
    auto* error = view.findChild<QLabel*>("error_label");
    QVERIFY(error->isVisibleTo(&view));
    QVERIFY2(error->text().contains("/nonexistent/t5-folder"), qPrintable(error->text()));
    QVERIFY(view.findChild<QPushButton*>("load_button")->isEnabled());
  }
};

QTEST_MAIN(TestModelView)
#include "tst_model_view.moc"
