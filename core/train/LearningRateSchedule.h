#pragma once

#include <cstdint>

namespace hwb {

// Linear warm-up from 0 to `peak` over `warmup` steps, then linear decay to 0 at `total` (the
// transformers schedule the reference code uses). `step` counts optimiser steps from 1.
inline double linear_schedule(int64_t step, int64_t warmup, int64_t total, double peak) {
  if (warmup > 0 && step <= warmup)
    return peak * static_cast<double>(step) / static_cast<double>(warmup);
  if (step >= total) return 0.0;
  return peak * static_cast<double>(total - step) / static_cast<double>(total - warmup);
}

}  // namespace hwb
