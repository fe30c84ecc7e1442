// SentencePieceTokenizer against transformers' T5Tokenizer (5.17): the fixture
// tests/fixtures/tokenizer/t5_reference.json (tests/fixtures/make_t5_fixtures.py) and, for special
// tokens in text and decoding corner cases, rows printed by the same tokenizer on the GPU machine.

#include <dlfcn.h>
#include <QtTest/QtTest>

#include <ATen/ATen.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <numeric>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "core/data/SentencePieceTokenizer.h"
#include "core/util/Error.h"
#include "core/util/Paths.h"

namespace {

namespace fs = std::filesystem;
using hwb::SentencePieceTokenizer;
using Ids = std::vector<int64_t>;

const nlohmann::json& reference() {
  static const nlohmann::json json = [] {
    std::ifstream in(fs::path(HWB_TEST_DATA_DIR) / "tokenizer" / "t5_reference.json");
    return nlohmann::json::parse(in);
  }();
  return json;
}

const nlohmann::json& reference_rows() {
  return reference().at("rows");
}

// Ids as text, so that a failed comparison prints both sequences.
QString ids_text(std::span<const int64_t> ids) {
  QStringList parts;
  for (const int64_t id : ids) parts << QString::number(id);
  return "[" + parts.join(", ") + "]";
}

QString json_ids_text(const nlohmann::json& ids) {
  return ids_text(ids.get<Ids>());
}

QByteArray row_name(size_t index, const std::string& text) {
  return QByteArray::number(static_cast<qulonglong>(index)) + ": " +
         QByteArray::fromStdString(text).left(40);
}

// The message of the hwb::Error `load` throws; empty when it throws none.
template <typename Load>
QString load_error(Load&& load) {
  try {
    load();
  } catch (const hwb::Error& e) {
    return QString::fromUtf8(e.what());
  }
  return {};
}

fs::path module_path() {
  return hwb::find_module("libhwb_spm.so");
}

fs::path write_file(const QTemporaryDir& dir, const char* name, const QByteArray& bytes) {
  const fs::path file = fs::path(dir.path().toStdString()) / name;
  std::ofstream out(file, std::ios::binary);
  out.write(bytes.constData(), bytes.size());
  return file;
}

}  // namespace

Q_DECLARE_METATYPE(std::vector<int64_t>)

class TestTokenizer : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void initTestCase();

  void reference_layout();
  void encode_matches_transformers_data();
  void encode_matches_transformers();
  void decode_matches_transformers_data();
  void decode_matches_transformers();
  void plain_sentences_round_trip_data();
  void plain_sentences_round_trip();
  void special_tokens_in_text_data();
  void special_tokens_in_text();
  void decode_corner_cases_data();
  void decode_corner_cases();
  void special_ids();
  void id_to_piece_data();
  void id_to_piece();
  void id_to_piece_out_of_range();
  void fingerprint_is_a_content_hash();
  void load_t5_finds_the_resource();
  void encodes_from_several_threads();
  void libtorch_in_the_same_process();

  void missing_model_file();
  void corrupt_model_file_data();
  void corrupt_model_file();
  void missing_module();
  void library_that_is_not_the_module();

 private:
  std::unique_ptr<SentencePieceTokenizer> tokenizer_;
};

void TestTokenizer::initTestCase() {
  tokenizer_ = SentencePieceTokenizer::load(fs::path(HWB_SOURCE_DIR) / "resources/t5/spiece.model");
  QVERIFY(tokenizer_);
  QVERIFY(reference_rows().size() >= 20);
}

void TestTokenizer::reference_layout() {
  QCOMPARE(tokenizer_->vocab_size(), 32100);
  QCOMPARE(tokenizer_->vocab_size(), reference().at("len").get<int64_t>());
  QCOMPARE(tokenizer_->piece_size(), reference().at("spm_pieces").get<int64_t>());
  QCOMPARE(tokenizer_->sentinel_id(0), reference().at("extra_id_0").get<int64_t>());
  QCOMPARE(tokenizer_->sentinel_id(99), reference().at("extra_id_99").get<int64_t>());
}

