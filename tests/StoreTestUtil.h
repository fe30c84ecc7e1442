#pragma once

// Helpers shared by the run store tests (header-only, Qt Test).
#include <QtTest/QtTest>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <utility>
#include <vector>

#include "core/store/Downsample.h"
#include "core/store/RunStore.h"
#include "core/store/StoreTypes.h"

namespace hwb::store_test {

inline const double kNaN = std::numeric_limits<double>::quiet_NaN();

inline bool same_value(double a, double b) {
  return (std::isnan(a) && std::isnan(b)) || a == b;
}

inline bool same_point(const ScalarPoint& a, const ScalarPoint& b) {
  return a.step == b.step && same_value(a.wall_time, b.wall_time) && same_value(a.value, b.value);
}

// A curve with structure at every scale: a slow wave, noise, rare spikes both ways, some NaN.
inline std::vector<ScalarPoint> make_series(int64_t count, int64_t stride, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> noise(0.0, 0.1);
  std::uniform_int_distribution<int> dice(0, 999);
  std::vector<ScalarPoint> points;
  for (int64_t i = 0; i < count; ++i) {
    double value = std::sin(static_cast<double>(i) * 0.001) + noise(rng);
    const int roll = dice(rng);
    if (roll == 0) value += 50.0;
    if (roll == 1) value -= 50.0;
    if (roll == 2) value = kNaN;
    points.push_back(ScalarPoint{i * stride, 0.5 * static_cast<double>(i), value});
  }
  return points;
}

// Checks a down-sampled answer against the raw points it came from, with the bucket layout of
// plan_downsample: every answer is a real point, in step order, within budget; the first and last
// point of the range are there; each bucket's true minimum and maximum are there.
inline void check_downsample(const std::vector<ScalarPoint>& raw,
                             const std::vector<ScalarPoint>& got, std::size_t max_points,
                             std::optional<std::pair<int64_t, int64_t>> range) {
  std::vector<ScalarPoint> in_range;
  for (const ScalarPoint& p : raw) {
    if (!range || (p.step >= range->first && p.step <= range->second)) in_range.push_back(p);
  }
  std::sort(in_range.begin(), in_range.end(),
            [](const ScalarPoint& a, const ScalarPoint& b) { return a.step < b.step; });
  const std::size_t budget = std::max<std::size_t>(max_points, 4);
  if (in_range.size() <= budget) {
    QCOMPARE(got.size(), in_range.size());
    for (std::size_t i = 0; i < got.size(); ++i) QVERIFY(same_point(got[i], in_range[i]));
    return;
  }
  QVERIFY2(got.size() <= budget,
           qPrintable(QString("%1 points for a budget of %2").arg(got.size()).arg(budget)));
  QVERIFY(same_point(got.front(), in_range.front()));
  QVERIFY(same_point(got.back(), in_range.back()));
  std::map<int64_t, const ScalarPoint*> by_step;
  for (const ScalarPoint& p : in_range) by_step[p.step] = &p;
  for (std::size_t i = 0; i < got.size(); ++i) {
    if (i > 0) QVERIFY(got[i].step > got[i - 1].step);
    const auto it = by_step.find(got[i].step);
    QVERIFY2(it != by_step.end() && same_point(*it->second, got[i]),
             qPrintable(QString("step %1 is not a stored point").arg(got[i].step)));
  }
  const DownsamplePlan plan =
      plan_downsample(in_range.front().step, in_range.back().step, max_points);
  std::vector<MinMax> truth(static_cast<std::size_t>(plan.buckets));
  for (const ScalarPoint& p : in_range)
    truth[static_cast<std::size_t>(plan.bucket_of(p.step))].add(p);
  std::vector<std::multiset<double>> answered(truth.size());
  for (const ScalarPoint& p : got) {
    answered[static_cast<std::size_t>(plan.bucket_of(p.step))].insert(p.value);
  }
  for (std::size_t b = 0; b < truth.size(); ++b) {
    if (truth[b].min) {
      QVERIFY2(
          answered[b].count(truth[b].min->value),
          qPrintable(QString("bucket %1 lacks its minimum %2").arg(b).arg(truth[b].min->value)));
    }
    if (truth[b].max) {
      QVERIFY2(
          answered[b].count(truth[b].max->value),
          qPrintable(QString("bucket %1 lacks its maximum %2").arg(b).arg(truth[b].max->value)));
    }
  }
}

inline RunStoreOptions manual_flush() {
  RunStoreOptions options;
  options.flush_interval = std::chrono::hours(1);
  options.flush_rows = std::numeric_limits<std::size_t>::max();
  return options;
}

}  // namespace hwb::store_test
