// Generated-weight statistics and task-embedding similarity for the workbench's plots.
#include <ATen/ATen.h>

#include "core/peft/PeftModel.h"
#include "core/peft/WeightStatistics.h"
#include "tests/PeftTestUtil.h"
#include "tests/TestUtil.h"

using namespace hwb;
using hwb::test::small_peft_config;
using hwb::test::small_t5;

class TestPeftStatistics : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void every_task_site_and_tensor_is_described() {
    PeftConfig c = small_peft_config(PeftVariant::kHyperformerPP);
    c.adapter_layer_norm_before = true;
    PeftModel model(small_t5(), c, 3);
    const WeightStatistics s = WeightStatistics::of(model);
    const std::size_t sites = model.peft()->sites().size();
    QCOMPARE(sites, std::size_t{10});
    QCOMPARE(s.entries.size(), 3 * sites * 8);
    // One entry against the weights themselves.
    at::NoGradGuard no_grad;
    const TaskAdapters& w = model.hook()->adapters("cola");
    const int64_t i =
        model.peft()->site_index(StackKind::kDecoder, 2, SublayerKind::kSelfAttention);
    const at::Tensor up = w.sites[static_cast<std::size_t>(i)].up.to(at::kDouble);
    bool found = false;
    for (const auto& e : s.entries) {
      if (e.task != "cola" || e.stack != StackKind::kDecoder || e.layer != 2 ||
          e.where != SublayerKind::kSelfAttention || e.tensor != "up") {
        continue;
      }
      found = true;
      QVERIFY(std::abs(e.norm - up.norm().item<double>()) < 1e-9);
      QVERIFY(std::abs(e.mean - up.mean().item<double>()) < 1e-12);
      QVERIFY(std::abs(e.std - up.std(false).item<double>()) < 1e-12);
    }
    QVERIFY(found);
    // Generated statistics differ between tasks (the point of the heatmaps).
    QVERIFY(s.entries[0].task == "rte" && s.entries[sites * 8].task == "cola");
    QVERIFY(s.entries[0].norm != s.entries[sites * 8].norm);
    const nlohmann::json j = s.to_json();
    QCOMPARE(j.at("entries").size(), s.entries.size());
    QCOMPARE(j.at("entries")[0].at("position").get<std::string>(), std::string("feed_forward"));
  }

  void similarity_is_cosine_of_embeddings() {
    PeftModel model(small_t5(), small_peft_config(PeftVariant::kHyperformer), 3);
    const WeightStatistics s = WeightStatistics::of(model);
    QCOMPARE(s.tasks, model.config().tasks);
    QCOMPARE(s.similarity_raw.size(), std::size_t{9});
    QCOMPARE(s.similarity_projected.size(), std::size_t{9});
    const at::Tensor z = model.peft()->task_embeddings->stacked().to(at::kDouble);
    for (int a = 0; a < 3; ++a) {
      QVERIFY(std::abs(s.similarity_raw[a * 3 + a] - 1.0) < 1e-12);
      QVERIFY(std::abs(s.similarity_projected[a * 3 + a] - 1.0) < 1e-12);
      for (int b = 0; b < 3; ++b) {
        const double cos = (z[a] * z[b]).sum().item<double>() /
                           (z[a].norm().item<double>() * z[b].norm().item<double>());
        QVERIFY(std::abs(s.similarity_raw[a * 3 + b] - cos) < 1e-12);
        QCOMPARE(s.similarity_projected[a * 3 + b], s.similarity_projected[b * 3 + a]);
      }
    }
  }

  void plain_adapters_have_statistics_but_no_similarity() {
    PeftModel model(small_t5(), small_peft_config(PeftVariant::kAdaptersSharedNorms), 3);
    const WeightStatistics s = WeightStatistics::of(model);
    QCOMPARE(s.entries.size(), std::size_t{3 * 10 * 6});  // down, up, biases, shared LN_post
    QVERIFY(s.similarity_raw.empty() && s.similarity_projected.empty());
    PeftModel full(small_t5(), small_peft_config(PeftVariant::kFullFinetune), 3);
    QVERIFY(WeightStatistics::of(full).entries.empty());
  }
};

QTEST_GUILESS_MAIN(TestPeftStatistics)
#include "tst_peft_statistics.moc"