void TestTokenizer::encode_matches_transformers_data() {
  QTest::addColumn<QByteArray>("text");
  QTest::addColumn<QString>("ids");
  QTest::addColumn<QStringList>("pieces");
  for (size_t i = 0; i < reference_rows().size(); ++i) {
    const auto& row = reference_rows()[i];
    QStringList pieces;
    for (const auto& piece : row.at("pieces")) {
      pieces << QString::fromStdString(piece.get<std::string>());
    }
    const std::string text = row.at("text").get<std::string>();
    QTest::newRow(row_name(i, text).constData())
        << QByteArray::fromStdString(text) << json_ids_text(row.at("ids")) << pieces;
  }
}

void TestTokenizer::encode_matches_transformers() {
  QFETCH(QByteArray, text);
  QFETCH(QString, ids);
  QFETCH(QStringList, pieces);
  const Ids encoded = tokenizer_->encode(text.toStdString());
  QCOMPARE(ids_text(encoded), ids);
  QStringList encoded_pieces;
  for (const int64_t id : encoded) {
    encoded_pieces << QString::fromStdString(tokenizer_->id_to_piece(id));
  }
  QCOMPARE(encoded_pieces, pieces);
}

void TestTokenizer::decode_matches_transformers_data() {
  QTest::addColumn<QByteArray>("text");
  QTest::addColumn<QString>("decoded");
  for (size_t i = 0; i < reference_rows().size(); ++i) {
    const auto& row = reference_rows()[i];
    const std::string text = row.at("text").get<std::string>();
    QTest::newRow(row_name(i, text).constData())
        << QByteArray::fromStdString(text) << QString::fromStdString(row.at("decoded"));
  }
}

void TestTokenizer::decode_matches_transformers() {
  QFETCH(QByteArray, text);
  QFETCH(QString, decoded);
  const Ids ids = tokenizer_->encode(text.toStdString());
  QCOMPARE(QString::fromStdString(tokenizer_->decode(ids)), decoded);
  // The fixture's ids too, so a decode bug is not hidden behind an encode bug.
  const auto row = std::find_if(reference_rows().begin(), reference_rows().end(),
                                [&](const auto& r) { return r.at("text") == text.toStdString(); });
  QVERIFY(row != reference_rows().end());
  QCOMPARE(QString::fromStdString(tokenizer_->decode(row->at("ids").get<Ids>())), decoded);
}

// Sentences without unknown characters, specials or NFKC-changed characters come back as written,
// up to whitespace.
void TestTokenizer::plain_sentences_round_trip_data() {
  QTest::addColumn<QByteArray>("text");
  int plain = 0;
  for (size_t i = 0; i < reference_rows().size(); ++i) {
    const auto& row = reference_rows()[i];
    const std::string text = row.at("text").get<std::string>();
    const Ids ids = row.at("ids").get<Ids>();
    const bool ascii = std::all_of(text.begin(), text.end(),
                                   [](char c) { return static_cast<unsigned char>(c) < 0x80; });
    const bool has_unknown = std::find(ids.begin(), ids.end(), 2) != ids.end();
    if (!ascii || has_unknown || text.find('<') != std::string::npos) continue;
    QTest::newRow(row_name(i, text).constData()) << QByteArray::fromStdString(text);
    ++plain;
  }
  QVERIFY2(plain >= 10, "the fixture should hold at least 10 plain sentences");
}

void TestTokenizer::plain_sentences_round_trip() {
  QFETCH(QByteArray, text);
  const Ids ids = tokenizer_->encode(text.toStdString());
  QCOMPARE(QString::fromStdString(tokenizer_->decode(ids)), QString::fromUtf8(text).simplified());
}

