#include "core/store/Downsample.h"

#include <algorithm>
#include <cmath>

#include "core/store/StoreSchema.h"

namespace hwb {

void MinMax::add(const ScalarPoint& point) {
  if (std::isnan(point.value)) return;
  if (!min || point.value < min->value) min = point;
  if (!max || point.value > max->value) max = point;
}

void MinMax::merge(const MinMax& later) {
  if (later.min && (!min || later.min->value < min->value)) min = later.min;
  if (later.max && (!max || later.max->value > max->value)) max = later.max;
}

int64_t summary_block_size(int level) {
  return int64_t{1} << (kSummaryShift * level);
}

DownsamplePlan plan_downsample(int64_t first_step, int64_t last_step, std::size_t max_points) {
  const int64_t max_buckets = (static_cast<int64_t>(std::max<std::size_t>(max_points, 4)) - 2) / 2;
  const int64_t span = last_step - first_step + 1;
  const int64_t ideal_width = (span + max_buckets - 1) / max_buckets;

  DownsamplePlan plan;
  while (plan.level < kSummaryLevels && summary_block_size(plan.level + 1) <= ideal_width) {
    ++plan.level;
  }
  const int shift = kSummaryShift * plan.level;
  const int64_t block = summary_block_size(plan.level);
  // C++20 shifts of negative steps are arithmetic: floor to the block boundary.
  plan.origin = (first_step >> shift) << shift;
  plan.width = (ideal_width + block - 1) / block * block;
  // Aligning the origin down can add one bucket at the end: widen until the budget holds.
  while ((last_step - plan.origin) / plan.width + 1 > max_buckets) plan.width += block;
  plan.buckets = (last_step - plan.origin) / plan.width + 1;
  return plan;
}

}  // namespace hwb
