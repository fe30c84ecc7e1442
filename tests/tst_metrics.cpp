// Metrics against scikit-learn/SciPy/NumPy values (fixtures/metrics/reference.json, written by
// fixtures/make_metric_fixtures.py), plus label post-processing, task scores and run averages.

#include <QtTest/QtTest>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/metrics/LabelPostprocess.h"
#include "core/metrics/Metrics.h"
#include "core/metrics/TaskScore.h"
#include "core/util/Error.h"

namespace {

constexpr double kTolerance = 1e-9;

const nlohmann::json& reference() {
  static const nlohmann::json json = [] {
    std::ifstream in(HWB_TEST_DATA_DIR "/metrics/reference.json");
    if (!in) throw hwb::Error("cannot open " HWB_TEST_DATA_DIR "/metrics/reference.json");
    return nlohmann::json::parse(in);
  }();
  return json;
}

// Labels as the tests' texts: class i is the string "i", invalid is a word no task has.
std::vector<std::string> as_texts(const std::vector<int>& labels) {
  std::vector<std::string> texts;
  for (int label : labels) texts.push_back(label < 0 ? "maybe" : std::to_string(label));
  return texts;
}

std::vector<std::string> as_texts(const std::vector<double>& scores) {
  std::vector<std::string> texts;
  for (double score : scores) {
    std::ostringstream out;
    out.precision(17);
    out << score;
    texts.push_back(score == hwb::kInvalidScore ? "similar" : out.str());
  }
  return texts;
}

QString describe(const char* what, double actual, double expected) {
  return QStringLiteral("%1 = %2, expected %3")
      .arg(QLatin1String(what))
      .arg(actual, 0, 'g', 17)
      .arg(expected, 0, 'g', 17);
}

}  // namespace