// Rows printed by transformers 5.17's T5Tokenizer on the GPU machine: text, ids,
// decode(ids, skip_special_tokens=True). Specials are matched literally, case and all, before
// normalisation; the text between them is tokenised on its own (note "x<extra_id_0>." ending in
// "▁ ." and whitespace-only gaps giving nothing).
void TestTokenizer::special_tokens_in_text_data() {
  struct Row {
    const char* text;
    Ids ids;
    const char* decoded;
  };
  const std::vector<Row> rows = {
      {"<extra_id_0> <extra_id_1>", {32099, 32098, 1}, ""},
      {"<extra_id_0><extra_id_1>", {32099, 32098, 1}, ""},
      {"<extra_id_0>", {32099, 1}, ""},
      {"<extra_id_0>hello", {32099, 21820, 1}, "hello"},
      {"hello<extra_id_0>", {21820, 32099, 1}, "hello"},
      {"a <extra_id_0>  b", {3, 9, 32099, 3, 115, 1}, "a b"},
      {"a  <extra_id_0>b", {3, 9, 32099, 3, 115, 1}, "a b"},
      {"x<pad>y", {3, 226, 0, 3, 63, 1}, "x y"},
      {"x<unk>y", {3, 226, 2, 3, 63, 1}, "x y"},
      {"x</s>y", {3, 226, 1, 3, 63, 1}, "x y"},
      {"x <pad> y", {3, 226, 0, 3, 63, 1}, "x y"},
      {"<extra_id_100>", {3, 2, 25666, 834, 23, 26, 834, 2915, 3155, 1}, "extra_id_100>"},
      {"<extra_id_99>", {32000, 1}, ""},
      {"<EXTRA_ID_0>", {3, 2, 427, 4, 11359, 834, 4309, 834, 632, 3155, 1}, "EXTRA_ID_0>"},
      {"<extra_id_05>", {3, 2, 25666, 834, 23, 26, 834, 3076, 3155, 1}, "extra_id_05>"},
      {"😀 hi", {3, 2, 7102, 1}, " hi"},
      {"  ", {1}, ""},
      {" ", {1}, ""},
      {"\t", {1}, ""},
      {" <extra_id_0> .", {32099, 3, 5, 1}, "."},
      {"a\t<extra_id_0>\tb", {3, 9, 32099, 3, 115, 1}, "a b"},
      {"a\n<extra_id_0>\nb", {3, 9, 32099, 3, 115, 1}, "a b"},
      {"hello ▁ world", {21820, 296, 1}, "hello world"},
      {"▁hello", {21820, 1}, "hello"},
      {"<s>", {3, 2, 7, 3155, 1}, "s>"},
      {"</s>", {1, 1}, ""},
      {"</s></s>", {1, 1, 1}, ""},
      {"a </s> </s> b", {3, 9, 1, 1, 3, 115, 1}, "a b"},
      {"x<extra_id_0>.", {3, 226, 32099, 3, 5, 1}, "x ."},
      {"x <extra_id_0> , y", {3, 226, 32099, 3, 6, 3, 63, 1}, "x , y"},
      {"Ｆill<extra_id_0>", {12607, 32099, 1}, "Fill"},
      {"<extra_id_0>　x", {32099, 3, 226, 1}, "x"},
      {"ﬁ<extra_id_0>ﬁ", {361, 32099, 361, 1}, "fi fi"},
      {"<<extra_id_0>>", {3, 2, 32099, 2490, 1}, " >"},
      {"a<extra_id_1>>", {3, 9, 32098, 2490, 1}, "a >"},
  };
  QTest::addColumn<QByteArray>("text");
  QTest::addColumn<QString>("ids");
  QTest::addColumn<QString>("decoded");
  for (size_t i = 0; i < rows.size(); ++i) {
    QTest::newRow(row_name(i, rows[i].text).constData())
        << QByteArray(rows[i].text) << ids_text(rows[i].ids) << QString::fromUtf8(rows[i].decoded);
  }
}

void TestTokenizer::special_tokens_in_text() {
  QFETCH(QByteArray, text);
  QFETCH(QString, ids);
  QFETCH(QString, decoded);
  const Ids encoded = tokenizer_->encode(text.toStdString());
  QCOMPARE(ids_text(encoded), ids);
  QCOMPARE(QString::fromStdString(tokenizer_->decode(encoded)), decoded);
}

