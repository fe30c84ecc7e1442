// The window's keyboard: Ctrl+Tab and Ctrl+Shift+Tab cycle through every page, wrapping, wherever
// the focus is (a page's own tabs, as Compare's, or a plot must not stop the cycle), and the View
// menu lists both.
#include <QMenuBar>
#include <QTabWidget>
#include <QtTest/QtTest>

#include "tests/GuiTestSettings.h"
#include "ui/MainWindow.h"

using namespace hwb;

class TestUiKeyboard : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void initTestCase() { hwb::test::use_own_settings("tst_ui_keyboard"); }

  void ctrl_tab_cycles_through_every_page_from_any_focus() {
    MainWindow window;
    window.show();
    QApplication::setActiveWindow(&window);
    QVERIFY(QTest::qWaitForWindowActive(&window));
    auto* pages = window.findChild<QTabWidget*>("pages");
    QVERIFY(pages != nullptr);
    const int count = pages->count();
    QCOMPARE(count, 6);
    pages->setCurrentIndex(0);
    // Forward through every page and back to the first, the key sent each time to whatever
    // widget of the shown page takes focus.
    for (int i = 1; i <= count; ++i) {
      QWidget* target = pages->currentWidget();
      if (QWidget* inner = target->nextInFocusChain(); inner && target->isAncestorOf(inner))
        target = inner;
      target->setFocus();
      QTest::keyClick(target, Qt::Key_Tab, Qt::ControlModifier);
      QCOMPARE(pages->currentIndex(), i % count);
    }
    // Backward from the first wraps to the last.
    QTest::keyClick(pages->currentWidget(), Qt::Key_Backtab,
                    Qt::ControlModifier | Qt::ShiftModifier);
    QCOMPARE(pages->currentIndex(), count - 1);
    QTest::keyClick(pages->currentWidget(), Qt::Key_Backtab,
                    Qt::ControlModifier | Qt::ShiftModifier);
    QCOMPARE(pages->currentIndex(), count - 2);

    // From inside Compare's own tabs, which take Ctrl+Tab for themselves unless the window does.
    auto* compare_tabs = window.findChild<QTabWidget*>("compare_tabs");
    QVERIFY(compare_tabs != nullptr);
    window.showPage("compare");
    const int compare = pages->currentIndex();
    compare_tabs->setCurrentIndex(0);
    compare_tabs->currentWidget()->setFocus();
    QTest::keyClick(compare_tabs->currentWidget(), Qt::Key_Tab, Qt::ControlModifier);
    QCOMPARE(pages->currentIndex(), (compare + 1) % count);
    QCOMPARE(compare_tabs->currentIndex(), 0);

    QStringList listed;
    for (QAction* menu : window.menuBar()->actions()) {
      if (!menu->menu()) continue;
      for (QAction* a : menu->menu()->actions())
        if (!a->shortcut().isEmpty()) listed << a->shortcut().toString();
    }
    QVERIFY2(listed.contains("Ctrl+Tab"), qPrintable(listed.join(", ")));
    QVERIFY2(listed.contains("Ctrl+Shift+Backtab"), qPrintable(listed.join(", ")));
  }
};

QTEST_MAIN(TestUiKeyboard)
#include "tst_ui_keyboard.moc"
