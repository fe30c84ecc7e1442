#pragma once

#include <cstddef>
#include <cstdint>
#include <random>
#include <span>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace hwb {

// A training batch: which task, and which of its training examples (positions 0..n-1 in the
// task's train split, i.e. indices into TaskSplit::indices).
struct TaskBatch {
  std::size_t task = 0;
  std::vector<std::size_t> rows;
};

// METHOD.md section 6: every batch comes from one task, chosen with probability proportional to
// n_task^(1/T) (T = 1: by size; T = 10: the paper's; T -> infinity: uniform). Inside a task,
// examples are taken in a seeded shuffled order, reshuffled each time the task's data runs out,
// so every example is seen once per pass (the reference code draws with replacement; a pass is
// the same in expectation with less variance).
// Everything comes from seeded std::mt19937_64 engines and integer arithmetic, never from
// implementation-defined std:: distributions, so a seed gives the same batches with any standard
// library, and state() / restore() resume a run exactly where it stopped.
class MultiTaskSampler {
 public:
  // `task_sizes`: training examples of each task (none may be 0); temperature > 0 (infinity
  // allowed).
  MultiTaskSampler(std::vector<std::size_t> task_sizes, std::size_t batch_size, double temperature,
                   std::uint64_t seed);

  // n_i^(1/T) / sum_j n_j^(1/T).
  static std::vector<double> probabilities(std::span<const std::size_t> task_sizes,
                                           double temperature);
  const std::vector<double>& probabilities() const { return probabilities_; }

  TaskBatch next();
  // Only the task of the next batch, for callers that draw rows themselves; advances the same
  // stream as next() would for its task choice, and draws no rows.
  std::size_t next_task();

  std::uint64_t batches_drawn() const { return batches_; }

  // Everything needed to continue exactly: the engine, each task's pass and position, and the
  // configuration it must be restored into (a mismatch is an error, not a silent divergence).
  nlohmann::json state() const;
  void restore(const nlohmann::json& state);
  // state() as CBOR bytes, for a checkpoint file.
  std::vector<std::uint8_t> state_bytes() const;
  void restore_bytes(std::span<const std::uint8_t> bytes);

 private:
  void shuffle_task(std::size_t task);

  std::vector<std::size_t> sizes_;
  std::size_t batch_size_;
  double inverse_temperature_;
  std::uint64_t seed_;
  std::vector<double> probabilities_;
  std::vector<double> cumulative_;
  std::mt19937_64 engine_;
  std::uint64_t batches_ = 0;
  std::vector<std::uint64_t> epochs_;             // passes started, per task
  std::vector<std::size_t> cursors_;              // next position in the current pass
  std::vector<std::vector<std::size_t>> orders_;  // the current pass's order, per task
};

}  // namespace hwb
