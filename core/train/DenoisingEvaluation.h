#pragma once

#include <c10/core/Device.h>

#include <cstdint>

#include "core/data/SpanCorruption.h"
#include "core/data/TaskLoader.h"
#include "core/train/TrainingObserver.h"

namespace hwb {

class PeftModel;

// A pretraining run's evaluation: its held-out chunks, each corrupted with a noise fixed by its
// row (the same inputs at every evaluation), scored teacher-forced. The task's metrics are the
// token accuracy of the targets (sentinels and EOS included, padding not) and the mean loss per
// target token; the score, which picks the best checkpoint, is the accuracy, in percent.
EvaluationResult evaluate_denoising(PeftModel& model, const LoadedTask& task,
                                    const SpanCorruption& corruption, const c10::Device& device,
                                    std::int64_t batch_size, bool bf16);

}  // namespace hwb