// Absolute closeness and no NaN (a NaN fails every comparison, but says so explicitly here).
#define HWB_COMPARE_NEAR(actual, expected)                                                       \
  do {                                                                                           \
    const double actual_value = (actual);                                                        \
    const double expected_value = (expected);                                                    \
    QVERIFY2(!std::isnan(actual_value) && std::abs(actual_value - expected_value) <= kTolerance, \
             qPrintable(describe(#actual, actual_value, expected_value)));                       \
  } while (false)

class TestMetrics : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void classification_matches_sklearn_data();
  void classification_matches_sklearn();
  void correlation_matches_scipy_data();
  void correlation_matches_scipy();
  void stsb_rounding_matches_numpy_data();
  void stsb_rounding_matches_numpy();

  void average_ranks_share_ties();
  void degenerate_inputs_give_defined_values();
  void invalid_inputs_are_errors();

  void label_index_trims_and_matches_exactly();
  void gold_labels_report_the_bad_example();
  void parse_score_data();
  void parse_score();
  void prediction_scores_map_invalid_to_constant();
  void stsb_target_text();

  void metric_names_round_trip();
  void task_metrics_classification_with_invalid();
  void task_metrics_regression_with_invalid();
  void task_metrics_mixed_mrpc_like();
  void task_metrics_rejects_bad_lists();
  void task_score_and_run_average();
};

void TestMetrics::classification_matches_sklearn_data() {
  QTest::addColumn<int>("index");
  const nlohmann::json& cases = reference().at("classification");
  for (std::size_t i = 0; i < cases.size(); ++i) {
    QTest::newRow(cases[i].at("name").get<std::string>().c_str()) << static_cast<int>(i);
  }
}

void TestMetrics::classification_matches_sklearn() {
  QFETCH(int, index);
  const nlohmann::json& c = reference().at("classification").at(static_cast<std::size_t>(index));
  const auto predictions = c.at("predictions").get<std::vector<int>>();
  const auto golds = c.at("golds").get<std::vector<int>>();
  HWB_COMPARE_NEAR(hwb::accuracy(predictions, golds), c.at("accuracy").get<double>());
  HWB_COMPARE_NEAR(hwb::matthews_corrcoef(predictions, golds), c.at("mcc").get<double>());
  if (!c.at("f1").is_null()) {
    HWB_COMPARE_NEAR(hwb::binary_f1(predictions, golds), c.at("f1").get<double>());
  }
}

void TestMetrics::correlation_matches_scipy_data() {
  QTest::addColumn<int>("index");
  const nlohmann::json& cases = reference().at("correlation");
  for (std::size_t i = 0; i < cases.size(); ++i) {
    QTest::newRow(cases[i].at("name").get<std::string>().c_str()) << static_cast<int>(i);
  }
}

void TestMetrics::correlation_matches_scipy() {
  QFETCH(int, index);
  const nlohmann::json& c = reference().at("correlation").at(static_cast<std::size_t>(index));
  const auto predictions = c.at("predictions").get<std::vector<double>>();
  const auto golds = c.at("golds").get<std::vector<double>>();
  HWB_COMPARE_NEAR(hwb::pearson_corrcoef(predictions, golds), c.at("pearson").get<double>());
  HWB_COMPARE_NEAR(hwb::spearman_corrcoef(predictions, golds), c.at("spearman").get<double>());
  // Both are symmetric; a swapped argument order must not change them.
  HWB_COMPARE_NEAR(hwb::pearson_corrcoef(golds, predictions), c.at("pearson").get<double>());
  HWB_COMPARE_NEAR(hwb::spearman_corrcoef(golds, predictions), c.at("spearman").get<double>());
}

void TestMetrics::stsb_rounding_matches_numpy_data() {
  QTest::addColumn<int>("index");
  const nlohmann::json& cases = reference().at("stsb_rounding");
  for (std::size_t i = 0; i < cases.size(); ++i) {
    QTest::addRow("x=%s", cases[i].at("x").dump().c_str()) << static_cast<int>(i);
  }
}

void TestMetrics::stsb_rounding_matches_numpy() {
  QFETCH(int, index);
  const nlohmann::json& c = reference().at("stsb_rounding").at(static_cast<std::size_t>(index));
  const double x = c.at("x").get<double>();
  // Same operations as NumPy, so equal exactly (QCOMPARE on doubles would allow a fuzz).
  const double t5 = c.at("t5").get<double>();
  const double one_decimal = c.at("one_decimal").get<double>();
  QVERIFY2(hwb::round_stsb(x) == t5, qPrintable(describe("round_stsb", hwb::round_stsb(x), t5)));
  const double reference_rounded = hwb::round_stsb(x, hwb::StsbRounding::kReferenceOneDecimal);
  QVERIFY2(reference_rounded == one_decimal,
           qPrintable(describe("round_stsb one decimal", reference_rounded, one_decimal)));
  QCOMPARE(hwb::stsb_target(x), c.at("t5_text").get<std::string>());
  QCOMPARE(hwb::stsb_target(x, hwb::StsbRounding::kReferenceOneDecimal),
           c.at("one_decimal_text").get<std::string>());
}

void TestMetrics::average_ranks_share_ties() {
  const std::vector<double> values{10, 20, 20, 5, 20, 7};
  const std::vector<double> expected{3, 5, 5, 1, 5, 2};
  QCOMPARE(hwb::average_ranks(values), expected);
  const std::vector<double> pair{1, 1};
  QCOMPARE(hwb::average_ranks(pair), (std::vector<double>{1.5, 1.5}));
  QVERIFY(hwb::average_ranks(std::vector<double>{}).empty());
}

void TestMetrics::degenerate_inputs_give_defined_values() {
  const std::vector<int> ones{1, 1, 1, 1};
  const std::vector<int> zeros{0, 0, 0, 0};
  const std::vector<int> invalid{-1, -1, -1, -1};
  QCOMPARE(hwb::matthews_corrcoef(ones, ones), 0.0);
  QCOMPARE(hwb::matthews_corrcoef(zeros, ones), 0.0);
  QCOMPARE(hwb::matthews_corrcoef(invalid, zeros), 0.0);
  QCOMPARE(hwb::binary_f1(zeros, zeros), 0.0);
  QCOMPARE(hwb::binary_f1(invalid, zeros), 0.0);  // flipped to positive: all false positives
  QCOMPARE(hwb::binary_f1(invalid, ones), 0.0);   // flipped to negative: all false negatives
  QCOMPARE(hwb::binary_f1(ones, ones), 1.0);
  QCOMPARE(hwb::accuracy(invalid, zeros), 0.0);
  // Any negative prediction is invalid, not only kInvalidLabel.
  QCOMPARE(hwb::accuracy(std::vector<int>{-7, 1}, std::vector<int>{0, 1}), 0.5);

  const std::vector<double> constant{2.0, 2.0, 2.0};
  const std::vector<double> varying{1.0, 4.0, 2.5};
  const std::vector<double> one{3.0};
  for (double r :
       {hwb::pearson_corrcoef(constant, varying), hwb::pearson_corrcoef(varying, constant),
        hwb::spearman_corrcoef(constant, varying), hwb::spearman_corrcoef(constant, constant),
        hwb::pearson_corrcoef(one, one), hwb::spearman_corrcoef(one, one)}) {
    QVERIFY(!std::isnan(r));
    QCOMPARE(r, 0.0);
  }
  // Nearly but not exactly constant: defined and finite, clipped into [-1, 1].
  const std::vector<double> nearly{1.0, 1.0 + 1e-15, 1.0};
  const double r = hwb::pearson_corrcoef(nearly, varying);
  QVERIFY(std::isfinite(r) && r >= -1.0 && r <= 1.0);
  QCOMPARE(hwb::pearson_corrcoef(varying, varying), 1.0);
}

void TestMetrics::invalid_inputs_are_errors() {
  const std::vector<int> three{0, 1, 1};
  const std::vector<int> two{0, 1};
  QVERIFY_THROWS_EXCEPTION(hwb::Error, hwb::accuracy(three, two));
  QVERIFY_THROWS_EXCEPTION(hwb::Error, hwb::binary_f1(two, three));
  QVERIFY_THROWS_EXCEPTION(hwb::Error, hwb::matthews_corrcoef(std::vector<int>{}, {}));
  QVERIFY_THROWS_EXCEPTION(hwb::Error, hwb::accuracy(two, std::vector<int>{0, -1}));
  QVERIFY_THROWS_EXCEPTION(
      hwb::Error, hwb::pearson_corrcoef(std::vector<double>{1, 2}, std::vector<double>{1}));
  QVERIFY_THROWS_EXCEPTION(hwb::Error,
                           hwb::spearman_corrcoef(std::vector<double>{}, std::vector<double>{}));
  const double nan = std::numeric_limits<double>::quiet_NaN();
  QVERIFY_THROWS_EXCEPTION(
      hwb::Error, hwb::pearson_corrcoef(std::vector<double>{1, nan}, std::vector<double>{1, 2}));
  QVERIFY_THROWS_EXCEPTION(hwb::Error, hwb::round_stsb(nan));
  try {
    hwb::accuracy(three, two);
  } catch (const hwb::Error& e) {
    const std::string message = e.what();
    QVERIFY2(message.find("3 predictions") != std::string::npos &&
                 message.find("2 golds") != std::string::npos,
             e.what());
  }
}

void TestMetrics::label_index_trims_and_matches_exactly() {
  const std::vector<std::string> labels{"entailment", "neutral", "contradiction"};
  QCOMPARE(hwb::label_index("neutral", labels), 1);
  QCOMPARE(hwb::label_index("  contradiction\n", labels), 2);
  QCOMPARE(hwb::label_index("Neutral", labels), hwb::kInvalidLabel);
  QCOMPARE(hwb::label_index("neutral entailment", labels), hwb::kInvalidLabel);
  QCOMPARE(hwb::label_index("", labels), hwb::kInvalidLabel);
  const std::vector<std::string> digits{"0", "1"};
  QCOMPARE(hwb::label_index("01", digits), hwb::kInvalidLabel);
  QCOMPARE(hwb::label_index(" 1", digits), 1);
  const std::vector<std::string> texts{"1", "2", "0", "yes"};
  QCOMPARE(hwb::prediction_labels(texts, digits),
           (std::vector<int>{1, hwb::kInvalidLabel, 0, hwb::kInvalidLabel}));
}

void TestMetrics::gold_labels_report_the_bad_example() {
  const std::vector<std::string> labels{"0", "1"};
  QCOMPARE(hwb::gold_labels(std::vector<std::string>{"1", "0 "}, labels), (std::vector<int>{1, 0}));
  try {
    hwb::gold_labels(std::vector<std::string>{"0", "1", "2"}, labels);
    QFAIL("an unknown gold label must be an error");
  } catch (const hwb::Error& e) {
    const std::string message = e.what();
    QVERIFY2(message.find("\"2\"") != std::string::npos &&
                 message.find("example 2") != std::string::npos &&
                 message.find("\"0\", \"1\"") != std::string::npos,
             e.what());
  }
  QVERIFY_THROWS_EXCEPTION(hwb::Error, hwb::gold_scores(std::vector<std::string>{"1.0", "n/a"}));
}

void TestMetrics::parse_score_data() {
  QTest::addColumn<QString>("text");
  QTest::addColumn<bool>("valid");
  QTest::addColumn<double>("value");
  QTest::newRow("plain") << "3.8" << true << 3.8;
  QTest::newRow("integer") << "4" << true << 4.0;
  QTest::newRow("whitespace") << " 4.0\n" << true << 4.0;
  QTest::newRow("plus") << "+2.2" << true << 2.2;
  QTest::newRow("negative") << "-1" << true << -1.0;
  QTest::newRow("exponent") << "4e-1" << true << 0.4;
  QTest::newRow("leading dot") << ".5" << true << 0.5;
  QTest::newRow("trailing dot") << "5." << true << 5.0;
  QTest::newRow("out of range kept") << "7.5" << true << 7.5;
  QTest::newRow("empty") << "" << false << 0.0;
  QTest::newRow("blank") << "  " << false << 0.0;
  QTest::newRow("word") << "similar" << false << 0.0;
  QTest::newRow("two dots") << "3.8.1" << false << 0.0;
  QTest::newRow("comma") << "3,8" << false << 0.0;
  QTest::newRow("trailing text") << "3.8 points" << false << 0.0;
  QTest::newRow("double sign") << "+-1" << false << 0.0;
  QTest::newRow("plus only") << "+" << false << 0.0;
  QTest::newRow("nan") << "nan" << false << 0.0;
  QTest::newRow("inf") << "inf" << false << 0.0;
  QTest::newRow("overflow") << "1e400" << false << 0.0;
  QTest::newRow("hex") << "0x1p2" << false << 0.0;
}

void TestMetrics::parse_score() {
  QFETCH(QString, text);
  QFETCH(bool, valid);
  QFETCH(double, value);
  const std::optional<double> parsed = hwb::parse_score(text.toStdString());
  QCOMPARE(parsed.has_value(), valid);
  if (valid) QCOMPARE(*parsed, value);
}

void TestMetrics::prediction_scores_map_invalid_to_constant() {
  const std::vector<std::string> texts{"3.8", "high", "", "0.0", "nan"};
  QCOMPARE(
      hwb::prediction_scores(texts),
      (std::vector<double>{3.8, hwb::kInvalidScore, hwb::kInvalidScore, 0.0, hwb::kInvalidScore}));
}

void TestMetrics::stsb_target_text() {
  QCOMPARE(hwb::format_stsb_target(4.0), std::string("4.0"));
  QCOMPARE(hwb::format_stsb_target(0.0), std::string("0.0"));
  QCOMPARE(hwb::format_stsb_target(5.0), std::string("5.0"));
  QCOMPARE(hwb::format_stsb_target(3.8000000000000003), std::string("3.8"));
  QCOMPARE(hwb::format_stsb_target(-0.0), std::string("0.0"));
  QCOMPARE(hwb::stsb_target(-0.04, hwb::StsbRounding::kReferenceOneDecimal), std::string("0.0"));
  // Ties go to even under both rules.
  QCOMPARE(hwb::stsb_target(2.5), std::string("2.4"));
  QCOMPARE(hwb::stsb_target(2.7), std::string("2.8"));
  QCOMPARE(hwb::stsb_target(2.5, hwb::StsbRounding::kReferenceOneDecimal), std::string("2.5"));
  QCOMPARE(hwb::stsb_target(1.25, hwb::StsbRounding::kReferenceOneDecimal), std::string("1.2"));
  QCOMPARE(hwb::round_stsb(3.9), 4.0);
  QVERIFY_THROWS_EXCEPTION(hwb::Error,
                           hwb::format_stsb_target(std::numeric_limits<double>::infinity()));
}

void TestMetrics::metric_names_round_trip() {
  using hwb::MetricKind;
  for (MetricKind kind : {MetricKind::kAccuracy, MetricKind::kF1, MetricKind::kMatthews,
                          MetricKind::kPearson, MetricKind::kSpearman}) {
    QCOMPARE(hwb::metric_from_name(hwb::metric_name(kind)), kind);
  }
  QCOMPARE(hwb::metric_name(MetricKind::kMatthews), std::string_view("mcc"));
  QVERIFY(hwb::is_correlation_metric(MetricKind::kSpearman));
  QVERIFY(!hwb::is_correlation_metric(MetricKind::kF1));
  try {
    hwb::metric_from_name("acc");
    QFAIL("an unknown metric name must be an error");
  } catch (const hwb::Error& e) {
    QVERIFY2(
        std::string(e.what()).find("accuracy, f1, mcc, pearson, spearman") != std::string::npos,
        e.what());
  }
}

void TestMetrics::task_metrics_classification_with_invalid() {
  // The fixture's invalid-prediction case, as the text a model would generate.
  const nlohmann::json* found = nullptr;
  for (const nlohmann::json& c : reference().at("classification")) {
    if (c.at("name") == "binary_invalid_predictions") found = &c;
  }
  QVERIFY(found);
  const std::vector<std::string> labels{"0", "1"};
  const std::vector<hwb::MetricKind> metrics{hwb::MetricKind::kF1, hwb::MetricKind::kAccuracy,
                                             hwb::MetricKind::kMatthews};
  const hwb::MetricValues values =
      hwb::task_metrics(as_texts(found->at("predictions").get<std::vector<int>>()),
                        as_texts(found->at("golds").get<std::vector<int>>()), labels, metrics);
  QCOMPARE(values.size(), std::size_t{3});
  HWB_COMPARE_NEAR(values.at("f1"), 100.0 * found->at("f1").get<double>());
  HWB_COMPARE_NEAR(values.at("accuracy"), 100.0 * found->at("accuracy").get<double>());
  HWB_COMPARE_NEAR(values.at("mcc"), 100.0 * found->at("mcc").get<double>());
}

void TestMetrics::task_metrics_regression_with_invalid() {
  // The fixture computes this case with -1 where the model generated no number.
  const nlohmann::json* found = nullptr;
  for (const nlohmann::json& c : reference().at("correlation")) {
    if (c.at("name") == "ties_with_invalid") found = &c;
  }
  QVERIFY(found);
  const std::vector<hwb::MetricKind> metrics{hwb::MetricKind::kPearson, hwb::MetricKind::kSpearman};
  const std::vector<std::string> predictions =
      as_texts(found->at("predictions").get<std::vector<double>>());
  QVERIFY(std::count(predictions.begin(), predictions.end(), "similar") == 2);
  const hwb::MetricValues values = hwb::task_metrics(
      predictions, as_texts(found->at("golds").get<std::vector<double>>()), {}, metrics);
  HWB_COMPARE_NEAR(values.at("pearson"), 100.0 * found->at("pearson").get<double>());
  HWB_COMPARE_NEAR(values.at("spearman"), 100.0 * found->at("spearman").get<double>());
  // STS-B task score is the mean of the two.
  HWB_COMPARE_NEAR(hwb::task_score(values), 50.0 * (found->at("pearson").get<double>() +
                                                    found->at("spearman").get<double>()));
}

void TestMetrics::task_metrics_mixed_mrpc_like() {
  const std::vector<std::string> predictions{"1", "0", "1", "1"};
  const std::vector<std::string> golds{"1", "0", "0", "1"};
  const std::vector<std::string> labels{"0", "1"};
  const std::vector<hwb::MetricKind> metrics{hwb::MetricKind::kF1, hwb::MetricKind::kAccuracy};
  const hwb::MetricValues values = hwb::task_metrics(predictions, golds, labels, metrics);
  HWB_COMPARE_NEAR(values.at("accuracy"), 75.0);
  HWB_COMPARE_NEAR(values.at("f1"), 80.0);  // tp 2, fp 1, fn 0
  HWB_COMPARE_NEAR(hwb::task_score(values), 77.5);
}

void TestMetrics::task_metrics_rejects_bad_lists() {
  const std::vector<int> labels{0, 1};
  const std::vector<double> scores{0.5, 1.5};
  using hwb::MetricKind;
  QVERIFY_THROWS_EXCEPTION(
      hwb::Error, hwb::classification_metrics(labels, labels, std::vector{MetricKind::kPearson}));
  QVERIFY_THROWS_EXCEPTION(
      hwb::Error, hwb::regression_metrics(scores, scores, std::vector{MetricKind::kAccuracy}));
  QVERIFY_THROWS_EXCEPTION(hwb::Error,
                           hwb::classification_metrics(labels, labels, std::vector<MetricKind>{}));
  QVERIFY_THROWS_EXCEPTION(
      hwb::Error, hwb::classification_metrics(
                      labels, labels, std::vector{MetricKind::kAccuracy, MetricKind::kAccuracy}));
  const std::vector<std::string> texts{"0", "1"};
  // A classification metric without label strings, and a gold that is not a label.
  QVERIFY_THROWS_EXCEPTION(hwb::Error,
                           hwb::task_metrics(texts, texts, {}, std::vector{MetricKind::kAccuracy}));
  const std::vector<std::string> bad_golds{"0", "yes"};
  QVERIFY_THROWS_EXCEPTION(
      hwb::Error, hwb::task_metrics(texts, bad_golds, texts, std::vector{MetricKind::kAccuracy}));
}

void TestMetrics::task_score_and_run_average() {
  const std::vector<hwb::MetricValues> tasks{
      {{"mcc", 40.0}},
      {{"f1", 80.0}, {"accuracy", 70.0}},
      {{"pearson", 90.0}, {"spearman", 88.0}},
  };
  HWB_COMPARE_NEAR(hwb::task_score(tasks[0]), 40.0);
  HWB_COMPARE_NEAR(hwb::task_score(tasks[1]), 75.0);
  HWB_COMPARE_NEAR(hwb::run_average(tasks), (40.0 + 75.0 + 89.0) / 3.0);
  HWB_COMPARE_NEAR(hwb::run_average(tasks, hwb::RunAverage::kReferenceMeanOfMetrics),
                   (40.0 + 80.0 + 70.0 + 90.0 + 88.0) / 5.0);
  // One metric per task: both rules agree.
  const std::vector<hwb::MetricValues> single{{{"accuracy", 91.0}}, {{"mcc", 55.0}}};
  HWB_COMPARE_NEAR(hwb::run_average(single),
                   hwb::run_average(single, hwb::RunAverage::kReferenceMeanOfMetrics));
  QVERIFY_THROWS_EXCEPTION(hwb::Error, hwb::task_score(hwb::MetricValues{}));
  QVERIFY_THROWS_EXCEPTION(hwb::Error, hwb::run_average(std::vector<hwb::MetricValues>{}));
  QVERIFY_THROWS_EXCEPTION(hwb::Error,
                           hwb::run_average(std::vector<hwb::MetricValues>{{{"f1", 1.0}}, {}}));
}

QTEST_GUILESS_MAIN(TestMetrics)
#include "tst_metrics.moc"