// Decoding as transformers' Metaspace decoder does: U+2581 is a space except in the first token
// kept, where it vanishes; SentencePiece's own Decode differs on "▁ ▁ ▁Hello" and on <unk>.
// "skipped" is transformers' decode(ids, skip_special_tokens=True); "kept" its decode with
// skip_special_tokens=False of the ids without pad and EOS (which Tokenizer always drops).
void TestTokenizer::decode_corner_cases_data() {
  struct Row {
    Ids ids;
    const char* skipped;
    const char* kept;
  };
  const std::vector<Row> rows = {
      {{3, 2, 8774}, " Hello", "<unk> Hello"},
      {{2, 8774}, "Hello", "<unk> Hello"},
      {{3, 3, 8774}, "  Hello", "  Hello"},
      {{3}, "", ""},
      {{3, 2}, "", "<unk>"},
      {{32099, 8774}, "Hello", "<extra_id_0> Hello"},
      {{8774, 32099, 296}, "Hello world", "Hello<extra_id_0> world"},
      {{0, 8774, 1, 0}, "Hello", "Hello"},
      {{8774, 1, 296}, "Hello world", "Hello world"},
      {{8774, 2, 296}, "Hello world", "Hello<unk> world"},
      {{3, 32099, 3, 9}, " a", "<extra_id_0> a"},
      {{12607, 32099, 8, 11460, 7, 32098, 3, 5, 1},
       "Fill the blanks .",
       "Fill<extra_id_0> the blanks<extra_id_1> ."},
      {{37, 3, 3, 3, 37}, "The    The", "The    The"},
      {{4116, 120, 3, 2, 1939}, "Curly bra", "Curly <unk>bra"},
      {{32099, 3, 9}, "a", "<extra_id_0> a"},
      {{3, 9, 32099}, "a", "a<extra_id_0>"},
      {{8774, 0, 296}, "Hello world", "Hello world"},
      {{8774, 3, 2, 3, 296}, "Hello   world", "Hello <unk>  world"},
      // Past the vocabulary (T5's output layer has 32128 rows) and label padding: ignored.
      {{8774, 32100, 32127, -100, 296}, "Hello world", "Hello world"},
      {{}, "", ""},
  };
  QTest::addColumn<Ids>("ids");
  QTest::addColumn<QString>("skipped");
  QTest::addColumn<QString>("kept");
  for (const Row& row : rows) {
    QTest::newRow(ids_text(row.ids).toUtf8().constData())
        << row.ids << QString::fromUtf8(row.skipped) << QString::fromUtf8(row.kept);
  }
}

void TestTokenizer::decode_corner_cases() {
  QFETCH(Ids, ids);
  QFETCH(QString, skipped);
  QFETCH(QString, kept);
  QCOMPARE(QString::fromStdString(tokenizer_->decode(ids, true)), skipped);
  QCOMPARE(QString::fromStdString(tokenizer_->decode(ids, false)), kept);
}

void TestTokenizer::special_ids() {
  QCOMPARE(ids_text(tokenizer_->encode("<pad>", false)), ids_text(Ids{hwb::Tokenizer::kPadId}));
  QCOMPARE(ids_text(tokenizer_->encode("</s>", false)), ids_text(Ids{hwb::Tokenizer::kEosId}));
  QCOMPARE(ids_text(tokenizer_->encode("<unk>", false)), ids_text(Ids{hwb::Tokenizer::kUnkId}));
  QCOMPARE(ids_text(tokenizer_->encode("", true)), ids_text(Ids{hwb::Tokenizer::kEosId}));
  QCOMPARE(ids_text(tokenizer_->encode("", false)), ids_text(Ids{}));
  QCOMPARE(ids_text(tokenizer_->encode("Hello world!", false)), QString("[8774, 296, 55]"));
  for (int64_t i = 0; i < SentencePieceTokenizer::kExtraIds; ++i) {
    const std::string sentinel = "<extra_id_" + std::to_string(i) + ">";
    QCOMPARE(tokenizer_->sentinel_id(i), 32099 - i);
    QCOMPARE(QString::fromStdString(tokenizer_->id_to_piece(32099 - i)),
             QString::fromStdString(sentinel));
    QCOMPARE(ids_text(tokenizer_->encode(sentinel, false)), ids_text(Ids{32099 - i}));
  }
  QVERIFY(!load_error([&] { tokenizer_->sentinel_id(100); }).isEmpty());
  QVERIFY(!load_error([&] { tokenizer_->sentinel_id(-1); }).isEmpty());
}

