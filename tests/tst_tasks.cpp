// Task definitions: the eight GLUE tasks formatted as METHOD.md section 5 says, custom tasks from
// JSON (TSV and JSONL), the reference splits, and definition errors.

#include <QtTest/QtTest>

#include <filesystem>
#include <fstream>
#include <set>

#include <nlohmann/json.hpp>

#include "WordTokenizer.h"
#include "core/data/ExampleReader.h"
#include "core/data/GlueTasks.h"
#include "core/data/Splits.h"
#include "core/data/TaskDefinition.h"
#include "core/data/TaskLoader.h"
#include "core/data/TsvReader.h"
#include "core/util/Error.h"

namespace fs = std::filesystem;
using namespace hwb;
using nlohmann::json;

namespace {

const fs::path kFixtures = HWB_TEST_DATA_DIR;
const fs::path kGlue = kFixtures / "glue";

template <typename F>
QString error_of(F&& f) {
  try {
    f();
  } catch (const Error& error) {
    return QString::fromStdString(error.what());
  }
  return QStringLiteral("<no error>");
}

QString joined(const std::vector<std::string>& items) {
  QStringList list;
  for (const std::string& item : items) list << QString::fromStdString(item);
  return list.join(',');
}

std::vector<std::size_t> sorted(std::vector<std::size_t> v) {
  std::sort(v.begin(), v.end());
  return v;
}

std::vector<std::size_t> iota(std::size_t n) {
  std::vector<std::size_t> v(n);
  std::iota(v.begin(), v.end(), std::size_t{0});
  return v;
}

TaskDefinition valid_custom() {
  TaskDefinition d;
  d.name = "custom";
  d.files = {{"train", "train.tsv"}, {"validation", "dev.tsv"}};
  d.fields = {{"text", 0}};
  d.label_column = 1;
  d.input_template = "custom text: {text}";
  d.labels = {"a", "b"};
  d.metrics = {"accuracy"};
  return d;
}

}  // namespace

