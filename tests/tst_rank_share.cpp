// A rank's share of a data-parallel batch: every row goes to exactly one rank, the ranks' padded
// lengths stay close, and the loss weights make the ranks' averaged gradients those of one
// process with the whole batch.
#include <QtTest/QtTest>

#include <algorithm>
#include <numeric>
#include <set>

#include "core/data/TaskDataset.h"
#include "core/train/RankShare.h"
#include "tests/TestUtil.h"
#include "tests/WordTokenizer.h"

using namespace hwb;

namespace {

// Row i has i % 7 + 1 source words and i % 3 + 1 target words (+ EOS each).
TaskDataset make_data(std::size_t n) {
  std::vector<Example> examples;
  for (std::size_t i = 0; i < n; ++i) {
    Example e;
    for (std::size_t w = 0; w <= i % 7; ++w) e.source += "w" + std::to_string(w) + " ";
    for (std::size_t w = 0; w <= i % 3; ++w) e.target += "t" + std::to_string(w) + " ";
    e.label = e.target;
    e.line = i + 1;
    examples.push_back(e);
  }
  return TaskDataset::build(examples, {}, test::WordTokenizer(), 64, 16, 1);
}

std::size_t longest_source(const TaskDataset& d, const std::vector<std::size_t>& rows) {
  std::size_t m = 0;
  for (std::size_t r : rows) m = std::max(m, d.source_ids(r).size());
  return m;
}

std::size_t target_tokens(const TaskDataset& d, const std::vector<std::size_t>& rows) {
  std::size_t n = 0;
  for (std::size_t r : rows) n += d.target_ids(r).size();
  return n;
}

}  // namespace

class TestRankShare : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void every_row_goes_to_exactly_one_rank() {
    const TaskDataset data = make_data(50);
    // An odd batch over 3 ranks, rows in sampler order (not sorted, one repeated).
    const std::vector<std::size_t> batch = {7, 3, 41, 0, 22, 13, 13, 49, 5, 30, 18};
    std::multiset<std::size_t> seen;
    std::vector<std::size_t> sizes;
    for (int rank = 0; rank < 3; ++rank) {
      const RankShare s = rank_share(data, batch, rank, 3, false);
      seen.insert(s.rows.begin(), s.rows.end());
      sizes.push_back(s.rows.size());
    }
    QCOMPARE(seen, std::multiset<std::size_t>(batch.begin(), batch.end()));
    QCOMPARE(sizes, (std::vector<std::size_t>{4, 4, 3}));
    // One rank: the whole batch, unweighted.
    const RankShare alone = rank_share(data, batch, 0, 1, false);
    QCOMPARE(std::multiset<std::size_t>(alone.rows.begin(), alone.rows.end()), seen);
    QCOMPARE(alone.loss_weight, 1.0);
  }

  void ranks_pad_to_about_the_same_length() {
    const TaskDataset data = make_data(64);
    // Sorted by source length in the sampler's order, contiguous halves would give one rank all
    // the long rows; dealt out by length, both ranks' longest rows are within one word.
    std::vector<std::size_t> batch(32);
    std::iota(batch.begin(), batch.end(), 0);
    std::stable_sort(batch.begin(), batch.end(), [&](std::size_t a, std::size_t b) {
      return data.source_ids(a).size() > data.source_ids(b).size();
    });
    const RankShare r0 = rank_share(data, batch, 0, 2, false);
    const RankShare r1 = rank_share(data, batch, 1, 2, false);
    QCOMPARE(longest_source(data, r0.rows), std::size_t{8});  // 7 words + EOS
    QVERIFY(longest_source(data, r1.rows) >= 7);
    const std::vector<std::size_t> second_half(batch.begin() + 16, batch.end());
    QVERIFY(longest_source(data, second_half) < 7);  // what a contiguous split would have given
  }

  void loss_weights_make_the_whole_batch_mean() {
    const TaskDataset data = make_data(40);
    const std::vector<std::size_t> batch = {0, 1, 2, 4, 5, 8, 10, 11, 14, 17};  // uneven targets
    // Say every target token of row r has loss r + 1: the whole batch's token mean, and each
    // rank's own token mean, weighted and averaged over ranks as the gradients are.
    const auto token_sum = [&](const std::vector<std::size_t>& rows) {
      double sum = 0;
      for (std::size_t r : rows)
        sum += static_cast<double>(data.target_ids(r).size()) * static_cast<double>(r + 1);
      return sum;
    };
    const double whole = token_sum(batch) / static_cast<double>(target_tokens(data, batch));
    double averaged = 0;
    for (int rank = 0; rank < 2; ++rank) {
      const RankShare s = rank_share(data, batch, rank, 2, false);
      const double mine = token_sum(s.rows) / static_cast<double>(target_tokens(data, s.rows));
      averaged += s.loss_weight * mine / 2.0;
    }
    QCOMPARE(averaged, whole);
    QVERIFY(rank_share(data, batch, 0, 2, false).loss_weight != 1.0);  // the targets are uneven
    // A summed loss: each rank's sum counts once, so the average over ranks is multiplied back.
    QCOMPARE(rank_share(data, batch, 1, 2, true).loss_weight, 2.0);
  }

  void a_rank_outside_the_group_is_refused() {
    const TaskDataset data = make_data(4);
    QVERIFY(hwb::test::throws_with(
        [&] {
          rank_share(data, {0, 1}, 2, 2, false);
        },
        {"rank 2 of 2"}));
    QVERIFY(hwb::test::throws_with(
        [&] {
          rank_share(data, {0, 1}, 0, 0, false);
        },
        {"rank 0 of 0"}));
  }
};

QTEST_GUILESS_MAIN(TestRankShare)
#include "tst_rank_share.moc"
