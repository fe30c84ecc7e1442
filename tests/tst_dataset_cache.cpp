// Tokenised datasets: the on-disk cache (hits, misses on every part of the key, corrupt files),
// truncation, and the padded batches built from them.

#include <QtTest/QtTest>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "WordTokenizer.h"
#include "core/data/Batcher.h"
#include "core/data/ContentHash.h"
#include "core/data/GlueTasks.h"
#include "core/data/SentencePieceTokenizer.h"
#include "core/data/TaskLoader.h"
#include "core/data/TokenizedCache.h"
#include "core/data/TsvReader.h"
#include "core/util/Error.h"

namespace fs = std::filesystem;
using namespace hwb;

namespace {

const fs::path kGlue = fs::path(HWB_TEST_DATA_DIR) / "glue";

class TempDir {
 public:
  TempDir() {
    path_ = fs::temp_directory_path() /
            ("hwb-cache-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++));
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  static inline int counter_ = 0;
  fs::path path_;
};

// An RTE task over copies of the fixture files, so a test may edit them.
TaskDefinition rte_copy(const fs::path& dir) {
  fs::create_directories(dir / "RTE");
  for (const char* name : {"train.tsv", "dev.tsv"}) {
    fs::copy_file(kGlue / "RTE" / name, dir / "RTE" / name, fs::copy_options::overwrite_existing);
  }
  return GlueTasks::definition("rte", dir);
}

std::vector<fs::path> entries(const fs::path& dir) {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir)) files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  return files;
}

void expect_same(const TaskDataset& a, const TaskDataset& b) {
  QCOMPARE(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    QCOMPARE(a.source(i), b.source(i));
    QCOMPARE(a.target(i), b.target(i));
    QCOMPARE(a.label(i), b.label(i));
    QCOMPARE(a.line(i), b.line(i));
    QVERIFY(std::ranges::equal(a.source_ids(i), b.source_ids(i)));
    QVERIFY(std::ranges::equal(a.target_ids(i), b.target_ids(i)));
  }
}

}  // namespace

