#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "core/store/StoreTypes.h"

namespace hwb {

// The smallest and the largest non-NaN value over a stretch of a series, with the points where they
// occur. Points and stretches are added in step order; ties keep the earlier point.
struct MinMax {
  std::optional<ScalarPoint> min;
  std::optional<ScalarPoint> max;

  void add(const ScalarPoint& point);
  void merge(const MinMax& later);
};

// Steps covered by one summary block of `level` (level 0: one point, no summary).
int64_t summary_block_size(int level);

// How a series between `first_step` and `last_step` is cut into buckets for a min/max-preserving
// down-sample to at most `max_points` (at least 4: the first point, the last, and a bucket's
// minimum and maximum). Bucket i covers steps [origin + i * width, origin + (i + 1) * width).
// origin and width are multiples of the block size of `level`, so every summary block of that
// level lies in one bucket; the level is the coarsest whose blocks are no wider than a bucket,
// which bounds the rows read to about 16 per bucket whatever the length of the series.
struct DownsamplePlan {
  int64_t origin = 0;
  int64_t width = 1;
  int64_t buckets = 0;
  int level = 0;

  int64_t bucket_of(int64_t step) const { return (step - origin) / width; }
};

DownsamplePlan plan_downsample(int64_t first_step, int64_t last_step, std::size_t max_points);

}  // namespace hwb
