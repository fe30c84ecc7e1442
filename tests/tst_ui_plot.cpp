// Drives the plot widgets offscreen: series in and out, log scale, smoothing, zoom signalling,
// hover read-outs, heatmap cells, and the files the exports write (checked by their signatures
// and, for CSV, byte for byte).
#include <QApplication>
#include <QFile>
#include <QImage>
#include <QMouseEvent>
#include <QStandardItemModel>
#include <QTableView>
#include <QTemporaryDir>
#include <QWheelEvent>
#include <QXmlStreamReader>
#include <QtTest/QtTest>

#include <cmath>

#include "ui/plot/CurvePlot.h"
#include "ui/plot/HeatmapPlot.h"
#include "ui/plot/PlotExport.h"
#include "ui/plot/QCustomPlotInclude.h"
#include "ui/plot/TableExport.h"

using hwb::CurvePlot;
using hwb::HeatmapPlot;

namespace {

QByteArray read_all(const QString& file) {
  QFile f(file);
  if (!f.open(QIODevice::ReadOnly)) return {};
  return f.readAll();
}

}  // namespace

class TestUiPlot : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void series_are_added_replaced_and_removed() {
    CurvePlot plot;
    plot.setSeries("loss", {0, 10, 20}, {3.0, 2.0, 1.5});
    plot.setSeries("lr", {0, 10, 20}, {1e-4, 2e-4, 3e-4});
    QCOMPARE(plot.seriesNames(), QStringList({"loss", "lr"}));
    QCOMPARE(plot.customPlot()->graphCount(), 2);
    QVERIFY(plot.seriesColor("loss") != plot.seriesColor("lr"));
    QVERIFY(plot.customPlot()->legend->visible());

    const QColor colour = plot.seriesColor("loss");
    plot.setSeries("loss", {0, 10, 20, 30}, {3.0, 2.0, 1.5, 1.25});
    QCOMPARE(plot.seriesNames().size(), 2);
    QCOMPARE(plot.seriesColor("loss"), colour);
    QCOMPARE(plot.seriesY("loss"), QVector<double>({3.0, 2.0, 1.5, 1.25}));
    QCOMPARE(plot.seriesX("loss"), QVector<double>({0, 10, 20, 30}));
    // The view follows the data (with a 2% margin that keeps end markers whole) until the person
    // zooms.
    QCOMPARE(plot.xLower(), -0.6);
    QCOMPARE(plot.xUpper(), 30.6);

    // Elapsed time can step back after a resume: the points are sorted, not dropped.
    plot.setSeries("time", {5, 3, 9}, {1, 2, 3});
    QCOMPARE(plot.seriesX("time"), QVector<double>({3, 5, 9}));
    QCOMPARE(plot.seriesY("time"), QVector<double>({2, 1, 3}));
    QCOMPARE(plot.readoutAt(4.9).at(2), QString("time: x = 5, y = 1"));
    plot.removeSeries("time");

