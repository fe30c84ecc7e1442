#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "core/store/StoreTypes.h"

namespace hwb {

// One metric of one run over its evaluations: the last value and the highest (every score and
// the average are higher-is-better). NaN and step -1 when the run never evaluated it.
struct ScoreSummary {
  double final_value = std::numeric_limits<double>::quiet_NaN();
  double best = std::numeric_limits<double>::quiet_NaN();
  int64_t final_step = -1;
  int64_t best_step = -1;

  // Of `metric` for `task` ("" for the run-level average) on `split`.
  static ScoreSummary of(const std::vector<MetricPoint>& metrics, const std::string& split,
                         const std::string& task, const std::string& metric);
};

// The split a run's scores are read from: "validation" when it has one, else the one it has.
std::string evaluation_split(const std::vector<MetricPoint>& metrics);

}  // namespace hwb
