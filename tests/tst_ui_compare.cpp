// Drives the compare view on two real demo runs kept in two store files (as when a store is
// imported), differing in the adapter reduction factor: ticking both overlays their curves with
// the store's points, on steps or elapsed time; the scores table holds the store's final and best
// scores and parameter counts; the config diff lists exactly the settings that differ; plot and
// table exports write their files.
#include <QCheckBox>
#include <QComboBox>
#include <QFile>
#include <QListWidget>
#include <QSettings>
#include <QStandardItemModel>
#include <QStandardPaths>
#include <QTableView>
#include <QTableWidget>

#include <nlohmann/json.hpp>

#include <cmath>

#include "core/study/ResultsTable.h"
#include "tests/GuiTestSettings.h"
#include "tests/UiTestUtil.h"
#include "ui/compare/CompareView.h"
#include "ui/compare/ConfigDiff.h"
#include "ui/compare/ScoreSummary.h"
#include "ui/plot/CurvePlot.h"
#include "ui/plot/PlotExport.h"
#include "ui/plot/QCustomPlotInclude.h"
#include "ui/plot/TableExport.h"

using namespace hwb;
using hwb::test::choose;

namespace {

int row_of(const QAbstractItemModel& model, const QString& quantity) {
  for (int r = 0; r < model.rowCount(); ++r) {
    if (model.index(r, 0).data().toString() == quantity) return r;
  }
  return -1;
}

int visible_rows(const QTableView& view) {
  int n = 0;
  for (int r = 0; r < view.model()->rowCount(); ++r) n += !view.isRowHidden(r);
  return n;
}

}  // namespace

