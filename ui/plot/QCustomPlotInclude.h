#pragma once

// qcustomplot.h uses Qt's lower-case keywords (signals:, public slots:, foreach), which this
// project turns off with QT_NO_KEYWORDS. Without them its signals would compile as plain members
// and moc-less connects to them fail, so include it only through this header.
#ifdef QT_NO_KEYWORDS
#define signals Q_SIGNALS
#define slots Q_SLOTS
#define foreach Q_FOREACH
#include <qcustomplot.h>
#undef signals
#undef slots
#undef foreach
#else
#include <qcustomplot.h>
#endif
