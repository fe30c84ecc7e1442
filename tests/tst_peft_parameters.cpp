// Parameter counts on a T5-base-shaped backbone (random weights) for every variant, against
// formulas worked out by hand, and Hyperformer++'s per-task share against the paper's 0.29%.
#include <ATen/ATen.h>

#include "core/peft/ParameterReport.h"
#include "core/peft/PeftModel.h"
#include "tests/TestUtil.h"

using namespace hwb;

Q_DECLARE_METATYPE(hwb::PeftVariant)

namespace {

const std::vector<std::string> kGlue = {"rte", "sst2", "mrpc", "stsb",
                                        "qqp", "mnli", "qnli", "cola"};

T5Config t5_base() {
  T5Config c;
  c.vocab_size = 32128;
  c.d_model = 768;
  c.d_kv = 64;
  c.d_ff = 3072;
  c.num_layers = 12;
  c.num_decoder_layers = 12;
  c.num_heads = 12;
  c.feed_forward_proj = "relu";
  c.tie_word_embeddings = true;
  return c;
}

// The sizes of the formulas, named as in METHOD.md.
constexpr int64_t V = 32128, d = 768, inner = 12 * 64, dff = 3072, Le = 12, Ld = 12, heads = 12,
                  buckets = 32;
constexpr int64_t m = d / 32, t = 64, h = 128, P = 64, T = 8;
constexpr int64_t S = 2 * (Le + Ld);  // adapter sites: two per block, both stacks

// T5: embedding, per encoder block 4 attention matrices + 2 FFN matrices + 2 RMS norms, per decoder
// block 8 attention matrices + 2 FFN + 3 norms, a relative-bias table and a final norm per stack.
constexpr int64_t kBackbone = V * d + Le * (4 * d * inner + 2 * d * dff + 2 * d) +
                              Ld * (8 * d * inner + 2 * d * dff + 3 * d) + 2 * buckets * heads +
                              2 * d;
constexpr int64_t kNorms = (2 * Le + 3 * Ld + 2) * d;    // the T5 layer norms, unfrozen
constexpr int64_t kAdapter = (d * m + m) + (m * d + d);  // D, b_D, U, b_U
constexpr int64_t kPlainNorm = 2 * d;                    // LN_post weight and bias
// Generators from I (P): D, b_D, U, b_U, gamma, beta, each a linear layer with bias.
constexpr int64_t kGenerators = (P + 1) * (m * d + m + d * m + d + 2 * d);
// Projector in -> h -> P with its LayerNorm.
constexpr int64_t projector(int64_t in) {
  return (in + 1) * h + (h + 1) * P + 2 * P;
}

struct Expected {
  int64_t added;
  int64_t trainable;
  int64_t task_own;
};

Expected expected_for(PeftVariant v) {
  switch (v) {
    case PeftVariant::kFullFinetune:
      return {0, kBackbone, 0};
    case PeftVariant::kAdapters:  // one task
      return {S * (kAdapter + kPlainNorm), S * (kAdapter + kPlainNorm) + kNorms, S * kAdapter};
    case PeftVariant::kAdaptersSharedNorms:
      return {T * S * kAdapter + S * kPlainNorm, T * S * kAdapter + S * kPlainNorm + kNorms,
              S * kAdapter};
    case PeftVariant::kHyperformer: {
      const int64_t added = T * t + projector(t) + S * kGenerators;
      return {added, added + kNorms, t};
    }
    case PeftVariant::kHyperformerLayerConditioned: {
      // Per stack: layer-id embeddings, a projector of [z ; l], generators per position.
      const int64_t added = T * t + (Le * t + projector(2 * t) + 2 * kGenerators) +
                            (Ld * t + projector(2 * t) + 2 * kGenerators);
      return {added, added + kNorms, t};
    }
    case PeftVariant::kHyperformerPP: {
      // Per stack: layer-id and position embeddings, a projector of [z ; l ; p], one generator set.
      const int64_t added = T * t + (Le * t + 2 * t + projector(3 * t) + kGenerators) +
                            (Ld * t + 2 * t + projector(3 * t) + kGenerators);
      return {added, added + kNorms, t};
    }
  }
  return {};
}

}  // namespace