class TestUiCompare : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir dir_;
  RunRef a_;
  RunRef b_;
  RunRef c_;  // a_ with another seed

  void tick_both(CompareView& view) {
    auto* list = view.findChild<QListWidget*>("run_list");
    QCOMPARE(list->count(), 2);
    for (int i = 0; i < list->count(); ++i) list->item(i)->setCheckState(Qt::Checked);
    QCOMPARE(view.selectedRuns().size(), std::size_t{2});
  }

 private Q_SLOTS:
  void initTestCase() {
    hwb::test::use_own_settings("tst_ui_compare");
    a_ = test::train_run(test::short_demo(dir_.filePath("a.db").toStdString(), 8));
    b_ = test::train_run(test::short_demo(dir_.filePath("b.db").toStdString(), 16));
    ExperimentConfig c = test::short_demo(dir_.filePath("c.db").toStdString(), 8);
    c.seed = 7;  // a_ with another seed
    c_ = test::train_run(c);
    QVERIFY(a_.store != b_.store);
    QCOMPARE(a_.run, b_.run);  // the same id in two stores: still two runs
  }

  void config_diff_flattens_and_marks() {
    const ConfigDiff diff =
        ConfigDiff::of({R"({"a": {"b": 1, "c": "x"}, "l": [1, 2], "e": {}})",
                        R"({"a": {"b": 2, "c": "x"}, "l": [1], "e": {}})", "not json"});
    std::vector<std::string> paths;
    for (const ConfigDiff::Row& r : diff.rows) paths.push_back(r.path);
    QCOMPARE(paths, std::vector<std::string>({"a.b", "a.c", "e", "l[0]", "l[1]", "(config)"}));
    QCOMPARE(diff.rows[1].values[1], std::optional<std::string>("x"));  // strings without quotes
    QCOMPARE(diff.rows[2].values[0], std::optional<std::string>("{}"));
    QVERIFY(!diff.rows[4].values[1].has_value());  // absent in the shorter list
    QVERIFY(diff.rows[5].values[2]->starts_with("unreadable: "));
    // Every path differs once the third config has none of them.
    QCOMPARE(diff.differing_paths().size(), std::size_t{6});
    const ConfigDiff two = ConfigDiff::of(
        {R"({"a": {"b": 1, "c": "x"}, "l": [1, 2]})", R"({"a": {"b": 2, "c": "x"}, "l": [1]})"});
    QCOMPARE(two.differing_paths(), std::vector<std::string>({"a.b", "l[1]"}));
  }

  void score_summary_final_and_best() {
    const std::vector<MetricPoint> m = {{10, "sst2", "validation", "score", 0.5},
                                        {20, "sst2", "validation", "score", 0.7},
                                        {30, "sst2", "validation", "score", 0.6},
                                        {30, "sst2", "test", "score", 0.9}};
    QCOMPARE(evaluation_split(m), std::string("validation"));
    const ScoreSummary s = ScoreSummary::of(m, "validation", "sst2", "score");
    QCOMPARE(s.final_value, 0.6);
    QCOMPARE(s.final_step, int64_t{30});
    QCOMPARE(s.best, 0.7);
    QCOMPARE(s.best_step, int64_t{20});
    QVERIFY(std::isnan(ScoreSummary::of(m, "validation", "rte", "score").final_value));
  }

  void overlay_has_both_runs_curves() {
    CompareView view;
    view.resize(1100, 700);
    view.show();
    view.setAvailableRuns({a_, b_});
    tick_both(view);
    auto* plot = view.findChild<CurvePlot*>("compare_plot");
    choose(view.findChild<QComboBox*>("curve_combo"), "s\tloss");
    QCOMPARE(plot->seriesNames(), QStringList({a_.label, b_.label}));
    for (const RunRef& r : {a_, b_}) {
      QVector<double> steps, times, losses;
      for (const ScalarPoint& p : r.store->scalar_series(r.run, "loss", 2000)) {
        steps << double(p.step);
        times << p.wall_time;
        losses << p.value;
      }
      QCOMPARE(steps.size(), 15);  // every second step of 30
      QCOMPARE(plot->seriesX(r.label), steps);
      QCOMPARE(plot->seriesY(r.label), losses);
    }
    QVERIFY(plot->seriesY(a_.label) != plot->seriesY(b_.label));

    // Zooming in re-reads each run's points for the shown steps from its store.
    QSignalSpy settled(plot, &CurvePlot::visibleRangeChanged);
    plot->customPlot()->xAxis->setRange(10, 20);
    QVERIFY(settled.wait(3000));
    for (const RunRef& r : {a_, b_}) {
      QVector<double> steps;
      for (const ScalarPoint& p :
           r.store->scalar_series(r.run, "loss", 2000, std::pair{int64_t{9}, int64_t{21}})) {
        steps << double(p.step);
      }
      QCOMPARE(plot->seriesX(r.label), steps);
    }
    QCOMPARE(plot->xLower(), 10.0);  // the person's view stays
    plot->resetView();
    QVERIFY(settled.wait(3000));
    QCOMPARE(plot->seriesX(a_.label).size(), 15);

    // The shared x axis switches to elapsed training time.
    choose(view.findChild<QComboBox*>("x_axis_combo"), "time");
    for (const RunRef& r : {a_, b_}) {
      QVector<double> times;
      for (const ScalarPoint& p : r.store->scalar_series(r.run, "loss", 2000)) times << p.wall_time;
      QCOMPARE(plot->seriesX(r.label), times);
    }
    choose(view.findChild<QComboBox*>("x_axis_combo"), "step");

    // An evaluation metric: the average score at each evaluation.
    choose(view.findChild<QComboBox*>("curve_combo"), "m\tvalidation\t\taverage");
    for (const RunRef& r : {a_, b_}) {
      QVector<double> values;
      for (const MetricPoint& m : r.store->metric_series(r.run, "", "average")) {
        if (m.split == "validation") values << m.value;
      }
      QCOMPARE(plot->seriesX(r.label), QVector<double>({15, 30}));
      QCOMPARE(plot->seriesY(r.label), values);
    }

    // Unticking one run takes its curve away.
    view.findChild<QListWidget*>("run_list")->item(1)->setCheckState(Qt::Unchecked);
    QCOMPARE(plot->seriesNames(), QStringList({a_.label}));

    QTemporaryDir out;
    QCOMPARE(save_plot(plot->customPlot(), out.filePath("overlay.svg")), QString());
    QVERIFY(QFile(out.filePath("overlay.svg")).size() > 0);
  }

  // Runs that differ by more than the seed are separate rows, named by what differs; the same
  // run seen twice (here: a seed of its own) would be one row of two.
  void runs_group_by_seed() {
    CompareView view;
    view.setAvailableRuns({a_, b_});
    tick_both(view);
    auto* table = view.findChild<QTableWidget*>("groups_table");
    QCOMPARE(table->rowCount(), 2);
    QCOMPARE(table->item(0, 0)->text(), QString("Hyperformer++ (reduction_factor 8)"));
    QCOMPARE(table->item(1, 0)->text(), QString("Hyperformer++ (reduction_factor 16)"));
    QCOMPARE(table->item(0, 1)->text(), QString("1"));  // one seed each
    const RunScores a = read_run_scores(*a_.store, *a_.store->run(a_.run), "validation");
    const int last = table->columnCount() - 1;
    double sum = 0;
    for (const auto& [task, score] : a.task_scores) sum += score;
    QCOMPARE(table->item(0, last)->text(),
             QString::number(sum / static_cast<double>(a.task_scores.size()), 'f', 1));
  }

  // With "Mean over seeds", a_ and c_ (seeds 42 and 7) are one mean line with a band of ± one
  // sample standard deviation; b_ is a line of its own, without a band.
  void curves_average_over_seeds() {
    CompareView view;
    view.resize(1100, 700);
    view.show();
    view.setAvailableRuns({a_, b_, c_});
    view.setSelectedRuns({a_, b_, c_});
    choose(view.findChild<QComboBox*>("curve_combo"), "s\tloss");
    view.findChild<QCheckBox*>("group_seeds_check")->setChecked(true);
    auto* plot = view.findChild<CurvePlot*>("compare_plot");
    const QString pair = "Hyperformer++ (reduction_factor 8) (2 runs)";
    const QString single = "Hyperformer++ (reduction_factor 16) (1 run)";
    QCOMPARE(plot->seriesNames(), QStringList({pair, single}));
    const auto losses = [](const RunRef& r) {
      QVector<double> out;
      for (const ScalarPoint& p : r.store->scalar_series(r.run, "loss", 2000)) out << p.value;
      return out;
    };
    const QVector<double> a = losses(a_), c = losses(c_);
    QCOMPARE(plot->seriesY(pair).size(), a.size());
    for (int i = 0; i < a.size(); ++i) {
      const double mean = (a[i] + c[i]) / 2;
      const double spread = std::abs(a[i] - c[i]) / std::sqrt(2.0);
      QVERIFY(std::abs(plot->seriesY(pair)[i] - mean) < 1e-9);
      QVERIFY(std::abs(plot->bandUpper(pair)[i] - (mean + spread)) < 1e-9);
      QVERIFY(std::abs(plot->bandLower(pair)[i] - (mean - spread)) < 1e-9);
    }
    QCOMPARE(plot->seriesY(single), losses(b_));
    QVERIFY(plot->bandUpper(single).isEmpty());
    // Off again: one line per run.
    view.findChild<QCheckBox*>("group_seeds_check")->setChecked(false);
    QCOMPARE(plot->seriesNames().size(), 3);
  }

  void scores_table_holds_the_stores_numbers() {
    CompareView view;
    view.setAvailableRuns({a_, b_});
    tick_both(view);
    auto* table = view.findChild<QTableView*>("scores_table");
    const QAbstractItemModel& model = *table->model();
    QCOMPARE(model.columnCount(), 3);  // the quantity, then one column per run
    QCOMPARE(model.headerData(1, Qt::Horizontal).toString(), a_.label);
    QCOMPARE(model.headerData(2, Qt::Horizontal).toString(), b_.label);
    const int trainable_row = row_of(model, "Trainable parameters");
    QVERIFY(trainable_row >= 0);
    std::vector<long long> trainable;
    for (int column = 1; column <= 2; ++column) {
      const RunRef& r = column == 1 ? a_ : b_;
      const auto params = nlohmann::json::parse(r.store->run(r.run)->parameters_json);
      trainable.push_back(
          model.index(trainable_row, column).data(CompareView::kValueRole).toLongLong());
      QCOMPARE(trainable.back(), params.at("trainable").get<long long>());
      for (const std::string task : {"sst2", "rte", ""}) {
        const std::string metric = task.empty() ? "average" : "score";
        double final_value = NAN, best = -INFINITY;
        for (const MetricPoint& m : r.store->metric_series(r.run, task, metric)) {
          if (m.task != task) continue;  // an empty task matches all
          final_value = m.value;         // in step order
          best = std::max(best, m.value);
        }
        const QString name = task.empty() ? QString("average") : QString::fromStdString(task);
        const int final_row = row_of(model, name + " final");
        const int best_row = row_of(model, name + " best");
        QVERIFY(final_row >= 0 && best_row >= 0);
        QCOMPARE(model.index(final_row, column).data(CompareView::kValueRole).toDouble(),
                 final_value);
        QCOMPARE(model.index(best_row, column).data(CompareView::kValueRole).toDouble(), best);
        QCOMPARE(model.index(final_row, column).data().toString(),
                 QString::number(final_value, 'f', 4));
      }
    }
    // Reduction factor 8 has twice the adapter width of 16: more parameters.
    QVERIFY(trainable[0] > trainable[1]);

    QTemporaryDir out;
    const QString csv = out.filePath("scores.csv");
    QCOMPARE(save_table_csv(*table, csv), QString());
    QFile file(csv);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QList<QByteArray> lines = file.readAll().split('\n');
    QCOMPARE(lines.at(0), "Quantity," + a_.label.toUtf8() + "," + b_.label.toUtf8() + "\r");
    QCOMPARE(lines.at(1), QByteArray("Status,finished,finished\r"));
    QCOMPARE(lines.at(2), QByteArray("Variant,hyperformer_pp,hyperformer_pp\r"));
  }

  void config_diff_lists_exactly_the_changed_keys() {
    CompareView view;
    view.setAvailableRuns({a_, b_});
    tick_both(view);
    QCOMPARE(view.differingKeys(), QStringList({"output.store", "variant.reduction_factor"}));
    auto* table = view.findChild<QTableView*>("config_table");
    auto* only = view.findChild<QCheckBox*>("diff_only_check");
    only->setChecked(true);
    QCOMPARE(visible_rows(*table), 2);
    const QAbstractItemModel& model = *table->model();
    for (int r = 0; r < model.rowCount(); ++r) {
      if (table->isRowHidden(r)) continue;
      if (model.index(r, 0).data().toString() == "variant.reduction_factor") {
        QCOMPARE(model.index(r, 1).data().toString(), QString("8"));
        QCOMPARE(model.index(r, 2).data().toString(), QString("16"));
        QVERIFY(model.index(r, 1).data(Qt::BackgroundRole).isValid());  // highlighted
      }
    }
    only->setChecked(false);
    QVERIFY(visible_rows(*table) > 20);
    QCOMPARE(visible_rows(*table), model.rowCount());

    // The window re-offers the same runs whenever its run list reloads: the picks stay.
    RunRef relabelled = b_;
    relabelled.label = "renamed";
    view.setAvailableRuns({a_, relabelled});
    QCOMPARE(view.selectedRuns().size(), std::size_t{2});
    QCOMPARE(view.findChild<QListWidget*>("run_list")->item(1)->text(), QString("renamed"));
    // A run no longer offered is no longer picked.
    view.setAvailableRuns({a_});
    QCOMPARE(view.selectedRuns().size(), std::size_t{1});
    QVERIFY(view.differingKeys().isEmpty());
  }
};

QTEST_MAIN(TestUiCompare)
#include "tst_ui_compare.moc"
