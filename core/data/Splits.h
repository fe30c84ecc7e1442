#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/data/TaskDefinition.h"

namespace hwb {

struct SplitOptions {
  // The reference code's data seed (42) by default, so its splits come out row for row.
  std::uint64_t seed = 42;
  // Per-split caps, 0 = no cap. A cap keeps the first n of the split's seeded order: a seeded
  // subsample, as the reference code's n_train / n_val / n_test.
  std::size_t max_train = 0;
  std::size_t max_validation = 0;
  std::size_t max_test = 0;
  // kHoldoutTrain: leave the held-out validation rows in train too, as the reference code does
  // (it loads train without its split). Off by default: that leaks validation into training.
  bool reference_leak = false;
};

// Which rows of which file make each split. Indices are row positions in that file's dataset,
// in the seeded order.
struct SplitPlan {
  std::string train_file = "train";  // file role each split reads
  std::string validation_file;
  std::string test_file;  // empty when the task has no test split
  std::vector<std::size_t> train;
  std::vector<std::size_t> validation;
  std::vector<std::size_t> test;
  std::vector<std::string> notes;  // what a run should record: held-out rows, the leak, caps
};

// The split_validation_test semantics of METHOD.md section 5 on a task's files:
//   kGiven:        each split is its own file, shuffled.
//   kHalveDev:     train is "train"; validation and test are the first and second halves
//                  (n / 2 and the rest) of the shuffled "dev".
//   kHoldoutTrain: validation is the first `holdout` rows of the shuffled "train", train the
//                  rest (or all of it with reference_leak); test is the shuffled "dev".
// Every shuffle is seeded_permutation(rows, seed), taken afresh per file as the reference does.
// `file_rows` gives the number of examples in each file role. Throws hwb::Error when a split
// would be empty (a train file no larger than the holdout, a dev file of one row).
SplitPlan make_split_plan(const TaskDefinition& definition,
                          const std::map<std::string, std::size_t>& file_rows,
                          const SplitOptions& options);

// The permutation torch.randperm(n, generator=torch.Generator().manual_seed(seed)) returns on the
// CPU, the reference code's shuffles, without LibTorch: PyTorch's generator is MT19937 seeded with
// the seed's low 32 bits, and randperm a Fisher-Yates pass taking each draw modulo the rest.
// PyTorch keeps that algorithm for n below 2^32 / 20 (about 214M rows); larger n is refused.
std::vector<std::size_t> seeded_permutation(std::size_t n, std::uint64_t seed);

}  // namespace hwb
