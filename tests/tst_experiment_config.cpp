// ExperimentConfig: the one JSON schema shared by the setup form, presets, the command line and the
// run store. Round trips, the bundled presets, and validation that lists every problem with its
// path.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <limits>

#include "core/train/ExperimentConfig.h"
#include "core/train/ExperimentSettings.h"
#include "core/util/Error.h"
#include "tests/TestUtil.h"

using namespace hwb;
using hwb::test::read_json;
using hwb::test::write_text;
namespace fs = std::filesystem;

namespace {

fs::path presets_dir() {
  return fs::path(HWB_SOURCE_DIR) / "resources" / "presets";
}

// The message of the hwb::Error that `f` throws, or a failure if it does not throw.
template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

}  // namespace

class TestExperimentConfig : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void round_trip_keeps_every_field() {
    ExperimentConfig c = ExperimentConfig::demo();
    c.name = "round trip";
    c.backbone = "/models/t5-small";
    c.tasks[0].max_train = 123;
    c.tasks[1].max_test = 7;
    c.skip_bad_rows = true;
    c.reference_compatible = true;
    c.max_source_length = 96;
    c.data_seed = 7;
    c.cache_dir = "/tmp/cache";
    c.device = "cuda:1";
    c.bf16 = false;
    c.cuda_graphs = false;
    c.steps = 4321;
    c.gradient_accumulation = 3;
    c.learning_rate = 2.5e-4;
    c.weight_decay = 0.01;
    c.label_smoothing = 0.05;
    c.temperature = 2;
    c.seed = 99;
    c.early_stopping_patience = 4;
    c.peft.variant = PeftVariant::kHyperformer;
    c.peft.reduction_factor = 4;
    c.peft.adapters_in = AdapterStacks::kDecoder;
    c.store = "elsewhere.db";

