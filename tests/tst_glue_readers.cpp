// GLUE's TSV files as they are: the readers, each task's column layout, and bad input.

#include <QtTest/QtTest>

#include <filesystem>
#include <fstream>
#include <string>

#include "WordTokenizer.h"
#include "core/data/ExampleReader.h"
#include "core/data/GlueTasks.h"
#include "core/data/JsonlReader.h"
#include "core/data/TaskLoader.h"
#include "core/data/TsvReader.h"
#include "core/data/Utf8.h"
#include "core/util/Error.h"

namespace fs = std::filesystem;
using namespace hwb;

namespace {

const fs::path kFixtures = HWB_TEST_DATA_DIR;
const fs::path kGlue = kFixtures / "glue";
const fs::path kBad = kFixtures / "data_bad";

// The error message of `f`, or a test failure when it does not throw hwb::Error.
template <typename F>
QString error_of(F&& f) {
  try {
    f();
  } catch (const Error& error) {
    return QString::fromStdString(error.what());
  }
  return QStringLiteral("<no error>");
}

TaskDefinition sst2_on(const fs::path& file) {
  TaskDefinition d = GlueTasks::definition("sst2", kGlue);
  d.files = {{"train", file}, {"dev", file}};
  return d;
}

class TempDir {
 public:
  TempDir() {
    path_ = fs::temp_directory_path() /
            ("hwb-glue-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++));
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }
  fs::path write(const std::string& name, const std::string& bytes) const {
    std::ofstream(path_ / name, std::ios::binary) << bytes;
    return path_ / name;
  }

 private:
  static inline int counter_ = 0;
  fs::path path_;
};

}  // namespace

class TestGlueReaders : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void tsv_splits_on_tabs_only() {
    TempDir dir;
    const fs::path file = dir.write("t.tsv",
                                    "\xEF\xBB\xBF"
                                    "a\t\"b\tc\"\r\n\nx\t\t\"unbalanced\n\"\"doubled\"\"\tlast");
    TsvReader reader(file);
    TsvRow row;
    QVERIFY(reader.next(row));
    QCOMPARE(row.line, std::size_t{1});
    QCOMPARE(row.fields.size(), std::size_t{3});     // a quote does not protect the tab
    QCOMPARE(row.fields[0], std::string_view("a"));  // the byte order mark is gone
    QCOMPARE(row.fields[1], std::string_view("\"b"));
    QCOMPARE(row.fields[2], std::string_view("c\""));  // and "\r" is gone
    QVERIFY(reader.next(row));
    QCOMPARE(row.line, std::size_t{3});  // the empty line 2 is not a record
    QCOMPARE(row.fields.size(), std::size_t{3});
    QCOMPARE(row.fields[1], std::string_view(""));
    QCOMPARE(row.fields[2], std::string_view("\"unbalanced"));
    QVERIFY(reader.next(row));
    QCOMPARE(row.line, std::size_t{4});
    QCOMPARE(row.fields[0], std::string_view("\"\"doubled\"\""));  // no CSV unescaping
    QCOMPARE(row.fields[1], std::string_view("last"));             // no final newline needed
    QVERIFY(!reader.next(row));
  }

  void tsv_flags_invalid_utf8_per_line() {
    TsvReader reader(kBad / "latin1.tsv");
    TsvRow row;
    std::vector<std::size_t> bad_lines;
    while (reader.next(row)) {
      if (!row.encoding_error.empty()) {
        bad_lines.push_back(row.line);
        QVERIFY(row.encoding_error.find("0xE9") != std::string::npos);
        QVERIFY(row.encoding_error.find("column 4") != std::string::npos);
      }
    }
    QCOMPARE(bad_lines, std::vector<std::size_t>{3});
  }