class TestPeftParameters : public QObject {
  Q_OBJECT

 private:
  T5Model backbone_{nullptr};

 private Q_SLOTS:
  void initTestCase() {
    // Random weights as the constructors draw them: only the counts matter here.
    backbone_ = T5Model(t5_base());
    int64_t n = 0;
    for (const auto& p : backbone_->parameters()) n += p.numel();
    QCOMPARE(n, kBackbone);
    QCOMPARE(kBackbone, int64_t{222903552});  // t5-base as transformers counts it
  }

  void counts_match_the_formulas_data() {
    QTest::addColumn<PeftVariant>("variant");
    for (PeftVariant v : {PeftVariant::kFullFinetune, PeftVariant::kAdapters,
                          PeftVariant::kAdaptersSharedNorms, PeftVariant::kHyperformer,
                          PeftVariant::kHyperformerLayerConditioned, PeftVariant::kHyperformerPP}) {
      QTest::newRow(std::string(to_string(v)).c_str()) << v;
    }
  }

  void counts_match_the_formulas() {
    QFETCH(PeftVariant, variant);
    PeftConfig config;  // the paper's sizes: reduction 32, t 64, projector 128 -> 64
    config.variant = variant;
    config.tasks = variant == PeftVariant::kAdapters ? std::vector<std::string>{"rte"} : kGlue;
    const auto tasks = static_cast<int64_t>(config.tasks.size());
    const Expected e = expected_for(variant);
    ParameterReport r;
    {
      PeftModel model(backbone_, config, 1);
      r = ParameterReport::of(model);
      int64_t saved = 0;
      for (const auto& [name, p] : model.named_saved_parameters()) saved += p.numel();
      QCOMPARE(saved, e.trainable);  // what save_adapters writes is what trains
    }
    qInfo("%s", r.to_text().c_str());
    QCOMPARE(r.backbone, kBackbone);
    QCOMPARE(r.added, e.added);
    QCOMPARE(r.total, kBackbone + e.added);
    QCOMPARE(r.trainable, e.trainable);
    QCOMPARE(r.trainable_backbone, variant == PeftVariant::kFullFinetune ? kBackbone : kNorms);
    QCOMPARE(r.num_tasks, tasks);
    QCOMPARE(r.per_task, static_cast<double>(e.trainable) / static_cast<double>(tasks));
    QCOMPARE(r.per_task_percent, 100.0 * r.per_task / static_cast<double>(kBackbone));
    for (const auto& task : config.tasks) QCOMPARE(r.task_own.at(task), e.task_own);
  }

  void hyperformer_pp_adds_the_papers_share_per_task() {
    PeftConfig config;
    config.tasks = kGlue;
    PeftModel model(backbone_, config, 1);
    const ParameterReport r = ParameterReport::of(model);
    // (2 x 2,581,464 + 8 x 64 + 47,616) / 8 = 651,382 per task = 0.2922% of 222,903,552.
    QCOMPARE(r.trainable, int64_t{5211056});
    qInfo("Hyperformer++ per task: %.0f = %.4f%%", r.per_task, r.per_task_percent);
    QVERIFY(std::abs(r.per_task_percent - 0.29) < 0.005);
    // The paper's "1.02x" total parameters for all tasks together.
    const double total_ratio = static_cast<double>(r.total) / static_cast<double>(r.backbone);
    QVERIFY(std::abs(total_ratio - 1.02) < 0.005);
  }

  void t5_base_multi_task_full_finetuning_is_an_eighth_per_task() {
    PeftConfig config;
    config.variant = PeftVariant::kFullFinetune;
    config.tasks = kGlue;
    PeftModel model(backbone_, config, 1);
    QCOMPARE(ParameterReport::of(model).per_task_percent, 12.5);  // the paper's T5-base† row
  }
};

QTEST_GUILESS_MAIN(TestPeftParameters)
#include "tst_peft_parameters.moc"
