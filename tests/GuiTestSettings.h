#pragma once

// The GUI tests' own settings and standard paths: nothing a person's use of the workbench, or an
// earlier run of the test, remembered (a store, a layout, a dismissed welcome) leaks in.
#include <QCoreApplication>
#include <QSettings>
#include <QStandardPaths>

namespace hwb::test {

inline void use_own_settings(const char* test_name) {
  QStandardPaths::setTestModeEnabled(true);
  QCoreApplication::setOrganizationName("hyperformer-workbench-tests");
  QCoreApplication::setApplicationName(test_name);
  QSettings().clear();
}

}  // namespace hwb::test