  void utf8_validation_data() {
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<int>("first_bad");
    QTest::newRow("ascii") << QByteArray("plain text") << -1;
    QTest::newRow("two-byte") << QByteArray("caf\xC3\xA9") << -1;
    QTest::newRow("four-byte") << QByteArray("\xF0\x9F\x98\x80!") << -1;
    QTest::newRow("latin1") << QByteArray("caf\xE9 x") << 3;
    QTest::newRow("overlong") << QByteArray("\xC0\xAF") << 0;
    QTest::newRow("surrogate") << QByteArray("ab\xED\xA0\x80") << 2;
    QTest::newRow("too-high") << QByteArray("\xF4\x90\x80\x80") << 0;
    QTest::newRow("truncated") << QByteArray("0123456789\xE2\x82") << 10;
    QTest::newRow("lone-continuation") << QByteArray("0123456789abcdef\x80") << 16;
  }
  void utf8_validation() {
    QFETCH(QByteArray, bytes);
    QFETCH(int, first_bad);
    const std::size_t found = find_invalid_utf8(std::string_view(bytes.constData(), bytes.size()));
    QCOMPARE(found == std::string_view::npos ? -1 : static_cast<int>(found), first_bad);
  }

  void glue_layouts_data() {
    QTest::addColumn<QString>("task");
    QTest::addColumn<QString>("role");
    QTest::addColumn<int>("count");
    QTest::addColumn<int>("index");
    QTest::addColumn<QString>("source");
    QTest::addColumn<QString>("target");
    QTest::addColumn<QString>("label");
    QTest::addColumn<int>("line");
    // Expected texts are the official column layouts formatted by METHOD.md section 5's table.
    QTest::newRow("cola train, no header")
        << "cola"
        << "train" << 6 << 0
        << "cola sentence: Nossos amigos não compram essa análise, muito menos a próxima que "
           "propomos."
        << "1"
        << "1" << 1;
    QTest::newRow("cola dev, '*' mark column")
        << "cola"
        << "dev" << 6 << 3 << "cola sentence: Como você come mais, você quer menos."
        << "0"
        << "0" << 4;
    QTest::newRow("sst2 train, text kept as is")
        << "sst2"
        << "train" << 12 << 0 << "sst2 sentence: hide new secretions from the parental units "
        << "0"
        << "0" << 2;
    QTest::newRow("sst2 dev") << "sst2"
                              << "dev" << 6 << 1
                              << "sst2 sentence: unflinchingly bleak and desperate "
                              << "0"
                              << "0" << 3;
    QTest::newRow("mrpc dev, unbalanced quote")
        << "mrpc"
        << "dev" << 6 << 0
        << "mrpc sentence1: Ele disse que o negócio de tortas de serviços alimentícios não se "
           "encaixa na estratégia de crescimento da empresa a longo prazo. sentence2: \"O negócio "
           "de torta de serviços alimentícios não se encaixa em nossa estratégia de crescimento a "
           "longo prazo."
        << "1"
        << "1" << 2;
    QTest::newRow("mrpc train")
        << "mrpc"
        << "train" << 6 << 1
        << "mrpc sentence1: Yucaipa possuía a Dominick 's antes de vender a rede para a Safeway em "
           "1998 por US $ 2,5 bilhões. sentence2: Yucaipa comprou a Dominick em 1995 por US $ 693 "
           "milhões e a vendeu à Safeway por US $ 1,8 bilhão em 1998."
        << "0"
        << "0" << 3;
    QTest::newRow("qqp train, quotes inside")
        << "qqp"
        << "train" << 12 << 1
        << "qqp question1: What is \"quantum\" computing? question2: How do computers work?"
        << "0"
        << "0" << 3;
    QTest::newRow("qqp dev")
        << "qqp"
        << "dev" << 6 << 0
        << "qqp question1: How do I learn C++? question2: What is the best way to learn C++?"
        << "1"
        << "1" << 2;
    QTest::newRow("stsb dev, 4.75 -> 4.8")
        << "stsb"
        << "dev" << 7 << 1
        << "stsb sentence1: Uma criança pequena está montando um cavalo. sentence2: Uma criança "
           "está montando um cavalo."
        << "4.8"
        << "4.75" << 3;
    QTest::newRow("stsb train, 4.25 -> 4.2 (ties to even)")
        << "stsb"
        << "train" << 6 << 4
        << "stsb sentence1: Um homem está tocando violoncelo. sentence2: Um homem sentado está "
           "tocando violoncelo."
        << "4.2"
        << "4.25" << 6;
    QTest::newRow("mnli train, 12 columns")
        << "mnli"
        << "train" << 12 << 1
        << "mnli premise: He said \"no\" and left. hypothesis: He agreed to stay."
        << "2"
        << "contradiction" << 3;
    QTest::newRow("mnli validation = dev_mismatched, 16 columns")
        << "mnli"
        << "validation" << 6 << 1
        << "mnli premise: Tom bought three apples. hypothesis: Tom bought fruit for a pie."
        << "1"
        << "neutral" << 3;
    QTest::newRow("mnli test = dev_matched")
        << "mnli"
        << "test" << 6 << 5
        << "mnli premise: \"Quoted at the start hypothesis: Unbalanced quotes are just text\""
        << "1"
        << "neutral" << 7;
    QTest::newRow("qnli train, doubled quotes kept")
        << "qnli"
        << "train" << 12 << 0
        << "qnli question: Em que local ocorreu o Super Bowl 50? sentence: \"Como este foi o 50o "
           "Super Bowl, a liga enfatizou o \"\"aniversário de ouro\"\" com várias iniciativas com "
           "tema dourado, bem como suspender temporariamente a tradição de nomear cada jogo de "
           "Super Bowl com números romanos (sobre o qual o jogo teria sido conhecido como "
           "\"\"Super "
           "Bowl L\"\"), de modo que o logotipo poderia apresentar proeminentemente os números "
           "árabes 50.\""
        << "1"
        << "not_entailment" << 2;
    QTest::newRow("qnli dev")
        << "qnli"
        << "dev" << 6 << 0
        << "qnli question: Que equipe da NFL representou o AFC no Super Bowl 50? sentence: O "
           "campeão da American Football Conference (AFC) Denver Broncos derrotou o campeão da "
           "National Football Conference (NFC) Carolina Panthers 24-10 para ganhar seu terceiro "
           "título de Super Bowl."
        << "0"
        << "entailment" << 2;
    QTest::newRow("rte dev")
        << "rte"
        << "dev" << 6 << 0
        << "rte sentence1: Dana Reeve, viúva do ator Christopher Reeve, morreu de câncer de pulmão "
           "aos 44 anos, segundo a Fundação Christopher Reeve. sentence2: Christopher Reeve sofreu "
           "um acidente."
        << "1"
        << "not_entailment" << 2;
    QTest::newRow("rte train")
        << "rte"
        << "train" << 6 << 1
        << "rte sentence1: Um lugar de tristeza, após a morte do Papa João Paulo II, tornou-se um "
           "local de celebração, quando fiéis católicos romanos se reuniram no centro de Chicago "
           "para marcar a instalação do novo Papa Bento XVI. sentence2: O Papa Bento XVI é o novo "
           "líder da Igreja Católica Romana."
        << "0"
        << "entailment" << 3;
  }
  void glue_layouts() {
    QFETCH(QString, task);
    QFETCH(QString, role);
    QFETCH(int, count);
    QFETCH(int, index);
    QFETCH(QString, source);
    QFETCH(QString, target);
    QFETCH(QString, label);
    QFETCH(int, line);
    const TaskDefinition d = GlueTasks::definition(task.toStdString(), kGlue);
    const ExampleReader reader(d);
    const ReadResult result = reader.read(d.files.at(role.toStdString()), BadRowPolicy::kRefuse);
    QCOMPARE(result.examples.size(), static_cast<std::size_t>(count));
    QCOMPARE(result.skipped.count, std::size_t{0});
    const Example& e = result.examples.at(static_cast<std::size_t>(index));
    QCOMPARE(QString::fromStdString(e.source), source);
    QCOMPARE(QString::fromStdString(e.target), target);
    QCOMPARE(QString::fromStdString(e.label), label);
    QCOMPARE(e.line, static_cast<std::size_t>(line));
  }

