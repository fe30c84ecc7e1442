#pragma once

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/train/ExperimentConfig.h"
#include "core/train/TrainingObserver.h"

namespace hwb {

// Flags another thread sets; the trainer looks at them between optimiser steps (STYLE.md 10).
class TrainingControl {
 public:
  void request_stop();
  void set_paused(bool paused);
  bool stop_requested() const { return stop_.load(); }
  bool paused() const { return paused_.load(); }
  // Blocks while paused (returns at once otherwise, or when stop is requested).
  void wait_while_paused();

 private:
  std::atomic<bool> stop_{false};
  std::atomic<bool> paused_{false};
  std::mutex mutex_;
  std::condition_variable changed_;
};

class DistributedGroup;

// Where a run's files go and where it starts from.
struct TrainerSetup {
  std::filesystem::path
      checkpoint_dir;               // this run's own folder (last.safetensors, best.safetensors)
  std::filesystem::path cache_dir;  // tokenised datasets
  std::optional<std::filesystem::path> resume_from;  // a last.safetensors to continue from
  // Data-parallel training: this process is one rank of `group`; training.batch_size is per rank.
  // Every rank draws the same task and its slice of one global batch, gradients are averaged, and
  // only rank 0 evaluates and writes checkpoints (its observers write the store).
  // The rank trains on the group's device (its own GPU), not training.device as written.
  std::shared_ptr<DistributedGroup> group;
};

// One run of an experiment: builds tokenizer, data, model and optimiser, then loops: sample a
// task's batch, forward/backward, clip, AdamW with warm-up and linear decay; every log_every steps
// scalars, every eval_every steps an evaluation, weight statistics and checkpoints. Everything goes
// out through the observers. In a data-parallel run the ranks agree on stop requests at logging
// steps, and a rank whose peer fails saves a checkpoint of the last completed step. A CPU run with
// the same seed repeats exactly (dropout is seeded per step, so resuming continues the same random
// stream too).
class Trainer {
 public:
  Trainer(ExperimentConfig config, TrainerSetup setup,
          std::vector<std::shared_ptr<TrainingObserver>> observers, TrainingControl& control);
  ~Trainer();

  // Loads everything (throws hwb::Error naming what is wrong), then trains until the last step,
  // early stopping or a stop request; a stop leaves a resumable checkpoint.
  RunOutcome run();
  int64_t step() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hwb