class TestTasks : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void glue_table_data() {
    QTest::addColumn<QString>("task");
    QTest::addColumn<QString>("input");  // the template with A, B for the fields
    QTest::addColumn<QString>("targets");
    QTest::addColumn<QString>("metrics");
    QTest::addColumn<QString>("split");
    // METHOD.md section 5, row by row.
    QTest::newRow("cola") << "cola"
                          << "cola sentence: S"
                          << "0,1"
                          << "mcc"
                          << "halve_dev";
    QTest::newRow("sst2") << "sst2"
                          << "sst2 sentence: S"
                          << "0,1"
                          << "accuracy"
                          << "holdout_train";
    QTest::newRow("mrpc") << "mrpc"
                          << "mrpc sentence1: A sentence2: B"
                          << "0,1"
                          << "f1,accuracy"
                          << "halve_dev";
    QTest::newRow("qqp") << "qqp"
                         << "qqp question1: A question2: B"
                         << "0,1"
                         << "f1,accuracy"
                         << "holdout_train";
    QTest::newRow("stsb") << "stsb"
                          << "stsb sentence1: A sentence2: B"
                          << ""
                          << "pearson,spearman"
                          << "halve_dev";
    QTest::newRow("mnli") << "mnli"
                          << "mnli premise: A hypothesis: B"
                          << "0,1,2"
                          << "accuracy"
                          << "given";
    QTest::newRow("qnli") << "qnli"
                          << "qnli question: A sentence: B"
                          << "0,1"
                          << "accuracy"
                          << "holdout_train";
    QTest::newRow("rte") << "rte"
                         << "rte sentence1: A sentence2: B"
                         << "0,1"
                         << "accuracy"
                         << "halve_dev";
  }
  void glue_table() {
    QFETCH(QString, task);
    QFETCH(QString, input);
    QFETCH(QString, targets);
    QFETCH(QString, metrics);
    QFETCH(QString, split);
    const TaskDefinition d = GlueTasks::definition(task.toStdString(), kGlue);
    d.validate();
    QCOMPARE(QString::fromStdString(d.name), task);
    std::vector<std::string> names;
    for (const TaskField& field : d.fields) names.push_back(field.name);
    const InputTemplate tmpl(d.input_template, names);
    const std::vector<std::string_view> values = names.size() == 1
                                                     ? std::vector<std::string_view>{"S"}
                                                     : std::vector<std::string_view>{"A", "B"};
    QCOMPARE(QString::fromStdString(tmpl.render(values)), input);
    QCOMPARE(joined(d.target_labels()), targets);
    QCOMPARE(joined(d.metrics), metrics);
    QCOMPARE(QString::fromStdString(std::string(to_string(d.split))), split);
    QCOMPARE(d.max_source_length, 128);
  }

  void glue_label_targets() {
    const ExampleReader mnli(GlueTasks::definition("mnli", kGlue));
    std::string why;
    QCOMPARE(mnli.target_for("entailment", why).value(), std::string("0"));
    QCOMPARE(mnli.target_for("neutral", why).value(), std::string("1"));
    QCOMPARE(mnli.target_for(" contradiction ", why).value(), std::string("2"));
    QVERIFY(!mnli.target_for("-", why));
    QVERIFY(!mnli.target_for("Entailment", why));  // case matters: never guessed
    const ExampleReader qnli(GlueTasks::definition("qnli", kGlue));
    QCOMPARE(qnli.target_for("not_entailment", why).value(), std::string("1"));
    const ExampleReader stsb(GlueTasks::definition("stsb", kGlue));
    QCOMPARE(stsb.target_for("3.8", why).value(), std::string("3.8"));
    QCOMPARE(stsb.target_for("0", why).value(), std::string("0.0"));
  }

  void reference_compatible_quirks() {
    GlueOptions reference;
    reference.reference_compatible = true;
    const TaskDefinition mnli = GlueTasks::definition("mnli", kGlue, reference);
    QCOMPARE(mnli.input_template, std::string("mnli premise: {premise} hypothesis {hypothesis}"));
    const ReadResult read = ExampleReader(mnli).read(mnli.files.at("train"), BadRowPolicy::kRefuse);
    QCOMPARE(read.examples[1].source,
             std::string("mnli premise: He said \"no\" and left. hypothesis He agreed to stay."));
    const TaskDefinition stsb = GlueTasks::definition("stsb", kGlue, reference);
    std::string why;
    QCOMPARE(ExampleReader(stsb).target_for("4.9", why).value(), std::string("4.9"));
    QCOMPARE(ExampleReader(GlueTasks::definition("stsb", kGlue)).target_for("4.9", why).value(),
             std::string("4.8"));
    // The other GLUE tasks do not change.
    for (const std::string& name : GlueTasks::names()) {
      if (name == "mnli" || name == "stsb") continue;
      QCOMPARE(GlueTasks::definition(name, kGlue, reference).to_json(),
               GlueTasks::definition(name, kGlue).to_json());
    }
  }

  void glue_files_and_names() {
    QCOMPARE(GlueTasks::names().size(), std::size_t{8});
    QVERIFY(GlueTasks::contains("stsb"));
    QVERIFY(!GlueTasks::contains("wnli"));
    const TaskDefinition mnli = GlueTasks::definition("mnli", "/data/glue");
    QCOMPARE(mnli.files.at("validation"), fs::path("/data/glue/MNLI/dev_mismatched.tsv"));
    QCOMPARE(mnli.files.at("test"), fs::path("/data/glue/MNLI/dev_matched.tsv"));
    QCOMPARE(GlueTasks::definition("stsb", "/g").files.at("dev"), fs::path("/g/STS-B/dev.tsv"));
    const QString error = error_of([] { GlueTasks::definition("wnli", "/g"); });
    QVERIFY2(error.contains("not a GLUE task") && error.contains("cola, sst2"), qPrintable(error));
  }

  void definitions_round_trip_through_json() {
    for (const std::string& name : GlueTasks::names()) {
      const TaskDefinition d = GlueTasks::definition(name, kGlue);
      const json first = d.to_json();
      const TaskDefinition back = TaskDefinition::from_json(json::parse(first.dump()));
      QCOMPARE(back.to_json(), first);
      back.validate();
      // And through the ADL hooks, as inside a larger config.
      const json wrapped = {{"task", d}};
      QCOMPARE(wrapped.at("task").get<TaskDefinition>().to_json(), first);
    }
    const TaskDefinition custom = TaskDefinition::load(kFixtures / "custom" / "similarity.json");
    QCOMPARE(TaskDefinition::from_json(custom.to_json()).to_json(), custom.to_json());
  }

  void custom_tsv_task_from_json() {
    const TaskDefinition d = TaskDefinition::load(kFixtures / "custom" / "reviews.json");
    QCOMPARE(d.files.at("train"), kFixtures / "custom" / "reviews_train.tsv");  // relative to it
    test::WordTokenizer tokenizer;
    const LoadedTask task = TaskLoader(tokenizer, {}).load(d);
    QCOMPARE(task.train.size(), std::size_t{6});
    QCOMPARE(task.validation.size(), std::size_t{1});  // 3 dev rows: 1 + 2
    QCOMPARE(task.test.size(), std::size_t{2});
    QCOMPARE(task.validation.data, task.test.data);
    const TaskDataset& train = *task.train.data;
    QCOMPARE(train.source(1), std::string_view("reviews review: Terrible \"service\" stars: 1"));
    QCOMPARE(train.target(1), std::string_view("negative"));
    QCOMPARE(train.label(1), std::string_view("bad"));
    QCOMPARE(train.target(0), std::string_view("positive"));
    QCOMPARE(task.definition.target_labels(), (std::vector<std::string>{"negative", "positive"}));
    // Formatted ids are the tokenizer's, with EOS.
    const auto ids = train.source_ids(0);
    QCOMPARE(ids.back(), std::int32_t{1});
    QCOMPARE(ids.front(), static_cast<std::int32_t>(test::WordTokenizer::id_of("reviews")));
  }

  void custom_jsonl_regression_task() {
    const TaskDefinition d = TaskDefinition::load(kFixtures / "custom" / "similarity.json");
    QVERIFY(d.is_regression());
    test::WordTokenizer tokenizer;
    const LoadedTask task = TaskLoader(tokenizer, {}).load(d);
    QCOMPARE(task.train.size(), std::size_t{4});
    QCOMPARE(task.validation.size(), std::size_t{2});
    QCOMPARE(task.test.size(), std::size_t{1});
    const TaskDataset& train = *task.train.data;
    QCOMPARE(train.source(3),
             std::string_view("similarity first: café crème second: coffee with cream"));
    // Resolution 1, no decimals, ties to even: 9.4 -> 9, 1 -> 1, 8.5 -> 8, 7.5 -> 8.
    QCOMPARE(train.target(0), std::string_view("9"));
    QCOMPARE(train.target(1), std::string_view("1"));
    QCOMPARE(train.target(2), std::string_view("8"));
    QCOMPARE(train.target(3), std::string_view("8"));
    QCOMPARE(train.label(0), std::string_view("9.4"));
    QCOMPARE(train.line(3), std::size_t{4});
  }

  void definition_errors_data() {
    QTest::addColumn<QString>("change");  // a JSON merge patch on a valid definition
    QTest::addColumn<QString>("message");
    QTest::newRow("typo in a key") << "{\"lables\": [\"a\"]}"
                                   << "unknown key \"lables\"";
    QTest::newRow("unknown placeholder") << "{\"input_template\": \"x {txt}\"}"
                                         << "unknown field {txt} (fields: text)";
    QTest::newRow("unbalanced brace") << "{\"input_template\": \"x {text\"}"
                                      << "unclosed '{'";
    QTest::newRow("unknown metric") << "{\"metrics\": [\"bleu\"]}"
                                    << "unknown metric \"bleu\"";
    QTest::newRow("correlation on labels") << "{\"metrics\": [\"pearson\"]}"
                                           << "metric \"pearson\" scores numbers";
    QTest::newRow("labels and regression") << "{\"regression\": {\"min\": 0, \"max\": 1}}"
                                           << "not both";
    QTest::newRow("no labels") << "{\"labels\": []}"
                               << "no \"labels\"";
    QTest::newRow("duplicate label") << "{\"labels\": [\"a\", \"a\"]}"
                                     << "listed twice";
    QTest::newRow("targets count") << "{\"targets\": [\"x\"]}"
                                   << "1 targets for 2 labels";
    QTest::newRow("missing file for split") << "{\"split\": \"halve_dev\"}"
                                            << "file \"validation\" is not used by split scheme";
    QTest::newRow("missing train") << "{\"files\": {\"train\": null}}"
                                   << "no \"train\" file";
    QTest::newRow("jsonl by index") << "{\"format\": \"jsonl\"}"
                                    << "a JSONL field is found by key, not by column 0";
    QTest::newRow("no header, no width") << "{\"header\": false}"
                                         << "needs \"columns\"";
    QTest::newRow("column past width") << "{\"header\": false, \"columns\": 1}"
                                       << "the label: column 1 is outside the 1 columns";
    QTest::newRow("bad format") << "{\"format\": \"csv\"}"
                                << "unknown format \"csv\"";
    QTest::newRow("bad split") << "{\"split\": \"random\"}"
                               << "unknown split scheme";
    QTest::newRow("zero length") << "{\"max_source_length\": 0}"
                                 << "at least 1";
    QTest::newRow("bad name") << "{\"name\": \"a/b\"}"
                              << "the name may hold only";
  }
  void definition_errors() {
    QFETCH(QString, change);
    QFETCH(QString, message);
    json j = valid_custom().to_json();
    j.merge_patch(json::parse(change.toStdString()));
    const QString error = error_of([&] { TaskDefinition::from_json(j).validate(); });
    QVERIFY2(error.contains(message), qPrintable(error));
    QVERIFY2(error.startsWith("task \""), qPrintable(error));
  }

  void definition_file_errors_name_the_file() {
    const fs::path dir = fs::temp_directory_path() / ("hwb-tasks-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    std::ofstream(dir / "broken.json") << "{\"name\": \"x\",";
    QString error = error_of([&] { TaskDefinition::load(dir / "broken.json"); });
    QVERIFY2(error.contains("broken.json: not valid JSON"), qPrintable(error));
    std::ofstream(dir / "wrong.json") << "{\"name\": \"x\", \"metrics\": \"accuracy\"}";
    error = error_of([&] { TaskDefinition::load(dir / "wrong.json"); });
    QVERIFY2(error.contains("wrong.json: task \"x\": \"metrics\" has the wrong type"),
             qPrintable(error));
    fs::remove_all(dir);
  }

  void seeded_permutation_matches_torch_randperm() {
    // Golden permutations from torch.randperm with a seeded torch.Generator (the reference
    // code's shuffle), written by tests/fixtures/make_glue_fixtures.py.
    const json reference = json::parse(read_file_bytes(kGlue / "randperm_reference.json"));
    QVERIFY(reference.at("cases").size() >= 10);
    for (const json& c : reference.at("cases")) {
      const auto expected = c.at("permutation").get<std::vector<std::size_t>>();
      QCOMPARE(seeded_permutation(c.at("n").get<std::size_t>(), c.at("seed").get<std::uint64_t>()),
               expected);
    }
  }

  void halve_dev_split() {
    TaskDefinition d = GlueTasks::definition("rte", kGlue);
    const SplitPlan plan = make_split_plan(d, {{"train", 20}, {"dev", 11}}, {});
    QCOMPARE(plan.train_file, std::string("train"));
    QCOMPARE(plan.validation_file, std::string("dev"));
    QCOMPARE(plan.test_file, std::string("dev"));
    QCOMPARE(plan.train, seeded_permutation(20, 42));
    const auto dev = seeded_permutation(11, 42);
    QCOMPARE(plan.validation, std::vector<std::size_t>(dev.begin(), dev.begin() + 5));
    QCOMPARE(plan.test, std::vector<std::size_t>(dev.begin() + 5, dev.end()));
    std::vector<std::size_t> both = plan.validation;
    both.insert(both.end(), plan.test.begin(), plan.test.end());
    QCOMPARE(sorted(both), iota(11));
  }

  void holdout_split_removes_validation_from_train() {
    TaskDefinition d = GlueTasks::definition("qnli", kGlue);
    d.holdout = 1000;
    const SplitPlan plan = make_split_plan(d, {{"train", 5000}, {"dev", 300}}, {});
    const auto train = seeded_permutation(5000, 42);
    QCOMPARE(plan.validation, std::vector<std::size_t>(train.begin(), train.begin() + 1000));
    QCOMPARE(plan.train, std::vector<std::size_t>(train.begin() + 1000, train.end()));
    QCOMPARE(plan.validation_file, std::string("train"));
    QCOMPARE(plan.test_file, std::string("dev"));
    QCOMPARE(plan.test, seeded_permutation(300, 42));
    const std::set<std::size_t> held(plan.validation.begin(), plan.validation.end());
    for (std::size_t row : plan.train) QVERIFY(!held.contains(row));
    QVERIFY(joined(plan.notes).contains("removed from training"));

    SplitOptions leak;
    leak.reference_leak = true;
    const SplitPlan leaky = make_split_plan(d, {{"train", 5000}, {"dev", 300}}, leak);
    QCOMPARE(leaky.validation, plan.validation);
    QCOMPARE(leaky.train, train);  // the reference code trains on all of train
    QVERIFY(joined(leaky.notes).contains("leak"));

    const QString error = error_of([&] { make_split_plan(d, {{"train", 1000}, {"dev", 3}}, {}); });
    QVERIFY2(error.contains("not more than the 1000 held out"), qPrintable(error));
  }

  void mnli_validation_is_mismatched_and_test_matched() {
    test::WordTokenizer tokenizer;
    const LoadedTask task = TaskLoader(tokenizer, {}).load(GlueTasks::definition("mnli", kGlue));
    QCOMPARE(task.train.size(), std::size_t{12});  // nothing held out of train
    for (std::size_t row : task.validation.indices) {
      QVERIFY(task.validation.data->source(row).find("hypothesis:") != std::string_view::npos);
    }
    QCOMPARE(task.files.at(1).path.filename(), fs::path("dev_mismatched.tsv"));
    QCOMPARE(task.files.at(2).path.filename(), fs::path("dev_matched.tsv"));
    // Row sets are whole files, in seeded order.
    QCOMPARE(task.validation.indices, seeded_permutation(6, 42));
    QCOMPARE(task.test.indices, seeded_permutation(6, 42));
    QVERIFY(task.validation.data != task.test.data);
    QCOMPARE(task.validation.data->source(0),
             std::string_view("mnli premise: The river floods every spring. hypothesis: The river "
                              "floods."));
    QCOMPARE(
        task.test.data->source(0),
        std::string_view("mnli premise: The cat sat on the mat. hypothesis: A cat is sitting."));
  }

  void caps_are_seeded_subsamples() {
    const TaskDefinition d = GlueTasks::definition("cola", kGlue);
    SplitOptions options;
    options.max_train = 3;
    options.max_validation = 2;
    options.max_test = 100;  // above the size: no cap
    const SplitPlan plan = make_split_plan(d, {{"train", 50}, {"dev", 20}}, options);
    const auto train = seeded_permutation(50, 42);
    QCOMPARE(plan.train, std::vector<std::size_t>(train.begin(), train.begin() + 3));
    QCOMPARE(plan.validation.size(), std::size_t{2});
    QCOMPARE(plan.test.size(), std::size_t{10});
    QVERIFY(joined(plan.notes).contains("train capped at 3 of 50"));
    options.seed = 7;
    QVERIFY(make_split_plan(d, {{"train", 50}, {"dev", 20}}, options).train != plan.train);
  }

  void all_eight_glue_tasks_load() {
    test::WordTokenizer tokenizer;
    TaskLoadOptions options;
    for (const std::string& name : GlueTasks::names()) {
      TaskDefinition d = GlueTasks::definition(name, kGlue);
      d.holdout = 4;  // the fixtures are a few rows; the real files hold thousands
      const LoadedTask task = TaskLoader(tokenizer, options).load(d);
      QVERIFY2(!task.train.empty() && !task.validation.empty() && !task.test.empty(), name.c_str());
      QCOMPARE(task.skipped.count, std::size_t{0});
      for (const TaskSplit* split : {&task.train, &task.validation, &task.test}) {
        for (std::size_t row : split->indices) {
          QVERIFY(row < split->data->size());
          QVERIFY(split->data->source(row).starts_with(name + " "));
          QVERIFY(split->data->source_ids(row).size() <= 128);
          QCOMPARE(split->data->source_ids(row).back(), std::int32_t{1});
        }
      }
    }
  }
};

QTEST_GUILESS_MAIN(TestTasks)
#include "tst_tasks.moc"
