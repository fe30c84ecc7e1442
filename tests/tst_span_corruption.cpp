// T5's span-corruption objective (core/data/SpanCorruption): the chunk and target lengths of T5's
// random_spans_helper, the noise mask's counts, sentinels, and that input and target together give
// back the chunk.
#include <QtTest/QtTest>

#include <numeric>

#include "core/data/SpanCorruption.h"
#include "core/util/Error.h"

using namespace hwb;

namespace {

constexpr std::int64_t kFirstSentinel = 32099;  // <extra_id_0> in T5's vocabulary

// The chunk back from a corrupted input and its target: each sentinel in the input replaced by
// the tokens that follow the same sentinel in the target.
std::vector<std::int64_t> reassemble(const std::vector<std::int64_t>& input,
                                     const std::vector<std::int64_t>& target) {
  std::map<std::int64_t, std::vector<std::int64_t>> spans;
  std::int64_t current = -1;
  for (std::size_t i = 0; i + 1 < target.size(); ++i) {  // the last is EOS
    if (target[i] > kFirstSentinel - 100 && target[i] <= kFirstSentinel) {
      current = target[i];
    } else {
      spans[current].push_back(target[i]);
    }
  }
  std::vector<std::int64_t> out;
  for (std::size_t i = 0; i + 1 < input.size(); ++i) {
    if (input[i] > kFirstSentinel - 100 && input[i] <= kFirstSentinel) {
      out.insert(out.end(), spans[input[i]].begin(), spans[input[i]].end());
    } else {
      out.push_back(input[i]);
    }
  }
  return out;
}

TaskDataset chunks_of(const std::vector<std::vector<std::int32_t>>& rows) {
  TaskDataset data;
  for (std::size_t i = 0; i < rows.size(); ++i) data.append_ids(rows[i], {}, i + 1);
  return data;
}

}  // namespace