class TestDatasetCache : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void xxhash64_reference_values() {
    // Published XXH64 test vectors (seed 0).
    QCOMPARE(xxhash64(""), 0xEF46DB3751D8E999ULL);
    QCOMPARE(xxhash64("abc"), 0x44BC2CF5AD770999ULL);
    QCOMPARE(hash_hex(0x00000000000000FFULL), std::string("00000000000000ff"));
  }

  void second_load_hits_the_cache() {
    TempDir dir;
    const TaskDefinition d = rte_copy(dir.path() / "data");
    test::WordTokenizer tokenizer;
    TaskLoadOptions options;
    options.cache_dir = dir.path() / "cache";

    const LoadedTask first = TaskLoader(tokenizer, options).load(d);
    QCOMPARE(first.files.size(), std::size_t{2});
    for (const TaskFileRecord& file : first.files) QVERIFY(!file.from_cache);
    const std::size_t calls = tokenizer.calls();
    QVERIFY(calls > 0);
    QCOMPARE(entries(options.cache_dir).size(), std::size_t{2});  // no temporary files left

    const LoadedTask second = TaskLoader(tokenizer, options).load(d);
    for (const TaskFileRecord& file : second.files) QVERIFY(file.from_cache);
    QCOMPARE(tokenizer.calls(), calls);  // nothing tokenised again
    expect_same(*first.train.data, *second.train.data);
    expect_same(*first.test.data, *second.test.data);
    QCOMPARE(second.train.indices, first.train.indices);
    QCOMPARE(second.validation.indices, first.validation.indices);
    QCOMPARE(second.files[0].content_hash, first.files[0].content_hash);

    // Metrics and the split scheme are not part of the key: they do not change the examples.
    TaskDefinition other_metrics = d;
    other_metrics.metrics = {"f1"};
    const LoadedTask third = TaskLoader(tokenizer, options).load(other_metrics);
    QVERIFY(third.files[0].from_cache);
  }

  void any_change_to_the_key_misses() {
    TempDir dir;
    const TaskDefinition d = rte_copy(dir.path() / "data");
    test::WordTokenizer tokenizer;
    TaskLoadOptions options;
    options.cache_dir = dir.path() / "cache";
    TaskLoader(tokenizer, options).load(d);

    const auto from_cache = [&](const TaskDefinition& def, const test::WordTokenizer& tok) {
      const LoadedTask task = TaskLoader(tok, options).load(def);
      return std::pair(task.files[0].from_cache, task.files[1].from_cache);
    };
    // The definition: the template, and the truncation length.
    TaskDefinition changed_template = d;
    changed_template.input_template = "rte premise: {sentence1} hypothesis: {sentence2}";
    QCOMPARE(from_cache(changed_template, tokenizer), std::pair(false, false));
    TaskDefinition changed_length = d;
    changed_length.max_source_length = 16;
    QCOMPARE(from_cache(changed_length, tokenizer), std::pair(false, false));
    // The tokenizer.
    const test::WordTokenizer other_vocabulary("word-tokenizer-v2");
    QCOMPARE(from_cache(d, other_vocabulary), std::pair(false, false));
    // The file's content: one edited byte in dev, train untouched.
    const fs::path dev = d.files.at("dev");
    std::string bytes = read_file_bytes(dev);
    bytes[bytes.find("acidente")] = 'A';
    std::ofstream(dev, std::ios::binary | std::ios::trunc) << bytes;
    const LoadedTask edited = TaskLoader(tokenizer, options).load(d);
    QVERIFY(edited.files[0].from_cache);
    QVERIFY(!edited.files[1].from_cache);
    QVERIFY(std::string(edited.test.data->source(0)).find("Acidente") != std::string::npos ||
            std::string(edited.validation.data->source(0)).find("Acidente") != std::string::npos);
    // And the original definition still hits its own entries.
    QCOMPARE(from_cache(changed_template, tokenizer), std::pair(true, false));
  }

  void corrupt_cache_files_are_rebuilt_data() {
    QTest::addColumn<QString>("damage");
    QTest::newRow("truncated") << "truncate";
    QTest::newRow("flipped byte") << "flip";
    QTest::newRow("garbage") << "garbage";
    QTest::newRow("empty") << "empty";
  }
  void corrupt_cache_files_are_rebuilt() {
    QFETCH(QString, damage);
    TempDir dir;
    const TaskDefinition d = rte_copy(dir.path() / "data");
    test::WordTokenizer tokenizer;
    TaskLoadOptions options;
    options.cache_dir = dir.path() / "cache";
    const LoadedTask clean = TaskLoader(tokenizer, options).load(d);

    for (const fs::path& file : entries(options.cache_dir)) {
      std::string bytes = read_file_bytes(file);
      if (damage == "truncate") bytes.resize(bytes.size() / 2);
      if (damage == "flip") bytes[bytes.size() - 7] ^= 0x20;
      if (damage == "garbage") bytes = std::string(bytes.size(), '\x5A');
      if (damage == "empty") bytes.clear();
      std::ofstream(file, std::ios::binary | std::ios::trunc) << bytes;
    }
    const LoadedTask rebuilt = TaskLoader(tokenizer, options).load(d);
    for (const TaskFileRecord& file : rebuilt.files) QVERIFY(!file.from_cache);
    QStringList notes;
    for (const std::string& note : rebuilt.notes) notes << QString::fromStdString(note);
    QVERIFY2(notes.join('\n').contains("; rebuilt"), qPrintable(notes.join('\n')));
    expect_same(*clean.train.data, *rebuilt.train.data);
    // The rebuilt entries are good again.
    const LoadedTask again = TaskLoader(tokenizer, options).load(d);
    for (const TaskFileRecord& file : again.files) QVERIFY(file.from_cache);
  }

  void cached_bad_rows_keep_their_policy() {
    TempDir dir;
    fs::create_directories(dir.path() / "data");
    const fs::path bad = dir.path() / "data" / "bad.tsv";
    fs::copy_file(fs::path(HWB_TEST_DATA_DIR) / "data_bad" / "unknown_label.tsv", bad);
    TaskDefinition d = GlueTasks::definition("sst2", dir.path());
    d.files = {{"train", bad}, {"dev", bad}};
    d.holdout = 1;
    test::WordTokenizer tokenizer;
    TaskLoadOptions options;
    options.cache_dir = dir.path() / "cache";
    options.bad_rows = BadRowPolicy::kSkip;
    QCOMPARE(TaskLoader(tokenizer, options).load(d).skipped.count, std::size_t{2});
    const LoadedTask cached = TaskLoader(tokenizer, options).load(d);
    QVERIFY(cached.files[0].from_cache);
    QCOMPARE(cached.skipped.count, std::size_t{2});  // still reported on a cache hit
    QVERIFY(cached.skipped.messages[0].find("bad.tsv:3: unknown label") != std::string::npos);
    options.bad_rows = BadRowPolicy::kRefuse;  // a hit must not bypass the refusal
    QVERIFY_THROWS_EXCEPTION(Error, TaskLoader(tokenizer, options).load(d));
  }

  void unwritable_cache_is_a_note_not_a_failure() {
    TempDir dir;
    const TaskDefinition d = rte_copy(dir.path() / "data");
    std::ofstream(dir.path() / "not-a-folder") << "x";
    test::WordTokenizer tokenizer;
    TaskLoadOptions options;
    options.cache_dir = dir.path() / "not-a-folder" / "cache";
    const LoadedTask task = TaskLoader(tokenizer, options).load(d);
    QCOMPARE(task.train.size(), std::size_t{6});
    QVERIFY(!task.notes.empty() && task.notes[0].starts_with("cache not written"));
  }

  void truncation_keeps_eos() {
    std::vector<Example> examples = {
        {"one two three four five six seven", "0", "0", 1},
        {"short", "a long target text", "1", 2},
    };
    test::WordTokenizer tokenizer;
    const TaskDataset data = TaskDataset::build(examples, {}, tokenizer, 4, 3, 1);
    const auto source = data.source_ids(0);
    QCOMPARE(source.size(), std::size_t{4});
    QCOMPARE(source[0], static_cast<std::int32_t>(test::WordTokenizer::id_of("one")));
    QCOMPARE(source[2], static_cast<std::int32_t>(test::WordTokenizer::id_of("three")));
    QCOMPARE(source[3], std::int32_t{1});
    QCOMPARE(data.source_ids(1).size(), std::size_t{2});
    QCOMPARE(data.target_ids(1).size(), std::size_t{3});
    QCOMPARE(data.target_ids(1)[2], std::int32_t{1});
    QCOMPARE(data.source(0), std::string_view("one two three four five six seven"));  // text whole
  }

  void threads_give_the_same_dataset() {
    std::vector<Example> examples;
    for (int i = 0; i < 9000; ++i) {
      examples.push_back({"row " + std::to_string(i) + " of " + std::to_string(i % 97),
                          std::to_string(i % 3), std::to_string(i % 3),
                          static_cast<std::size_t>(i + 2)});
    }
    test::WordTokenizer tokenizer;
    const TaskDataset one = TaskDataset::build(examples, {}, tokenizer, 128, 8, 1);
    const TaskDataset four = TaskDataset::build(examples, {}, tokenizer, 128, 8, 4);
    expect_same(one, four);
  }

  void t5_tokenizer_through_the_data_path() {
    // The real vocabulary on two workers gives exactly what encode() gives one text at a time.
    const auto t5 = SentencePieceTokenizer::load_t5();
    TaskLoadOptions options;
    options.threads = 2;
    TaskDefinition d = GlueTasks::definition("mnli", kGlue);
    d.max_source_length = 12;
    const LoadedTask task = TaskLoader(*t5, options).load(d);
    const TaskDataset& train = *task.train.data;
    for (std::size_t i = 0; i < train.size(); ++i) {
      std::vector<std::int64_t> expected = t5->encode(train.source(i));
      if (expected.size() > 12) {
        expected.resize(12);
        expected.back() = Tokenizer::kEosId;
      }
      const auto ids = train.source_ids(i);
      QVERIFY(std::equal(ids.begin(), ids.end(), expected.begin(), expected.end()));
      const std::vector<std::int64_t> target = t5->encode(train.target(i));
      QVERIFY(std::ranges::equal(train.target_ids(i), target));
    }
    QCOMPARE(t5->decode(
                 std::vector<std::int64_t>(train.target_ids(0).begin(), train.target_ids(0).end())),
             std::string(train.target(0)));
  }

  void batches_pad_to_the_longest_member() {
    std::vector<Example> examples = {
        {"a b c", "x", "0", 1},
        {"a", "x y z w", "1", 2},
        {"a b c d e f", "y", "0", 3},
    };
    test::WordTokenizer tokenizer;
    const TaskDataset data = TaskDataset::build(examples, {}, tokenizer, 128, 16, 1);
    const std::vector<std::size_t> rows = {0, 1};
    const Batch batch = Batcher::make(data, rows);
    QCOMPARE(batch.size, std::int64_t{2});
    QCOMPARE(batch.source_length, std::int64_t{4});  // "a b c" + EOS, not the task's 128
    QCOMPARE(batch.target_length, std::int64_t{5});
    const std::int64_t a = test::WordTokenizer::id_of("a");
    const std::int64_t b = test::WordTokenizer::id_of("b");
    const std::int64_t c = test::WordTokenizer::id_of("c");
    QCOMPARE(batch.source_ids, (std::vector<std::int64_t>{a, b, c, 1, a, 1, 0, 0}));
    QCOMPARE(batch.source_mask, (std::vector<std::int64_t>{1, 1, 1, 1, 1, 1, 0, 0}));
    const std::int64_t x = test::WordTokenizer::id_of("x");
    QCOMPARE(std::vector<std::int64_t>(batch.target_ids.begin(), batch.target_ids.begin() + 5),
             (std::vector<std::int64_t>{x, 1, 0, 0, 0}));
    QCOMPARE(batch.target_ids[9], std::int64_t{1});
    QCOMPARE(batch.target_lengths, (std::vector<std::int64_t>{2, 5}));
    QCOMPARE(batch.examples, rows);
    QVERIFY_THROWS_EXCEPTION(Error, Batcher::make(data, std::vector<std::size_t>{3}));
  }

  void batch_lengths_rounded_to_buckets() {
    std::vector<Example> examples = {{"a b c", "x", "0", 1}, {"a", "x y z w", "0", 2}};
    test::WordTokenizer tokenizer;
    const TaskDataset data = TaskDataset::build(examples, {}, tokenizer, 128, 16, 1);
    const std::vector<std::size_t> rows = {0, 1};
    LengthBuckets buckets;
    buckets.source_multiple = 8;
    buckets.source_cap = 6;
    buckets.target_multiple = 4;
    const Batch batch = Batcher::make(data, rows, buckets);
    // Source 4 rounds to 8, capped at 6; target 5 rounds to 8.
    QCOMPARE(batch.source_length, std::int64_t{6});
    QCOMPARE(batch.target_length, std::int64_t{8});
    const std::int64_t a = test::WordTokenizer::id_of("a");
    const std::int64_t b = test::WordTokenizer::id_of("b");
    const std::int64_t c = test::WordTokenizer::id_of("c");
    QCOMPARE(batch.source_ids, (std::vector<std::int64_t>{a, b, c, 1, 0, 0, a, 1, 0, 0, 0, 0}));
    QCOMPARE(batch.source_mask, (std::vector<std::int64_t>{1, 1, 1, 1, 0, 0, 1, 1, 0, 0, 0, 0}));
    QCOMPARE(batch.target_ids.size(), std::size_t{16});
    QCOMPARE(batch.target_lengths, (std::vector<std::int64_t>{2, 5}));
    // A cap never cuts a row: a source longer than the cap keeps its length.
    QCOMPARE(buckets.source(7), std::int64_t{7});
    QCOMPARE(buckets.source(3), std::int64_t{6});
    QCOMPARE(LengthBuckets{}.source(5), std::int64_t{5});
    const LengthBuckets trainer{32, 128, 8};
    QCOMPARE(trainer.source(97), std::int64_t{128});
    QCOMPARE(trainer.source(128), std::int64_t{128});
    QCOMPARE(trainer.target(3), std::int64_t{8});
  }

  void evaluation_batches_sorted_by_length() {
    std::vector<Example> examples;
    for (int i = 0; i < 23; ++i) {
      std::string text = "w";
      for (int k = 0; k < (i * 7) % 11; ++k) text += " w" + std::to_string(k);
      examples.push_back({text, "0", "0", static_cast<std::size_t>(i + 1)});
    }
    test::WordTokenizer tokenizer;
    const TaskDataset data = TaskDataset::build(examples, {}, tokenizer, 128, 8, 1);
    std::vector<std::size_t> rows(23);
    std::iota(rows.begin(), rows.end(), std::size_t{0});
    const auto batches = Batcher::evaluation_batches(data, rows, 5);
    QCOMPARE(batches.size(), std::size_t{5});
    QCOMPARE(batches.back().size(), std::size_t{3});
    std::vector<std::size_t> order;
    for (const auto& batch : batches) order.insert(order.end(), batch.begin(), batch.end());
    for (std::size_t i = 1; i < order.size(); ++i) {
      QVERIFY(data.source_ids(order[i - 1]).size() >= data.source_ids(order[i]).size());
    }
    std::vector<std::size_t> sorted_rows = order;
    std::sort(sorted_rows.begin(), sorted_rows.end());
    QCOMPARE(sorted_rows, rows);  // every row exactly once
  }
};

QTEST_GUILESS_MAIN(TestDatasetCache)
#include "tst_dataset_cache.moc"
