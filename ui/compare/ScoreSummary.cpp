#include "ui/compare/ScoreSummary.h"

#include <cmath>

namespace hwb {

ScoreSummary ScoreSummary::of(const std::vector<MetricPoint>& metrics, const std::string& split,
                              const std::string& task, const std::string& metric) {
  ScoreSummary s;
  for (const MetricPoint& m : metrics) {
    if (m.split != split || m.task != task || m.metric != metric) continue;
    if (m.step > s.final_step) {
      s.final_step = m.step;
      s.final_value = m.value;
    }
    if (std::isnan(s.best) || m.value > s.best) {
      s.best = m.value;
      s.best_step = m.step;
    }
  }
  return s;
}

std::string evaluation_split(const std::vector<MetricPoint>& metrics) {
  std::string split;
  for (const MetricPoint& m : metrics) {
    if (split.empty() || m.split == "validation") split = m.split;
  }
  return split;
}

}  // namespace hwb