class TestSpanCorruption : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void lengths_match_t5s_helper_data() {
    QTest::addColumn<qint64>("input_length");
    QTest::addColumn<qint64>("raw");
    QTest::addColumn<qint64>("target");
    // t5.data.preprocessors.random_spans_helper(L, 0.15, 3.0).
    QTest::newRow("512") << qint64{512} << qint64{568} << qint64{114};
    QTest::newRow("128") << qint64{128} << qint64{141} << qint64{29};
    QTest::newRow("64") << qint64{64} << qint64{70} << qint64{14};
  }
  void lengths_match_t5s_helper() {
    QFETCH(qint64, input_length);
    QFETCH(qint64, raw);
    QFETCH(qint64, target);
    const SpanCorruption c({0.15, 3.0, input_length}, kFirstSentinel);
    QCOMPARE(c.raw_length(), raw);
    QCOMPARE(c.target_length(), target);
  }

  void the_mask_has_t5s_counts() {
    for (std::uint64_t seed = 1; seed <= 20; ++seed) {
      std::mt19937_64 rng(seed);
      const std::vector<bool> mask = SpanCorruption::noise_mask(141, 0.15, 3.0, rng);
      QCOMPARE(mask.size(), std::size_t{141});
      QCOMPARE(std::count(mask.begin(), mask.end(), true), 21);  // round(141 * 0.15)
      int spans = 0;
      for (std::size_t i = 0; i < mask.size(); ++i) spans += mask[i] && (i == 0 || !mask[i - 1]);
      QCOMPARE(spans, 7);      // round(21 / 3)
      QVERIFY(!mask.front());  // a kept span comes first
    }
  }

  void the_mask_is_seeded() {
    std::mt19937_64 a(5), b(5), c(6);
    const auto first = SpanCorruption::noise_mask(141, 0.15, 3.0, a);
    QCOMPARE(SpanCorruption::noise_mask(141, 0.15, 3.0, b), first);
    QVERIFY(SpanCorruption::noise_mask(141, 0.15, 3.0, c) != first);
  }

  void short_chunks_still_corrupt() {
    std::mt19937_64 rng(3);
    const auto mask = SpanCorruption::noise_mask(3, 0.15, 3.0, rng);
    QCOMPARE(std::count(mask.begin(), mask.end(), true), 1);
    QCOMPARE(SpanCorruption::noise_mask(1, 0.15, 3.0, rng), std::vector<bool>{false});
  }

  void input_and_target_give_the_chunk_back() {
    const SpanCorruption c({0.15, 3.0, 128}, kFirstSentinel);
    std::vector<std::int32_t> tokens(141);
    std::iota(tokens.begin(), tokens.end(), 100);
    std::mt19937_64 rng(11);
    const auto mask = SpanCorruption::noise_mask(141, 0.15, 3.0, rng);
    std::vector<std::int64_t> input, target;
    c.corrupt(tokens, mask, input, target);
    QCOMPARE(std::int64_t(input.size()), std::int64_t{128});  // 120 kept + 7 sentinels + EOS
    QCOMPARE(std::int64_t(target.size()), c.target_length());
    QCOMPARE(input.back(), std::int64_t{1});
    QCOMPARE(target.back(), std::int64_t{1});
    QCOMPARE(target.front(), kFirstSentinel);
    // Sentinels count down: <extra_id_0>, <extra_id_1>, ...
    std::vector<std::int64_t> sentinels;
    for (std::int64_t id : input)
      if (id > 32000) sentinels.push_back(id);
    QCOMPARE(sentinels,
             (std::vector<std::int64_t>{32099, 32098, 32097, 32096, 32095, 32094, 32093}));
    const std::vector<std::int64_t> back = reassemble(input, target);
    QCOMPARE(back, std::vector<std::int64_t>(tokens.begin(), tokens.end()));
  }

  void batches_have_one_shape_and_repeat_by_seed() {
    const SpanCorruption c({0.15, 3.0, 64}, kFirstSentinel);
    std::vector<std::int32_t> full(70), short_one(20);
    std::iota(full.begin(), full.end(), 500);
    std::iota(short_one.begin(), short_one.end(), 900);
    const TaskDataset data = chunks_of({full, short_one, full});
    const std::vector<std::size_t> rows = {0, 1, 2};
    const Batch b = c.batch(data, rows, 42);
    QCOMPARE(b.size, std::int64_t{3});
    QCOMPARE(b.source_length, std::int64_t{64});
    QCOMPARE(b.target_length, std::int64_t{14});
    QCOMPARE(b.source_ids.size(), std::size_t{3 * 64});
    QCOMPARE(b.target_ids.size(), std::size_t{3 * 14});
    // The full chunk fills its input exactly; the short one is padded.
    QCOMPARE(std::accumulate(b.source_mask.begin(), b.source_mask.begin() + 64, 0), 64);
    const int short_ids =
        std::accumulate(b.source_mask.begin() + 64, b.source_mask.begin() + 128, 0);
    QCOMPARE(short_ids, 20 - 3 + 1 + 1);  // 3 noise tokens in 1 span, its sentinel, EOS
    QCOMPARE(b.target_lengths, (std::vector<std::int64_t>{14, 5, 14}));
    // The same seed gives the same noise; rows at other positions or another seed differ.
    QCOMPARE(c.batch(data, rows, 42).source_ids, b.source_ids);
    QVERIFY(c.batch(data, rows, 43).source_ids != b.source_ids);
    QVERIFY(std::vector<std::int64_t>(b.source_ids.begin(), b.source_ids.begin() + 64) !=
            std::vector<std::int64_t>(b.source_ids.begin() + 128, b.source_ids.end()));
  }

  void bad_options_are_refused_with_the_field() {
    const auto message = [](SpanCorruptionOptions o) {
      try {
        SpanCorruption c(o, kFirstSentinel);
      } catch (const Error& e) {
        return std::string(e.what());
      }
      return std::string();
    };
    QVERIFY(message({0.0, 3.0, 128}).find("noise_density") != std::string::npos);
    QVERIFY(message({1.0, 3.0, 128}).find("noise_density") != std::string::npos);
    QVERIFY(message({0.15, 0.5, 128}).find("mean_span_length") != std::string::npos);
    QVERIFY(message({0.15, 3.0, 4}).find("input_length") != std::string::npos);
    // 4096-token inputs at density 0.5 and span 1 need far more than 100 sentinels.
    QVERIFY(message({0.5, 1.0, 4096}).find("sentinels") != std::string::npos);
    QVERIFY(message({0.15, 3.0, 128}).empty());
  }
};

QTEST_GUILESS_MAIN(TestSpanCorruption)
#include "tst_span_corruption.moc"