    plot.removeSeries("lr");
    QCOMPARE(plot.seriesNames(), QStringList({"loss"}));
    QCOMPARE(plot.customPlot()->graphCount(), 1);
    plot.clearSeries();
    QVERIFY(plot.seriesNames().isEmpty());
    QCOMPARE(plot.customPlot()->graphCount(), 0);
  }

  void log_scale_toggles_the_axis() {
    CurvePlot plot;
    plot.setSeries("loss", {1, 2, 3}, {100.0, 10.0, 1.0});
    QSignalSpy toggled(&plot, &CurvePlot::logScaleChanged);
    plot.setLogScale(true);
    QVERIFY(plot.logScale());
    QCOMPARE(plot.customPlot()->yAxis->scaleType(), QCPAxis::stLogarithmic);
    // The fitted range holds every point and stays positive.
    QVERIFY(plot.customPlot()->yAxis->range().lower > 0);
    QVERIFY(plot.customPlot()->yAxis->range().lower <= 1.0);
    QVERIFY(plot.customPlot()->yAxis->range().upper >= 100.0);
    plot.setLogScale(false);
    QCOMPARE(plot.customPlot()->yAxis->scaleType(), QCPAxis::stLinear);
    QCOMPARE(toggled.size(), 2);
  }

  // One evaluation is a single point: it must be drawn (a dot; a line through one point draws
  // nothing) on an x range of some width around it, not 199.6 to 200.4.
  void a_one_point_series_is_drawn_as_a_dot_on_a_sensible_range() {
    CurvePlot plot;
    plot.resize(400, 300);
    plot.setSeries("sst2 accuracy", {200}, {55.0});
    const QCPRange x = plot.customPlot()->xAxis->range();
    QVERIFY2(x.lower <= 180 && x.upper >= 220,
             qPrintable(QString("%1..%2").arg(x.lower).arg(x.upper)));
    const QColor colour = plot.seriesColor("sst2 accuracy");
    const QImage image = plot.customPlot()->toPixmap(400, 300).toImage();
    int drawn = 0;
    for (int py = 0; py < image.height(); ++py) {
      for (int px = 0; px < image.width(); ++px) {
        const QColor c = image.pixelColor(px, py);
        drawn += std::abs(c.red() - colour.red()) + std::abs(c.green() - colour.green()) +
                     std::abs(c.blue() - colour.blue()) <
                 40;
      }
    }
    QVERIFY2(drawn >= 9, qPrintable(QString::number(drawn)));  // a dot of 5 px across
    // Dense series keep plain lines.
    QVector<double> xs, ys;
    for (int i = 0; i < 100; ++i) xs << i, ys << i * 0.5;
    plot.setSeries("loss", xs, ys);
    QCOMPARE(plot.customPlot()->graph(1)->scatterStyle().shape(), QCPScatterStyle::ssNone);
    QCOMPARE(plot.customPlot()->graph(0)->scatterStyle().shape(), QCPScatterStyle::ssDisc);
  }

  void smoothing_adds_a_debiased_moving_average() {
    CurvePlot plot;
    plot.setSeries("loss", {0, 1, 2}, {1.0, 3.0, 5.0});
    QVERIFY(plot.smoothedY("loss").isEmpty());
    plot.setSmoothing(true, 0.5);
    QCOMPARE(plot.customPlot()->graphCount(), 2);
    // Debiased EMA with w = 0.5: 1; (0.25 + 1.5) / 0.75; (0.875 + 2.5) / 0.875.
    const QVector<double> s = plot.smoothedY("loss");
    QCOMPARE(s.size(), 3);
    QCOMPARE(s[0], 1.0);
    QCOMPARE(s[1], 1.75 / 0.75);
    QCOMPARE(s[2], 3.375 / 0.875);
    // The raw curve is drawn faint under the smoothed one.
    QVERIFY(plot.customPlot()->graph(0)->pen().color().alpha() < 255);
    plot.setSmoothing(false, 0.5);
    QCOMPARE(plot.customPlot()->graphCount(), 1);
    QCOMPARE(plot.customPlot()->graph(0)->pen().color().alpha(), 255);
  }

  void readout_names_the_nearest_point_of_each_curve() {
    CurvePlot plot;
    plot.setSeries("train", {0, 10, 20}, {5.0, 4.0, 3.0});
    plot.setSeries("eval", {0, 15}, {6.0, 2.5});
    const QStringList lines = plot.readoutAt(12);
    QCOMPARE(lines.size(), 2);
    QCOMPARE(lines[0], QString("train: x = 10, y = 4"));
    QCOMPARE(lines[1], QString("eval: x = 15, y = 2.5"));
    QCOMPARE(plot.readoutAt(1000).at(0), QString("train: x = 20, y = 3"));
  }

  void zoom_signals_the_visible_range_once_settled() {
    CurvePlot plot;
    plot.resize(400, 300);
    plot.show();
    QVERIFY(QTest::qWaitForWindowExposed(&plot));
    QVector<double> x, y;
    for (int i = 0; i <= 1000; ++i) {
      x << i;
      y << std::sin(i / 50.0);
    }
    plot.setSeries("wave", x, y);
    QSignalSpy range(&plot, &CurvePlot::visibleRangeChanged);
    QVERIFY(!plot.userView());
    plot.customPlot()->xAxis->setRange(100, 200);  // what a wheel zoom ends in
    QVERIFY(plot.userView());
    QVERIFY(range.wait(2000));
    QCOMPARE(range.size(), 1);
    QCOMPARE(range.at(0).at(0).toDouble(), 100.0);
    QCOMPARE(range.at(0).at(1).toDouble(), 200.0);
    // New data keeps the person's view; a double click resets it.
    plot.setSeries("wave", x, y);
    QCOMPARE(plot.xLower(), 100.0);
    QTest::mouseDClick(plot.customPlot(), Qt::LeftButton, {}, plot.customPlot()->rect().center());
    QVERIFY(!plot.userView());
    QCOMPARE(plot.xLower(), -20.0);
    QCOMPARE(plot.xUpper(), 1020.0);

    // A real wheel turn over the plot zooms in around the mouse, and is reported once settled.
    plot.customPlot()->replot(QCustomPlot::rpImmediateRefresh);
    range.clear();
    const QPointF centre = plot.customPlot()->axisRect()->rect().center();
    QWheelEvent wheel(centre, plot.customPlot()->mapToGlobal(centre), QPoint(), QPoint(0, 240),
                      Qt::NoButton, Qt::NoModifier, Qt::NoScrollPhase, false);
    QApplication::sendEvent(plot.customPlot(), &wheel);
    QVERIFY(plot.xUpper() - plot.xLower() < 1000.0);
    QVERIFY(plot.userView());
    QVERIFY(range.wait(2000));
    QCOMPARE(range.last().at(1).toDouble() - range.last().at(0).toDouble(),
             plot.xUpper() - plot.xLower());

    // A drag pans: the range keeps its width and moves.
    const double width = plot.xUpper() - plot.xLower();
    const double lower = plot.xLower();
    const QPoint from = centre.toPoint();
    QTest::mousePress(plot.customPlot(), Qt::LeftButton, {}, from);
    QMouseEvent move(QEvent::MouseMove, QPointF(from + QPoint(100, 0)),
                     plot.customPlot()->mapToGlobal(QPointF(from + QPoint(100, 0))), Qt::NoButton,
                     Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(plot.customPlot(), &move);
    QTest::mouseRelease(plot.customPlot(), Qt::LeftButton, {}, from + QPoint(100, 0));
    QVERIFY(plot.xLower() < lower);
    QCOMPARE(plot.xUpper() - plot.xLower(), width);
  }

  void a_million_points_replot_quickly() {
    CurvePlot plot;
    plot.resize(800, 500);
    plot.show();
    QVERIFY(QTest::qWaitForWindowExposed(&plot));
    QVector<double> x(1'000'000), y(1'000'000);
    for (int i = 0; i < x.size(); ++i) {
      x[i] = i;
      y[i] = std::sin(i * 1e-3) + (i % 7) * 0.01;
    }
    QElapsedTimer timer;
    timer.start();
    plot.setSeries("big", x, y);
    plot.setSmoothing(true, 0.9);
    plot.customPlot()->replot(QCustomPlot::rpImmediateRefresh);
    // QCustomPlot's adaptive sampling draws a few points per pixel column, and dense curves use
    // one-pixel pens; a wide pen alone took 1.5 s here. Generous for a loaded 2-core machine.
    QVERIFY2(timer.elapsed() < 800, qPrintable(QString::number(timer.elapsed())));
    timer.restart();
    plot.customPlot()->xAxis->setRange(1000, 2000);  // a zoom
    plot.customPlot()->replot(QCustomPlot::rpImmediateRefresh);
    QVERIFY2(timer.elapsed() < 200, qPrintable(QString::number(timer.elapsed())));
  }

  void heatmap_cells_and_readout() {
    HeatmapPlot map;
    map.resize(400, 300);
    map.setMatrix({"sst2", "rte"}, {"layer 0", "layer 1", "layer 2"}, {1, 2, 3, 4, 5, 6});
    QCOMPARE(map.value(0, 0), 1.0);
    QCOMPARE(map.value(2, 1), 6.0);
    QVERIFY(std::isnan(map.value(3, 0)));
    QCOMPARE(map.readout(1, 0), QString("layer 1, sst2: 3"));
    auto* color_map = qobject_cast<QCPColorMap*>(map.customPlot()->plottable(0));
    QVERIFY(color_map);
    QCOMPARE(color_map->data()->cell(1, 2), 6.0);
    QCOMPARE(color_map->dataRange().lower, 1.0);
    QCOMPARE(color_map->dataRange().upper, 6.0);
    map.show();
    QVERIFY(QTest::qWaitForWindowExposed(&map));
    map.customPlot()->replot(QCustomPlot::rpImmediateRefresh);
    // The centre of the axis rect lies between rows 0..2 and columns 0..1: row 1, either column.
    const QPoint centre = map.customPlot()->axisRect()->rect().center();
    const auto [row, column] = map.cellAt(centre + QPoint(10, 0));
    QCOMPARE(row, 1);
    QCOMPARE(column, 1);
    map.clear();
    QVERIFY(map.isEmpty());
    QVERIFY(map.readout(0, 0).isEmpty());
  }

  void exports_write_valid_files() {
    QTemporaryDir dir;
    CurvePlot plot;
    plot.resize(500, 350);
    plot.show();
    QVERIFY(QTest::qWaitForWindowExposed(&plot));
    plot.setTitle("loss");
    plot.setSeries("loss", {0, 10, 20}, {3.0, 2.0, 1.5});
    QCustomPlot* cp = plot.customPlot();

    const QString png = dir.filePath("plot.png");
    QCOMPARE(hwb::save_plot(cp, png), QString());
    QImage image(png);
    QCOMPARE(image.size(), plot.customPlot()->size());
    QVERIFY(!image.isNull());
    QVERIFY(read_all(png).startsWith("\x89PNG\r\n\x1a\n"));

    const QString svg = dir.filePath("plot.svg");
    QCOMPARE(hwb::save_plot(cp, svg, 640, 480), QString());
    const QByteArray svg_bytes = read_all(svg);
    QVERIFY(svg_bytes.contains("<svg"));
    QVERIFY(svg_bytes.contains("</svg>"));
    QVERIFY(svg_bytes.contains("<path") || svg_bytes.contains("<polyline"));
    // Well-formed XML whose root is an <svg> of the asked size.
    QXmlStreamReader xml(svg_bytes);
    QVERIFY(xml.readNextStartElement());
    QCOMPARE(xml.name().toString(), QString("svg"));
    QVERIFY(xml.attributes().value("viewBox").toString().endsWith("640 480"));
    while (!xml.atEnd()) xml.readNext();
    QVERIFY2(!xml.hasError(), qPrintable(xml.errorString()));

    const QString pdf = dir.filePath("plot.pdf");
    QCOMPARE(hwb::save_plot(cp, pdf), QString());
    const QByteArray pdf_bytes = read_all(pdf);
    QVERIFY(pdf_bytes.startsWith("%PDF-"));
    QVERIFY(pdf_bytes.trimmed().endsWith("%%EOF"));

    HeatmapPlot map;
    map.setMatrix({"a"}, {"x"}, {0.5});
    QCOMPARE(hwb::save_plot(map.customPlot(), dir.filePath("map.png"), 300, 200), QString());
    QCOMPARE(QImage(dir.filePath("map.png")).size(), QSize(300, 200));

    QVERIFY(hwb::save_plot(cp, dir.filePath("plot.bmp")).contains(".png, .svg or .pdf"));
    QVERIFY(!hwb::save_plot(cp, "/nonexistent-folder/plot.png").isEmpty());
  }

  void csv_is_exact() {
    QStandardItemModel model(2, 3);
    model.setHorizontalHeaderLabels({"task", "score", "note"});
    model.setItem(0, 0, new QStandardItem("sst2"));
    model.setItem(0, 1, new QStandardItem("0.91"));
    model.setItem(0, 2, new QStandardItem("plain"));
    model.setItem(1, 0, new QStandardItem("rte"));
    model.setItem(1, 1, new QStandardItem("0.5"));
    model.setItem(1, 2, new QStandardItem("a, \"quoted\"\nline"));
    const QString expected =
        "task,score,note\r\n"
        "sst2,0.91,plain\r\n"
        "rte,0.5,\"a, \"\"quoted\"\"\nline\"\r\n";
    QCOMPARE(hwb::table_to_csv(model), expected);

    QTemporaryDir dir;
    const QString file = dir.filePath("t.csv");
    QCOMPARE(hwb::save_table_csv(model, file), QString());
    QCOMPARE(QString::fromUtf8(read_all(file)), expected);

    // The view's export follows what is shown: hidden columns left out, moved columns in order.
    QTableView view;
    view.setModel(&model);
    view.setColumnHidden(2, true);
    view.horizontalHeader()->moveSection(1, 0);
    QCOMPARE(hwb::table_to_csv(view), QString("score,task\r\n0.91,sst2\r\n0.5,rte\r\n"));
    QVERIFY(!hwb::save_table_csv(model, "/nonexistent-folder/t.csv").isEmpty());
  }
};

QTEST_MAIN(TestUiPlot)
#include "tst_ui_plot.moc"