  void every_glue_file_reads_whole() {
    for (const std::string& name : GlueTasks::names()) {
      const TaskDefinition d = GlueTasks::definition(name, kGlue);
      const ExampleReader reader(d);
      for (const auto& [role, path] : d.files) {
        const ReadResult result = reader.read(path, BadRowPolicy::kRefuse);
        std::size_t lines = 0;
        std::ifstream in(path);
        for (std::string text; std::getline(in, text);) lines += text.empty() ? 0 : 1;
        const std::size_t header = d.has_header ? 1 : 0;
        QCOMPARE(result.examples.size() + header, lines);
        for (const Example& e : result.examples) {
          const auto targets = d.target_labels();
          if (!d.is_regression()) {
            QVERIFY(std::find(targets.begin(), targets.end(), e.target) != targets.end());
          }
          QVERIFY(e.source.starts_with(name + " "));
        }
      }
    }
  }

  void regression_rounding_data() {
    QTest::addColumn<double>("score");
    QTest::addColumn<QString>("t5");
    QTest::addColumn<QString>("reference");
    // Expected values are NumPy's: np.round(x * 5) / 5 and np.round(x, 1).
    QTest::newRow("0") << 0.0 << "0.0"
                       << "0.0";
    QTest::newRow("0.5") << 0.5 << "0.4"
                         << "0.5";
    QTest::newRow("0.7") << 0.7 << "0.8"
                         << "0.7";
    QTest::newRow("0.35") << 0.35 << "0.4"
                          << "0.4";
    QTest::newRow("0.25") << 0.25 << "0.2"
                          << "0.2";
    QTest::newRow("4.75") << 4.75 << "4.8"
                          << "4.8";
    QTest::newRow("2.615") << 2.615 << "2.6"
                           << "2.6";
    QTest::newRow("2.75") << 2.75 << "2.8"
                          << "2.8";
    QTest::newRow("4.9") << 4.9 << "4.8"
                         << "4.9";
    QTest::newRow("4.25") << 4.25 << "4.2"
                          << "4.2";
    QTest::newRow("1.1") << 1.1 << "1.2"
                         << "1.1";
    QTest::newRow("0.1") << 0.1 << "0.0"
                         << "0.1";
    QTest::newRow("5") << 5.0 << "5.0"
                       << "5.0";
  }
  void regression_rounding() {
    QFETCH(double, score);
    QFETCH(QString, t5);
    QFETCH(QString, reference);
    QCOMPARE(QString::fromStdString(regression_target_text(score, {0, 5, 0.2, 1})), t5);
    QCOMPARE(QString::fromStdString(regression_target_text(score, {0, 5, 0.1, 1})), reference);
  }

