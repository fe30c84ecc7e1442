#pragma once

// The built-in demo experiment cut down to seconds on a CPU, for tests that train for real. Each
// test states only the sizes it cares about. It trains the small random builtin:tiny rather than
// the demo's pretrained builtin:t5-mini: these tests check the machinery (sessions, store, UI),
// and what the pretrained backbone learns is tst_pretrained_backbone's to check.
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/train/ExperimentConfig.h"

namespace hwb::test {

struct ShortDemo {
  int64_t steps = 12;
  int64_t warmup_steps = 2;
  int64_t batch_size = 4;
  int64_t log_every = 1;
  int64_t eval_every = 6;
  std::size_t max_train = 40;
  std::size_t max_validation = 12;
  std::size_t max_test = 0;  // 0: the whole (small) test split
};

inline ExperimentConfig short_demo_config(const ShortDemo& s = {}) {
  ExperimentConfig c = ExperimentConfig::demo();
  c.backbone = std::string(ExperimentConfig::kBuiltinTinyBackbone);
  c.steps = s.steps;
  c.warmup_steps = s.warmup_steps;
  c.batch_size = s.batch_size;
  c.log_every = s.log_every;
  c.eval_every = s.eval_every;
  c.eval_batch_size = 16;
  for (ExperimentTask& t : c.tasks) {
    t.max_train = s.max_train;
    t.max_validation = s.max_validation;
    t.max_test = s.max_test;
  }
  return c;
}

}  // namespace hwb::test