void TestTokenizer::id_to_piece_data() {
  QTest::addColumn<qint64>("id");
  QTest::addColumn<QString>("piece");
  QTest::newRow("pad") << qint64{0} << "<pad>";
  QTest::newRow("eos") << qint64{1} << "</s>";
  QTest::newRow("unk") << qint64{2} << "<unk>";
  QTest::newRow("bare space") << qint64{3} << QString::fromUtf8("▁");
  QTest::newRow("X") << qint64{4} << "X";
  QTest::newRow("full stop") << qint64{5} << ".";
  QTest::newRow("Hello") << qint64{8774} << QString::fromUtf8("▁Hello");
  QTest::newRow("last piece") << qint64{31999} << QString::fromUtf8("▁Internațional");
  QTest::newRow("extra_id_99") << qint64{32000} << "<extra_id_99>";
  QTest::newRow("extra_id_98") << qint64{32001} << "<extra_id_98>";
  QTest::newRow("extra_id_1") << qint64{32098} << "<extra_id_1>";
  QTest::newRow("extra_id_0") << qint64{32099} << "<extra_id_0>";
}

void TestTokenizer::id_to_piece() {
  QFETCH(qint64, id);
  QFETCH(QString, piece);
  QCOMPARE(QString::fromStdString(tokenizer_->id_to_piece(id)), piece);
}

void TestTokenizer::id_to_piece_out_of_range() {
  for (const int64_t id : {int64_t{-1}, int64_t{32100}, int64_t{32127}}) {
    const QString error = load_error([&] { tokenizer_->id_to_piece(id); });
    QVERIFY2(error.contains(QString::number(id)) && error.contains("spiece.model"),
             qPrintable(error));
  }
}

void TestTokenizer::fingerprint_is_a_content_hash() {
  const std::string fingerprint = tokenizer_->fingerprint();
  QVERIFY2(QRegularExpression("^[0-9a-f]{16}\\+100extra$")
               .match(QString::fromStdString(fingerprint))
               .hasMatch(),
           fingerprint.c_str());
  // FNV-1a 64 of resources/t5/spiece.model, computed independently in Python.
  QCOMPARE(QString::fromStdString(fingerprint), QString("3e1b80375b50852e+100extra"));
  // The same bytes elsewhere give the same fingerprint: it names the vocabulary, not the path.
  QTemporaryDir dir;
  QVERIFY(dir.isValid());
  const fs::path copy = fs::path(dir.path().toStdString()) / "copy.model";
  fs::copy_file(tokenizer_->model_path(), copy);
  QCOMPARE(SentencePieceTokenizer::load(copy)->fingerprint(), fingerprint);
}

void TestTokenizer::load_t5_finds_the_resource() {
  const auto t5 = SentencePieceTokenizer::load_t5();
  QCOMPARE(t5->vocab_size(), 32100);
  QCOMPARE(t5->fingerprint(), tokenizer_->fingerprint());
}

