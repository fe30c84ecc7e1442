// ParameterEstimate against the models themselves: for every variant and the options that change
// what a model holds, the counts worked out from the configs equal ParameterReport::of on the
// built PeftModel, part by part; and T5-base's Hyperformer++ share is the paper's 0.29% without
// building T5-base.
#include <ATen/ATen.h>

#include "core/peft/ParameterEstimate.h"
#include "core/peft/PeftModel.h"
#include "tests/TestUtil.h"

using namespace hwb;

namespace {

// Small but unlike the tiny one in every way that changes names or counts: plain ReLU FFN, its
// own lm_head, more encoder than decoder blocks, inner attention size != d_model.
T5Config untied_relu() {
  T5Config c;
  c.vocab_size = 50;
  c.d_model = 32;
  c.d_kv = 6;
  c.d_ff = 40;
  c.num_layers = 3;
  c.num_decoder_layers = 2;
  c.num_heads = 3;
  c.relative_attention_num_buckets = 8;
  c.feed_forward_proj = "relu";
  c.tie_word_embeddings = false;
  return c;
}

T5Config tiny_with_small_vocabulary() {
  T5Config c = T5Config::tiny();
  c.vocab_size = 64;  // the counts do not care; the test runs faster
  return c;
}

const std::vector<PeftVariant> kVariants = {PeftVariant::kFullFinetune,
                                            PeftVariant::kAdapters,
                                            PeftVariant::kAdaptersSharedNorms,
                                            PeftVariant::kHyperformer,
                                            PeftVariant::kHyperformerLayerConditioned,
                                            PeftVariant::kHyperformerPP};

// Options that add, remove or unfreeze parameters.
enum class Options { kDefaults, kNormsBeforeAndAfter, kPlainNorms, kDecoderOnly, kTrainMore };

PeftConfig peft_config(PeftVariant variant, Options options) {
  PeftConfig c;
  c.variant = variant;
  c.tasks = variant == PeftVariant::kAdapters ? std::vector<std::string>{"rte"}
                                              : std::vector<std::string>{"rte", "sst2", "cola"};
  c.reduction_factor = 8;
  c.task_embedding_dim = 8;
  c.projector_hidden_dim = 12;
  c.projected_task_dim = 10;
  switch (options) {
    case Options::kDefaults:
      break;
    case Options::kNormsBeforeAndAfter:
      c.adapter_layer_norm_before = true;
      break;
    case Options::kPlainNorms:
      c.conditional_layer_norm = false;
      c.adapter_layer_norm_before = true;
      c.projector_layer_norm = false;
      break;
    case Options::kDecoderOnly:
      c.adapters_in = AdapterStacks::kDecoder;
      c.unfreeze_layer_norms = false;
      break;
    case Options::kTrainMore:
      c.train_lm_head = true;
      c.train_backbone_matching = {"decoder.block.1.", "EncDecAttention.o"};
      break;
  }
  return c;
}

void compare_reports(const ParameterReport& built, const ParameterReport& estimated) {
  QCOMPARE(estimated.variant, built.variant);
  QCOMPARE(estimated.num_tasks, built.num_tasks);
  QCOMPARE(estimated.backbone, built.backbone);
  QCOMPARE(estimated.added, built.added);
  QCOMPARE(estimated.total, built.total);
  QCOMPARE(estimated.trainable, built.trainable);
  QCOMPARE(estimated.trainable_backbone, built.trainable_backbone);
  QCOMPARE(estimated.trainable_added, built.trainable_added);
  QCOMPARE(estimated.task_own, built.task_own);
  QCOMPARE(estimated.parts, built.parts);
  QCOMPARE(estimated.per_task, built.per_task);
  QCOMPARE(estimated.per_task_percent, built.per_task_percent);
}

}  // namespace

Q_DECLARE_METATYPE(hwb::PeftVariant)
Q_DECLARE_METATYPE(Options)

