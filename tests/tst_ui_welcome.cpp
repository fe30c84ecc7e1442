// The first start's welcome: wanted only while no store was ever opened and it was never
// dismissed, never shown by the window itself (so offscreen tests never meet it), non-modal, and
// each of its choices does what it says.
#include <QPointer>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QtTest/QtTest>

#include "core/store/RunStore.h"
#include "tests/GuiTestSettings.h"
#include "ui/MainWindow.h"
#include "ui/WelcomeDialog.h"
#include "ui/run/RunController.h"
#include "ui/setup/SetupForm.h"

using namespace hwb;

class TestUiWelcome : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void initTestCase() { hwb::test::use_own_settings("tst_ui_welcome"); }

  void init() { QSettings().clear(); }

  void wanted_on_first_start_and_gone_once_dismissed() {
    QVERIFY(MainWindow::welcomeWanted());
    MainWindow window;
    window.show();
    QVERIFY(!window.findChild<WelcomeDialog*>());  // the window never shows it by itself
    QPointer<WelcomeDialog> welcome = window.showWelcome();
    QVERIFY(welcome->isVisible());
    QVERIFY(!welcome->isModal());
    welcome->findChild<QPushButton*>("welcome_new")->click();
    QTRY_VERIFY(welcome.isNull());  // closed and deleted
    QCOMPARE(window.findChild<QTabWidget*>("pages")->currentWidget(),
             static_cast<QWidget*>(window.setupForm()));
    QVERIFY(!MainWindow::welcomeWanted());
  }

  void closing_it_dismisses_it_too() {
    MainWindow window;
    QPointer<WelcomeDialog> welcome = window.showWelcome();
    welcome->reject();
    QTRY_VERIFY(welcome.isNull());
    QVERIFY(!MainWindow::welcomeWanted());
  }

  void not_wanted_once_a_store_was_opened() {
    QTemporaryDir dir;
    const QString file = dir.filePath("runs.db");
    RunStore::open(file.toStdString());
    MainWindow window;
    QVERIFY(window.openStore(file));
    QVERIFY(!MainWindow::welcomeWanted());
  }

  void each_choice_says_what_was_chosen() {
    const QStringList buttons = {"welcome_demo", "welcome_open", "welcome_new"};
    for (int i = 0; i < buttons.size(); ++i) {
      WelcomeDialog welcome;
      QSignalSpy demo(&welcome, &WelcomeDialog::demoRequested);
      QSignalSpy open(&welcome, &WelcomeDialog::openStoreRequested);
      QSignalSpy fresh(&welcome, &WelcomeDialog::newExperimentRequested);
      welcome.show();
      welcome.findChild<QPushButton*>(buttons[i])->click();
      QCOMPARE(demo.count(), i == 0 ? 1 : 0);
      QCOMPARE(open.count(), i == 1 ? 1 : 0);
      QCOMPARE(fresh.count(), i == 2 ? 1 : 0);
      QVERIFY(!welcome.isVisible());
    }
  }

  void demo_choice_starts_the_demo_experiment() {
    MainWindow window;
    window.show();
    window.showWelcome()->findChild<QPushButton*>("welcome_demo")->click();
    QVERIFY(window.runController()->busy());
    QCOMPARE(window.setupForm()->config().name, ExperimentConfig::demo().name);
    QVERIFY(QString::fromStdString(window.setupForm()->config().store).endsWith("demo-runs.db"));
    window.runController()->clearQueue();
    window.runController()->stop();
    QTRY_VERIFY_WITH_TIMEOUT(!window.runController()->busy(), 120000);
  }
};

QTEST_MAIN(TestUiWelcome)
#include "tst_ui_welcome.moc"