  void bad_rows_refused_or_skipped_data() {
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("task");
    QTest::addColumn<QString>("message");  // the refusal names file and line
    QTest::addColumn<int>("kept");
    QTest::addColumn<QList<int>>("skipped_lines");
    QTest::newRow("wrong column count")
        << "bad_columns.tsv"
        << "sst2"
        << "bad_columns.tsv:3: expected 2 tab-separated columns, found 3" << 2 << QList<int>{3};
    QTest::newRow("unknown label")
        << "unknown_label.tsv"
        << "sst2"
        << "unknown_label.tsv:3: unknown label \"2\" (expected \"0\", \"1\")" << 2 << QList<int>{3};
    QTest::newRow("another encoding")
        << "latin1.tsv"
        << "sst2"
        << "latin1.tsv:3: not valid UTF-8 (byte 0xE9 at column 4)" << 2 << QList<int>{3};
    QTest::newRow("scores: not a number, out of range")
        << "stsb_bad_scores.tsv"
        << "stsb"
        << "stsb_bad_scores.tsv:3: score \"n/a\" is not a number" << 2 << QList<int>{3, 4};
  }
  void bad_rows_refused_or_skipped() {
    QFETCH(QString, file);
    QFETCH(QString, task);
    QFETCH(QString, message);
    QFETCH(int, kept);
    QFETCH(QList<int>, skipped_lines);
    const fs::path path = kBad / file.toStdString();
    TaskDefinition d = GlueTasks::definition(task.toStdString(), kGlue);
    const ExampleReader reader(d);

    const QString refused = error_of([&] { reader.read(path, BadRowPolicy::kRefuse); });
    QVERIFY2(refused.contains(message), qPrintable(refused));
    QVERIFY2(refused.contains(QString::fromStdString(path.string()) + ":"), qPrintable(refused));

    const ReadResult result = reader.read(path, BadRowPolicy::kSkip);
    QCOMPARE(result.examples.size(), static_cast<std::size_t>(kept));
    QCOMPARE(result.skipped.count, static_cast<std::size_t>(skipped_lines.size()));
    for (qsizetype i = 0; i < skipped_lines.size(); ++i) {
      const std::string where = path.string() + ":" + std::to_string(skipped_lines[i]) + ": ";
      QVERIFY2(result.skipped.messages.at(static_cast<std::size_t>(i)).starts_with(where),
               result.skipped.messages.at(static_cast<std::size_t>(i)).c_str());
    }
    for (const Example& e : result.examples) QVERIFY(e.line != 3);  // nothing shifted or guessed
  }