    const nlohmann::json first = c.to_json();
    const ExperimentConfig back = ExperimentConfig::from_json(first);
    QCOMPARE(QString::fromStdString(back.to_json().dump()), QString::fromStdString(first.dump()));
    QCOMPARE(back.tasks[0].max_train, std::size_t{123});
    QCOMPARE(back.tasks[1].max_test, std::size_t{7});
    QCOMPARE(back.learning_rate, 2.5e-4);
    QCOMPARE(back.device, std::string("cuda:1"));
    QVERIFY(!back.cuda_graphs);
    // A config written before the field existed keeps graphs on.
    nlohmann::json older = first;
    older["training"].erase("cuda_graphs");
    QVERIFY(ExperimentConfig::from_json(older).cuda_graphs);
    QVERIFY(back.peft.variant == PeftVariant::kHyperformer);
    QVERIFY(back.peft.adapters_in == AdapterStacks::kDecoder);
  }

  void save_and_load_through_a_file() {
    QTemporaryDir dir;
    const fs::path file = fs::path(dir.path().toStdString()) / "exp.json";
    ExperimentConfig c = ExperimentConfig::demo();
    c.steps = 777;
    c.save(file);
    const ExperimentConfig back = ExperimentConfig::load(file);
    QCOMPARE(back.steps, int64_t{777});
    QCOMPARE(back.to_json(), c.to_json());
  }

  void glue_task_shorthand_is_accepted() {
    nlohmann::json j = ExperimentConfig::demo().to_json();
    j["data"]["tasks"] = {"sst2", "rte"};
    const ExperimentConfig c = ExperimentConfig::from_json(j);
    QCOMPARE(c.task_names(), (std::vector<std::string>{"sst2", "rte"}));
  }

  // Every preset bundled with the program is valid and already in canonical form, so a preset a
  // person opens and saves unchanged stays byte-for-byte the same.
  void bundled_presets_are_valid_and_canonical() {
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(presets_dir())) {
      if (e.path().extension() == ".json") files.push_back(e.path());
    }
    std::sort(files.begin(), files.end());
    // Hyperformer++, Hyperformer, Adapters and fine-tuning for t5-small and t5-base, and the demo.
    QCOMPARE(files.size(), std::size_t{9});
    for (const fs::path& file : files) {
      const ExperimentConfig c = ExperimentConfig::load(file);
      QVERIFY2(c.problems().empty(), file.string().c_str());
      QVERIFY2(c.to_json() == read_json(file), file.string().c_str());
    }
  }

  void presets_follow_the_paper_recipe() {
    const ExperimentConfig pp =
        ExperimentConfig::load(presets_dir() / "t5_base_hyperformer_pp.json");
    QVERIFY(pp.peft.variant == PeftVariant::kHyperformerPP);
    QCOMPARE(pp.task_names(), (std::vector<std::string>{"cola", "sst2", "mrpc", "qqp", "stsb",
                                                        "mnli", "qnli", "rte"}));
    QCOMPARE(pp.peft.reduction_factor, int64_t{32});
    QCOMPARE(pp.peft.task_embedding_dim, int64_t{64});
    QCOMPARE(pp.peft.projector_hidden_dim, int64_t{128});
    QCOMPARE(pp.peft.projected_task_dim, int64_t{64});
    QCOMPARE(pp.learning_rate, 3e-4);
    QCOMPARE(pp.warmup_steps, int64_t{500});
    QCOMPARE(pp.steps, int64_t{65536});
    QCOMPARE(pp.batch_size, int64_t{32});
    QCOMPARE(pp.label_smoothing, 0.1);
    QCOMPARE(pp.temperature, 10.0);
    QCOMPARE(pp.eval_every, int64_t{1000});
    QCOMPARE(pp.max_source_length, 128);
    QCOMPARE(pp.backbone, std::string("t5-base"));

    const auto variant_of = [](const char* name) {
      return ExperimentConfig::load(presets_dir() / name).peft.variant;
    };
    QVERIFY(variant_of("t5_small_hyperformer.json") == PeftVariant::kHyperformer);
    QVERIFY(variant_of("t5_small_adapters.json") == PeftVariant::kAdaptersSharedNorms);
    QVERIFY(variant_of("t5_small_finetune.json") == PeftVariant::kFullFinetune);
  }

  void demo_preset_is_the_builtin_demo() {
    QCOMPARE(read_json(presets_dir() / "demo.json"), ExperimentConfig::demo().to_json());
    const ExperimentConfig demo = ExperimentConfig::demo();
    QCOMPARE(demo.backbone, std::string(ExperimentConfig::kBuiltinPretrainedBackbone));
    QCOMPARE(demo.glue_dir, std::string(ExperimentConfig::kBuiltinDemoData));
    // Hyperformer++ on a frozen backbone: nothing beyond the layer norms trains in it.
    QVERIFY(demo.peft.train_backbone_matching.empty());
    QVERIFY(!demo.peft.train_lm_head);
    QVERIFY(demo.problems().empty());
  }

  // A form shows all of its problems at once, each at its field: the paths must name the fields.
  void every_problem_is_listed_with_its_path() {
    ExperimentConfig c = ExperimentConfig::demo();
    c.name.clear();
    c.steps = 0;
    c.batch_size = -2;
    c.learning_rate = 0;
    c.label_smoothing = 1.5;
    c.device = "tpu";
    c.tasks[1].glue = "squad";
    c.store.clear();
    const std::vector<std::string> p = c.problems();
    const auto has = [&](const std::string& prefix) {
      return std::any_of(p.begin(), p.end(),
                         [&](const std::string& s) { return s.rfind(prefix, 0) == 0; });
    };
    QVERIFY(has("name: "));
    QVERIFY(has("training.steps: must be positive"));
    QVERIFY(has("training.batch_size: must be positive"));
    QVERIFY(has("training.learning_rate: "));
    QVERIFY(has("training.label_smoothing: must be in [0, 1)"));
    QVERIFY(has("training.device: 'tpu'"));
    QVERIFY(has("data.tasks[1].glue: 'squad' is not a GLUE task"));
    QVERIFY(has("output.store: "));
    QCOMPARE(p.size(), std::size_t{8});

    const std::string message = error_of([&] { c.validate(); });
    QVERIFY(contains(message, "training.steps"));
    QVERIFY(contains(message, "output.store"));
  }

  void warmup_longer_than_training_is_refused() {
    ExperimentConfig c = ExperimentConfig::demo();
    c.steps = 100;
    c.warmup_steps = 100;
    const auto p = c.problems();
    QCOMPARE(p.size(), std::size_t{1});
    QVERIFY(contains(p[0], "training.warmup_steps: must be fewer than training.steps (100)"));
  }

  void duplicate_tasks_are_refused() {
    ExperimentConfig c = ExperimentConfig::demo();
    c.tasks[1] = c.tasks[0];
    const auto p = c.problems();
    QCOMPARE(p.size(), std::size_t{1});
    QVERIFY(contains(p[0], "data.tasks[1]: task 'sst2' is listed twice"));
  }

  void variant_problems_are_rooted_at_variant() {
    ExperimentConfig c = ExperimentConfig::demo();
    c.peft.reduction_factor = 0;
    const auto p = c.problems();
    QCOMPARE(p.size(), std::size_t{1});
    QVERIFY(contains(p[0], "variant"));
    QVERIFY(contains(p[0], "reduction_factor"));
  }

  // A typo in a hand-written file is an error naming the key, not a silently ignored default.
  void unknown_keys_and_wrong_types_are_reported_together() {
    nlohmann::json j = ExperimentConfig::demo().to_json();
    j["training"]["learnig_rate"] = 1e-3;
    j["data"]["tasks"][0]["max_trian"] = 5;
    j["training"]["steps"] = "many";
    j["colour"] = "blue";
    const std::string message = error_of([&] { ExperimentConfig::from_json(j, "my.json"); });
    QVERIFY2(contains(message, "my.json"), message.c_str());
    QVERIFY2(contains(message, "training.learnig_rate"), message.c_str());
    QVERIFY2(contains(message, "data.tasks[0].max_trian"), message.c_str());
    QVERIFY2(contains(message, "training.steps"), message.c_str());
    QVERIFY2(contains(message, "colour"), message.c_str());
  }

  // The settings table drives the JSON: every row is written at its path and read back, so a row
  // added to the table round-trips with no other edit.
  void every_setting_round_trips_at_its_path() {
    const nlohmann::json j = ExperimentConfig::demo().to_json();
    for (const Setting<ExperimentConfig>& s : experiment_settings()) {
      QVERIFY2(json_at_path(j, s.path) != nullptr, s.path.c_str());
    }
    ExperimentConfig c = ExperimentConfig::demo();
    apply_setting(experiment_settings(), c, "training.learning_rate=0.02");
    apply_setting(experiment_settings(), c, "variant.reduction_factor=16");
    apply_setting(experiment_settings(), c, "variant.variant=adapters_shared_norms");
    apply_setting(experiment_settings(), c, "data.data_seed=18446744073709551615");
    apply_setting(experiment_settings(), c, "training.bf16=off");
    apply_setting(experiment_settings(), c, "variant.train_backbone_matching=encoder., lm_head");
    const ExperimentConfig back = ExperimentConfig::from_json(c.to_json());
    QCOMPARE(back.learning_rate, 0.02);
    QCOMPARE(back.peft.reduction_factor, int64_t{16});
    QCOMPARE(back.peft.variant, PeftVariant::kAdaptersSharedNorms);
    QCOMPARE(back.data_seed, std::numeric_limits<uint64_t>::max());
    QCOMPARE(back.bf16, false);
    QCOMPARE(back.peft.train_backbone_matching, (std::vector<std::string>{"encoder.", "lm_head"}));
  }

  // --set names the path and what it accepts; nothing is narrowed or guessed.
  void set_refuses_what_it_cannot_read() {
    ExperimentConfig c = ExperimentConfig::demo();
    const auto& t = experiment_settings();
    QVERIFY(contains(error_of([&] { apply_setting(t, c, "training.steps=2.5"); }),
                     "--set training.steps: expected a whole number, got '2.5'"));
    QVERIFY(contains(error_of([&] { apply_setting(t, c, "data.max_source_length=4294967296"); }),
                     "out of range"));
    QVERIFY(
        contains(error_of([&] { apply_setting(t, c, "data.data_seed=-1"); }), "data.data_seed"));
    QVERIFY(contains(error_of([&] { apply_setting(t, c, "training.learnig_rate=1"); }),
                     "no such setting; `hyperformer settings` lists them"));
    QVERIFY(contains(error_of([&] { apply_setting(t, c, "training.steps"); }), "PATH=VALUE"));
    QVERIFY(contains(error_of([&] { apply_setting(t, c, "variant.adapters_in=middle"); }),
                     "'middle' is not one of: both, encoder, decoder"));
    QCOMPARE(c.steps, ExperimentConfig::demo().steps);  // a refused value changes nothing
  }

  // Numbers in a file are refused with their path rather than narrowed (issue: -1 caps became
  // 18446744073709551615, 2.5 steps became 2, 2^40 tokens wrapped).
  void numbers_that_do_not_fit_are_refused_with_their_path() {
    nlohmann::json j = ExperimentConfig::demo().to_json();
    j["training"]["steps"] = 2.5;
    j["data"]["max_source_length"] = 1099511627776LL;
    j["data"]["tasks"][0]["max_train"] = -1;
    j["data"]["tasks"][1]["max_validation"] = 0.5;
    const std::string message = error_of([&] { ExperimentConfig::from_json(j, "my.json"); });
    QVERIFY2(contains(message, "training.steps: expected a whole number, got 2.5"),
             message.c_str());
    QVERIFY2(contains(message, "data.max_source_length: out of range"), message.c_str());
    QVERIFY2(contains(message, "data.tasks[0].max_train: out of range"), message.c_str());
    QVERIFY2(contains(message, "data.tasks[1].max_validation: expected a whole number"),
             message.c_str());
    for (int version : {0, -3}) {
      nlohmann::json v = ExperimentConfig::demo().to_json();
      v["schema_version"] = version;
      QVERIFY(contains(error_of([&] { ExperimentConfig::from_json(v); }),
                       "schema_version: must be at least 1, got " + std::to_string(version)));
    }
  }

  void newer_schema_asks_for_an_update() {
    nlohmann::json j = ExperimentConfig::demo().to_json();
    j["schema_version"] = ExperimentConfig::kSchemaVersion + 1;
    const std::string message = error_of([&] { ExperimentConfig::from_json(j); });
    QVERIFY2(contains(message, "newer than this program reads"), message.c_str());
  }

  void unreadable_and_malformed_files_name_the_file() {
    QTemporaryDir tmp;
    const fs::path dir = tmp.path().toStdString();
    const fs::path missing = dir / "nope.json";
    QVERIFY(contains(error_of([&] { ExperimentConfig::load(missing); }), missing.string()));

    const fs::path broken = dir / "broken.json";
    write_text(broken, "{\"name\": \"x\",\n \"steps\": }\n");
    const std::string message = error_of([&] { ExperimentConfig::load(broken); });
    QVERIFY2(contains(message, broken.string()), message.c_str());
    QVERIFY2(contains(message, "not valid JSON"), message.c_str());
    QVERIFY2(contains(message, "line 2"), message.c_str());
  }
};

QTEST_GUILESS_MAIN(TestExperimentConfig)
#include "tst_experiment_config.moc"
