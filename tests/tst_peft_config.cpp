// PeftConfig: JSON round trip, strict reading, validation against a backbone.
#include "core/model/T5Config.h"
#include "core/peft/PeftConfig.h"
#include "tests/TestUtil.h"

using namespace hwb;
using hwb::test::throws_with;

class TestPeftConfig : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void defaults_are_the_papers_hyperformer_pp() {
    const PeftConfig c;
    QCOMPARE(c.variant, PeftVariant::kHyperformerPP);
    QCOMPARE(c.reduction_factor, int64_t{32});
    QCOMPARE(c.task_embedding_dim, int64_t{64});
    QCOMPARE(c.projector_hidden_dim, int64_t{128});
    QCOMPARE(c.projected_task_dim, int64_t{64});
    QCOMPARE(c.non_linearity, std::string("gelu_new"));
    QVERIFY(c.conditional_layer_norm && c.adapter_layer_norm_after && !c.adapter_layer_norm_before);
    QVERIFY(c.unfreeze_layer_norms && !c.train_lm_head);
  }

  void round_trips_every_field_data() {
    QTest::addColumn<QString>("variant");
    for (const char* v : {"full_finetune", "adapters", "adapters_shared_norms", "hyperformer",
                          "hyperformer_layer_conditioned", "hyperformer_pp"}) {
      QTest::newRow(v) << QString(v);
    }
  }

  void round_trips_every_field() {
    QFETCH(QString, variant);
    PeftConfig c;
    c.variant = parse_peft_variant(variant.toStdString());
    c.tasks = {"mnli"};
    c.reduction_factor = 16;
    c.non_linearity = "swish";
    c.task_embedding_dim = 32;
    c.projector_hidden_dim = 100;
    c.projected_task_dim = 48;
    c.projector_layer_norm = false;
    c.conditional_layer_norm = false;
    c.adapter_layer_norm_before = true;
    c.adapter_layer_norm_after = false;
    c.adapters_in = AdapterStacks::kDecoder;
    c.unfreeze_layer_norms = false;
    c.train_lm_head = true;
    c.train_backbone_matching = {"decoder.block.2."};
    const nlohmann::json j = c.to_json();
    QCOMPARE(j.at("variant").get<std::string>(), variant.toStdString());
    const PeftConfig back = PeftConfig::from_json(j);
    QCOMPARE(back.to_json(), j);
    QCOMPARE(back.adapters_in, AdapterStacks::kDecoder);
  }

  void missing_keys_take_defaults() {
    const PeftConfig c = PeftConfig::from_json({{"tasks", {"rte", "cola"}}});
    QCOMPARE(c.to_json().at("reduction_factor"), nlohmann::json(32));
    QCOMPARE(c.tasks.size(), std::size_t{2});
  }

  void problems_are_listed_together() {
    const nlohmann::json j = {{"tasks", {"rte"}},
                              {"variant", "hyperformer++"},
                              {"reduction_factr", 8},
                              {"adapters_in", "middle"},
                              {"conditional_layer_norm", "yes"}};
    std::string message;
    QVERIFY(throws_with([&] { PeftConfig::from_json(j, "preset.json"); },
                        {"preset.json", "hyperformer++", "hyperformer_pp", "reduction_factr",
                         "middle", "conditional_layer_norm: expected true or false"},
                        &message));
  }

  void invalid_values_are_refused() {
    QVERIFY(throws_with(
        [] {
          PeftConfig::from_json({{"tasks", nlohmann::json::array()}});
        },
        {"at least one task"}));
    QVERIFY(throws_with(
        [] {
          PeftConfig::from_json({{"tasks", {"rte", "rte"}}});
        },
        {"'rte' is listed twice"}));
    QVERIFY(throws_with(
        [] {
          PeftConfig::from_json({{"tasks", {"my.task"}}});
        },
        {"'my.task' is not a valid task name"}));
    QVERIFY(throws_with(
        [] {
          PeftConfig::from_json({{"tasks", {"rte"}}, {"non_linearity", "tanh"}});
        },
        {"non_linearity: 'tanh' is not one of: gelu_new, relu, swish, silu"}));
    QVERIFY(throws_with(
        [] {
          PeftConfig::from_json({{"tasks", {"rte"}}, {"task_embedding_dim", 0}});
        },
        {"task_embedding_dim must be positive"}));
    // Single-task adapters: one model per task.
    QVERIFY(throws_with(
        [] {
          PeftConfig::from_json({{"tasks", {"rte", "cola"}}, {"variant", "adapters"}});
        },
        {"adapters trains one task per model", "adapters_shared_norms"}));
  }

  void reduction_factor_must_divide_d_model() {
    PeftConfig c;
    c.tasks = {"rte"};
    c.reduction_factor = 7;
    T5Config t5;  // d_model 512
    QVERIFY(throws_with([&] { c.validate(t5); }, {"reduction_factor 7", "d_model 512"}));
    c.reduction_factor = 32;
    c.validate(t5);
  }

  void sites_follow_adapters_in() {
    PeftConfig c;
    c.tasks = {"rte"};
    QVERIFY(c.adapters_in_stack(StackKind::kEncoder) && c.adapters_in_stack(StackKind::kDecoder));
    c.adapters_in = AdapterStacks::kEncoder;
    QVERIFY(c.adapters_in_stack(StackKind::kEncoder) && !c.adapters_in_stack(StackKind::kDecoder));
    c.variant = PeftVariant::kFullFinetune;
    QVERIFY(!c.adapters_in_stack(StackKind::kEncoder));
  }
};

QTEST_GUILESS_MAIN(TestPeftConfig)
#include "tst_peft_config.moc"
