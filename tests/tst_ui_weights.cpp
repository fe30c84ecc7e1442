// Drives the generated-weights view on real stores: a short Hyperformer++ demo run and a full
// fine-tuning run. The heatmap's cells are the store's numbers for the chosen stack, position,
// tensor and statistic; the step slider switches to another evaluation's numbers; the similarity
// matrix is the stored one; a variant without adapters says so instead of drawing.
#include <QComboBox>
#include <QLabel>
#include <QSettings>
#include <QSlider>
#include <QStandardPaths>

#include <cmath>

#include "tests/GuiTestSettings.h"
#include "tests/UiTestUtil.h"
#include "ui/plot/HeatmapPlot.h"
#include "ui/weights/WeightsView.h"

using namespace hwb;
using hwb::test::choose;

namespace {

// Every stored value of (stack, position, statistic) at `step` is the heatmap's cell for its
// layer and task, and every cell has a stored value.
void check_cells(const HeatmapPlot& map, const std::vector<WeightStat>& stats,
                 const std::string& stack, const std::string& position,
                 const std::string& statistic, int* checked) {
  int matched = 0;
  for (const WeightStat& w : stats) {
    if (w.stack != stack || w.position != position || w.statistic != statistic) continue;
    const int row = static_cast<int>(map.rows().indexOf(QStringLiteral("layer %1").arg(w.layer)));
    const int column = static_cast<int>(map.columns().indexOf(QString::fromStdString(w.task)));
    QVERIFY(row >= 0 && column >= 0);
    QCOMPARE(map.value(row, column), w.value);
    ++matched;
  }
  QCOMPARE(matched, static_cast<int>(map.rows().size() * map.columns().size()));
  *checked = matched;
}

}  // namespace

class TestUiWeights : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir dir_;
  RunRef hyper_;
  RunRef full_;

 private Q_SLOTS:
  void initTestCase() {
    hwb::test::use_own_settings("tst_ui_weights");
    const std::filesystem::path store = dir_.filePath("runs.db").toStdString();
    hyper_ = test::train_run(test::short_demo(store, 8));
    ExperimentConfig full = test::short_demo(store, 8);
    full.name = "full";
    full.steps = 4;
    full.warmup_steps = 1;
    full.eval_every = 4;
    full.peft.variant = PeftVariant::kFullFinetune;
    full.peft.train_backbone_matching.clear();
    full_ = test::train_run(full);
  }

  void heatmap_cells_are_the_stores_numbers_at_each_step() {
    WeightsView view;
    view.resize(1000, 600);
    view.show();
    view.showRun(hyper_);
    const std::vector<int64_t> steps = hyper_.store->weight_stat_steps(hyper_.run);
    QCOMPARE(steps, std::vector<int64_t>({15, 30}));
    QCOMPARE(view.steps(), steps);
    QCOMPARE(view.currentStep(), int64_t{30});  // a run opens at its latest evaluation
    QVERIFY(!view.findChild<QLabel*>("message_label")->isVisibleTo(&view));

    auto* map = view.findChild<HeatmapPlot*>("weights_map");
    QCOMPARE(map->columns(), QStringList({"sst2", "rte"}));  // the config's order
    QCOMPARE(map->rows(),
             QStringList({"layer 0", "layer 1"}));  // the tiny T5 has two blocks a stack

    auto* stacks = view.findChild<QComboBox*>("stack_combo");
    QCOMPARE(stacks->count(), 2);
    QCOMPARE(stacks->itemData(0).toString(), QString("encoder"));  // the model's order
    QCOMPARE(stacks->itemData(1).toString(), QString("decoder"));
    const std::vector<WeightStat> last = hyper_.store->weight_stats(hyper_.run, 30);
    int checked = 0;
    for (const char* stack : {"encoder", "decoder"}) {
      for (const char* position : {"feed_forward", "self_attention"}) {
        for (const auto& [tensor, statistic] :
             {std::pair{"down", "norm"}, std::pair{"up", "std"}, std::pair{"gamma", "mean"}}) {
          choose(view.findChild<QComboBox*>("stack_combo"), stack);
          choose(view.findChild<QComboBox*>("position_combo"), position);
          choose(view.findChild<QComboBox*>("tensor_combo"), tensor);
          choose(view.findChild<QComboBox*>("statistic_combo"), statistic);
          check_cells(*map, last, stack, position, std::string(tensor) + "_" + statistic, &checked);
          QCOMPARE(checked, 4);
        }
      }
    }

    // The slider goes back to the first evaluation: other numbers, again the store's.
    choose(view.findChild<QComboBox*>("stack_combo"), "encoder");
    choose(view.findChild<QComboBox*>("position_combo"), "feed_forward");
    choose(view.findChild<QComboBox*>("tensor_combo"), "down");
    choose(view.findChild<QComboBox*>("statistic_combo"), "norm");
    const double at_30 = map->value(0, 0);
    auto* slider = view.findChild<QSlider*>("step_slider");
    QVERIFY(slider->isEnabled());
    slider->setValue(0);
    QCOMPARE(view.currentStep(), int64_t{15});
    QVERIFY(view.findChild<QLabel*>("step_label")->text().contains("step 15"));
    check_cells(*map, hyper_.store->weight_stats(hyper_.run, 15), "encoder", "feed_forward",
                "down_norm", &checked);
    QVERIFY(map->value(0, 0) != at_30);  // training moved the generated weights

    // A refresh (what a live run's new evaluation triggers) keeps a slider the person moved back.
    view.refresh();
    QCOMPARE(view.currentStep(), int64_t{15});
  }

  void similarity_is_the_stored_matrix() {
    WeightsView view;
    view.showRun(hyper_);
    auto* map = view.findChild<HeatmapPlot*>("similarity_map");
    auto* kind = view.findChild<QComboBox*>("similarity_combo");
    for (const SimilarityMatrix& m : hyper_.store->similarity(hyper_.run, 30)) {
      choose(kind, QString::fromStdString(m.kind));
      QCOMPARE(map->columns(), QStringList({"sst2", "rte"}));
      QCOMPARE(map->rows(), map->columns());
      for (int r = 0; r < 2; ++r) {
        for (int c = 0; c < 2; ++c)
          QCOMPARE(map->value(r, c), m.values[static_cast<std::size_t>(r * 2 + c)]);
      }
      QVERIFY(std::abs(map->value(0, 0) - 1.0) < 1e-6);  // a task is itself
    }
  }

  void a_variant_without_adapters_says_so() {
    WeightsView view;
    view.showRun(full_);
    QVERIFY(view.steps().empty());
    auto* message = view.findChild<QLabel*>("message_label");
    QVERIFY(message->isVisibleTo(&view));
    QVERIFY2(message->text().contains("full_finetune") && message->text().contains("no adapters"),
             qPrintable(message->text()));
    QVERIFY(view.findChild<HeatmapPlot*>("weights_map")->isEmpty());
    QVERIFY(!view.findChild<QSlider*>("step_slider")->isEnabled());

    view.showRun({});
    QVERIFY(message->text().contains("Select a run"));
  }
};

QTEST_MAIN(TestUiWeights)
#include "tst_ui_weights.moc"