class TestParameterEstimate : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void equals_the_built_model_data() {
    QTest::addColumn<bool>("tied");
    QTest::addColumn<PeftVariant>("variant");
    QTest::addColumn<Options>("options");
    const std::vector<std::pair<Options, const char*>> options = {
        {Options::kDefaults, "defaults"},
        {Options::kNormsBeforeAndAfter, "norms before and after"},
        {Options::kPlainNorms, "plain norms, no projector norm"},
        {Options::kDecoderOnly, "decoder only, norms frozen"},
        {Options::kTrainMore, "lm head and matched backbone parts"}};
    for (bool tied : {true, false}) {
      for (PeftVariant v : kVariants) {
        for (const auto& [o, name] : options) {
          const std::string row = std::string(tied ? "tiny " : "untied relu ") +
                                  std::string(to_string(v)) + ", " + name;
          QTest::newRow(row.c_str()) << tied << v << o;
        }
      }
    }
  }

  void equals_the_built_model() {
    QFETCH(bool, tied);
    QFETCH(PeftVariant, variant);
    QFETCH(Options, options);
    const T5Config backbone = tied ? tiny_with_small_vocabulary() : untied_relu();
    const PeftConfig config = peft_config(variant, options);
    PeftModel model(T5Model(backbone), config, 3);
    const ParameterReport built = ParameterReport::of(model);
    compare_reports(built, estimate_parameters(backbone, config));

    // Name for name: the same parameters, sizes and trainability.
    std::map<std::string, std::pair<int64_t, bool>> actual, expected;
    for (const auto& [name, p] : model.named_parameters()) {
      actual[name] = {p.numel(), p.requires_grad()};
    }
    for (const ParameterCount& p : expected_parameters(backbone, config)) {
      QVERIFY2(!expected.contains(p.name), p.name.c_str());
      expected[p.name] = {p.numel, p.trainable};
    }
    for (const auto& [name, value] : actual) {
      QVERIFY2(expected.contains(name), ("not estimated: " + name).c_str());
      QVERIFY2(expected.at(name) == value, ("size or trainability differs: " + name).c_str());
    }
    QCOMPARE(expected.size(), actual.size());
  }

  void t5_base_hyperformer_pp_is_the_papers_share() {
    T5Config base;
    base.d_model = 768;
    base.d_ff = 3072;
    base.num_layers = 12;
    base.num_decoder_layers = 12;
    base.num_heads = 12;
    PeftConfig config;  // the paper's Hyperformer++ sizes
    config.tasks = {"rte", "sst2", "mrpc", "stsb", "qqp", "mnli", "qnli", "cola"};
    const ParameterReport r = estimate_parameters(base, config);
    QCOMPARE(r.backbone, int64_t{222903552});
    QCOMPARE(r.trainable, int64_t{5211056});  // tst_peft_parameters counts the built model
    QCOMPARE(r.per_task, 651382.0);
    QCOMPARE(QString::number(r.per_task_percent, 'f', 4), QString("0.2922"));
  }

  void sizes_that_do_not_fit_are_refused() {
    PeftConfig config;
    config.tasks = {"rte"};
    config.reduction_factor = 7;  // does not divide 64
    QVERIFY(test::throws_with([&] { estimate_parameters(T5Config::tiny(), config); },
                              {"reduction_factor"}));
  }

  void backbone_config_reads_the_builtin_and_folders() {
    QCOMPARE(backbone_config("builtin:tiny").d_model, T5Config::tiny().d_model);
    QTemporaryDir dir;
    QVERIFY(test::throws_with([&] { backbone_config(dir.path().toStdString()); }, {"config.json"}));
    untied_relu().save(std::filesystem::path(dir.path().toStdString()) / "config.json");
    QCOMPARE(backbone_config(dir.path().toStdString()).num_layers, int64_t{3});
  }
};

QTEST_GUILESS_MAIN(TestParameterEstimate)
#include "tst_parameter_estimate.moc"