void TestTokenizer::encodes_from_several_threads() {
  std::vector<Ids> expected;
  for (const auto& row : reference_rows()) expected.push_back(row.at("ids").get<Ids>());
  std::atomic<int> mismatches = 0;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int round = 0; round < 10; ++round) {
        for (size_t i = 0; i < expected.size(); ++i) {
          const std::string text = reference_rows()[i].at("text");
          if (tokenizer_->encode(text) != expected[i]) ++mismatches;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  QCOMPARE(mismatches.load(), 0);
}

// The reason the module exists (docs PLATFORM.md): LibTorch must keep working once SentencePiece
// has been loaded and used in the same process.
void TestTokenizer::libtorch_in_the_same_process() {
  const Ids ids = tokenizer_->encode("translate English to German: That is good.");
  const at::Tensor input = at::tensor(ids, at::kLong);
  QCOMPARE(input.size(0), static_cast<int64_t>(ids.size()));
  QCOMPARE(input.sum().item<int64_t>(), std::accumulate(ids.begin(), ids.end(), int64_t{0}));
  const at::Tensor embedding = at::ones({tokenizer_->vocab_size(), 4});
  const at::Tensor looked_up = embedding.index_select(0, input).sum();
  QCOMPARE(looked_up.item<float>(), static_cast<float>(ids.size() * 4));
  QCOMPARE(ids_text(tokenizer_->encode("Hello world!")), QString("[8774, 296, 55, 1]"));
}

void TestTokenizer::missing_model_file() {
  QTemporaryDir dir;
  QVERIFY(dir.isValid());
  const fs::path missing = fs::path(dir.path().toStdString()) / "no" / "spiece.model";
  const QString error = load_error([&] { SentencePieceTokenizer::load(missing); });
  QVERIFY2(error.contains(QString::fromStdString(missing.string())), qPrintable(error));
  QVERIFY2(error.contains("not found") && error.contains("HWB_RESOURCE_DIR"), qPrintable(error));
}

void TestTokenizer::corrupt_model_file_data() {
  QTest::addColumn<QByteArray>("bytes");
  QTest::newRow("garbage") << QByteArray("this is not a SentencePiece model\n") +
                                  QByteArray("\xff\xfe\x01\x02");
  QTest::newRow("empty") << QByteArray();
  QFile model(QString::fromUtf8(HWB_SOURCE_DIR "/resources/t5/spiece.model"));
  QVERIFY(model.open(QIODevice::ReadOnly));
  // Cut mid-record. A cut that falls exactly between two pieces (1000 bytes, say) still parses, as
  // a smaller vocabulary: SentencePiece cannot tell, and neither can this check.
  QTest::newRow("truncated") << model.read(model.size() / 2);
}

void TestTokenizer::corrupt_model_file() {
  QFETCH(QByteArray, bytes);
  QTemporaryDir dir;
  QVERIFY(dir.isValid());
  const fs::path corrupt = write_file(dir, "spiece.model", bytes);
  const QString error = load_error([&] { SentencePieceTokenizer::load(corrupt); });
  QVERIFY2(error.contains(QString::fromStdString(corrupt.string())), qPrintable(error));
  QVERIFY2(error.contains("copy spiece.model again") || error.contains("not a T5 vocabulary"),
           qPrintable(error));
}

// find_module searches several folders, so the module is named explicitly to make it missing.
void TestTokenizer::missing_module() {
  QTemporaryDir dir;
  QVERIFY(dir.isValid());
  const fs::path model = tokenizer_->model_path();
  const fs::path missing = fs::path(dir.path().toStdString()) / "libhwb_spm.so";
  QString error = load_error([&] { SentencePieceTokenizer::load(model, missing); });
  QVERIFY2(error.contains(QString::fromStdString(missing.string())), qPrintable(error));
  QVERIFY2(error.contains("ninja hwb_spm") && error.contains("HWB_MODULE_DIR"), qPrintable(error));

  const fs::path not_a_library = write_file(dir, "libhwb_spm.so", "not an ELF file");
  error = load_error([&] { SentencePieceTokenizer::load(model, not_a_library); });
  QVERIFY2(error.contains("Cannot load the SentencePiece module") &&
               error.contains(QString::fromStdString(not_a_library.string())),
           qPrintable(error));
}

void TestTokenizer::library_that_is_not_the_module() {
  // A real shared library without the module's entry points: the one holding Qt Core.
  Dl_info info{};
  QVERIFY(dladdr(reinterpret_cast<const void*>(&qVersion), &info) != 0 && info.dli_fname);
  const fs::path qt_core = info.dli_fname;
  const QString error =
      load_error([&] { SentencePieceTokenizer::load(tokenizer_->model_path(), qt_core); });
  QVERIFY2(error.contains("is not a Hyperformer SentencePiece module") &&
               error.contains("hwb_spm_abi_version"),
           qPrintable(error));
  // The real module still loads afterwards.
  QCOMPARE(SentencePieceTokenizer::load(tokenizer_->model_path(), module_path())->vocab_size(),
           32100);
}

QTEST_GUILESS_MAIN(TestTokenizer)
#include "tst_tokenizer.moc"