  void stsb_out_of_range_score_is_named() {
    const ReadResult result = ExampleReader(GlueTasks::definition("stsb", kGlue))
                                  .read(kBad / "stsb_bad_scores.tsv", BadRowPolicy::kSkip);
    QVERIFY2(result.skipped.messages.at(1).ends_with(":4: score 5.5 is outside [0, 5]"),
             result.skipped.messages.at(1).c_str());
    QCOMPARE(result.examples.at(1).target, std::string("0.8"));  // 0.7: 3.5 steps, to even
  }

  void whole_file_errors_data() {
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("message");
    QTest::newRow("empty") << "empty.tsv"
                           << "empty.tsv: the file is empty";
    QTest::newRow("header only") << "header_only.tsv"
                                 << "header_only.tsv: no data rows";
    QTest::newRow("utf-16") << "utf16.tsv"
                            << "utf16.tsv: the file is UTF-16; save it as UTF-8";
    QTest::newRow("all rows bad") << "all_bad.tsv"
                                  << "all_bad.tsv: all 2 rows are bad";
    QTest::newRow("missing") << "no_such_file.tsv"
                             << "no_such_file.tsv: cannot open";
  }
  void whole_file_errors() {
    QFETCH(QString, file);
    QFETCH(QString, message);
    const fs::path path = kBad / file.toStdString();
    const ExampleReader reader(sst2_on(path));
    // Even with skipping on, a file that yields nothing is refused: an empty task is no task.
    const QString error = error_of([&] { reader.read(path, BadRowPolicy::kSkip); });
    QVERIFY2(error.contains(message), qPrintable(error));
  }

  void skipped_rows_reach_the_loaded_task() {
    test::WordTokenizer tokenizer;
    TaskLoadOptions options;
    options.bad_rows = BadRowPolicy::kSkip;
    TaskDefinition d = sst2_on(kBad / "bad_columns.tsv");
    d.holdout = 1;
    const LoadedTask task = TaskLoader(tokenizer, options).load(d);
    QCOMPARE(task.skipped.count, std::size_t{2});  // the same file read as train and as dev
    QCOMPARE(task.files.size(), std::size_t{2});
    QCOMPARE(task.files[0].skipped_rows, std::size_t{1});
    QCOMPARE(task.train.size() + task.validation.size(), std::size_t{2});

    options.bad_rows = BadRowPolicy::kRefuse;
    const QString error = error_of([&] { TaskLoader(tokenizer, options).load(d); });
    QVERIFY2(error.startsWith("task \"sst2\": ") && error.contains("bad_columns.tsv:3:"),
             qPrintable(error));
  }

  void jsonl_lines() {
    TaskDefinition d;
    d.name = "polarity";
    d.format = TaskFileFormat::kJsonl;
    d.files = {{"train", kBad / "bad_lines.jsonl"}, {"validation", kBad / "bad_lines.jsonl"}};
    d.fields = {{"text", std::string("text")}};
    d.label_column = std::string("label");
    d.input_template = "polarity: {text}";
    d.labels = {"neg", "pos"};
    d.metrics = {"accuracy"};
    const ExampleReader reader(d);
    const ReadResult result = reader.read(kBad / "bad_lines.jsonl", BadRowPolicy::kSkip);
    QCOMPARE(result.examples.size(), std::size_t{2});
    QCOMPARE(result.examples[1].source, std::string("polarity: fine too"));
    QCOMPARE(result.examples[1].line, std::size_t{5});
    QCOMPARE(result.skipped.count, std::size_t{3});
    const std::string file = (kBad / "bad_lines.jsonl").string();
    QCOMPARE(result.skipped.messages[0], file + ":2: no label key \"label\"");
    QCOMPARE(result.skipped.messages[1], file + ":3: not valid JSON");
    QVERIFY(result.skipped.messages[2].starts_with(file + ":4: not valid UTF-8 (byte 0xE9"));
    const QString refused =
        error_of([&] { reader.read(kBad / "bad_lines.jsonl", BadRowPolicy::kRefuse); });
    QVERIFY2(refused.contains("bad_lines.jsonl:2: no label key"), qPrintable(refused));
  }
};

QTEST_GUILESS_MAIN(TestGlueReaders)
#include "tst_glue_readers.moc"
