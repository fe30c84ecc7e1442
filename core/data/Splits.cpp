#include "core/data/Splits.h"

#include <algorithm>
#include <limits>
#include <numeric>
#include <random>

#include "core/util/Error.h"

namespace hwb {
namespace {

std::vector<std::size_t> capped(std::vector<std::size_t> indices, std::size_t cap) {
  if (cap != 0 && indices.size() > cap) indices.resize(cap);
  return indices;
}

std::size_t rows_of(const std::map<std::string, std::size_t>& file_rows, const std::string& role,
                    const std::string& task) {
  const auto found = file_rows.find(role);
  if (found == file_rows.end()) {
    throw Error("task \"" + task + "\": no row count for its \"" + role + "\" file");
  }
  return found->second;
}

}  // namespace

std::vector<std::size_t> seeded_permutation(std::size_t n, std::uint64_t seed) {
  if (n >= std::numeric_limits<std::uint32_t>::max() / 20) {
    throw Error("seeded_permutation: " + std::to_string(n) +
                " rows is beyond the range in which "
                "the reference shuffle is reproduced");
  }
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::mt19937 engine(static_cast<std::uint32_t>(seed));
  for (std::size_t i = 0; i + 1 < n; ++i) {
    const std::size_t z = static_cast<std::size_t>(engine()) % (n - i);
    std::swap(order[i], order[i + z]);
  }
  return order;
}

SplitPlan make_split_plan(const TaskDefinition& definition,
                          const std::map<std::string, std::size_t>& file_rows,
                          const SplitOptions& options) {
  const std::string& task = definition.name;
  const auto fail = [&](const std::string& what) { throw Error("task \"" + task + "\": " + what); };
  SplitPlan plan;
  switch (definition.split) {
    case SplitScheme::kGiven: {
      plan.validation_file = "validation";
      plan.train = seeded_permutation(rows_of(file_rows, "train", task), options.seed);
      plan.validation = seeded_permutation(rows_of(file_rows, "validation", task), options.seed);
      if (definition.files.contains("test")) {
        plan.test_file = "test";
        plan.test = seeded_permutation(rows_of(file_rows, "test", task), options.seed);
      }
      break;
    }
    case SplitScheme::kHalveDev: {
      plan.validation_file = "dev";
      plan.test_file = "dev";
      plan.train = seeded_permutation(rows_of(file_rows, "train", task), options.seed);
      const std::vector<std::size_t> dev =
          seeded_permutation(rows_of(file_rows, "dev", task), options.seed);
      if (dev.size() < 2) fail("the dev file needs at least 2 rows to be halved");
      const std::size_t half = dev.size() / 2;
      plan.validation.assign(dev.begin(), dev.begin() + static_cast<std::ptrdiff_t>(half));
      plan.test.assign(dev.begin() + static_cast<std::ptrdiff_t>(half), dev.end());
      plan.notes.push_back("validation and test are the two seeded halves of the dev file (" +
                           std::to_string(half) + " + " + std::to_string(dev.size() - half) +
                           " rows, seed " + std::to_string(options.seed) + ")");
      break;
    }
    case SplitScheme::kHoldoutTrain: {
      plan.validation_file = "train";
      plan.test_file = "dev";
      const std::vector<std::size_t> train =
          seeded_permutation(rows_of(file_rows, "train", task), options.seed);
      const std::size_t holdout = definition.holdout;
      if (train.size() <= holdout) {
        fail("the train file has " + std::to_string(train.size()) + " rows, not more than the " +
             std::to_string(holdout) + " held out for validation");
      }
      plan.validation.assign(train.begin(), train.begin() + static_cast<std::ptrdiff_t>(holdout));
      if (options.reference_leak) {
        plan.train = train;
        plan.notes.push_back(
            "validation is " + std::to_string(holdout) +
            " seeded train rows that also stay in training (reference-compatible leak)");
      } else {
        plan.train.assign(train.begin() + static_cast<std::ptrdiff_t>(holdout), train.end());
        plan.notes.push_back("validation is " + std::to_string(holdout) +
                             " seeded train rows, removed from training; test is the dev file");
      }
      plan.test = seeded_permutation(rows_of(file_rows, "dev", task), options.seed);
      break;
    }
  }
  const auto cap_note = [&](const char* split, std::size_t before, std::size_t cap) {
    if (cap != 0 && before > cap) {
      plan.notes.push_back(std::string(split) + " capped at " + std::to_string(cap) + " of " +
                           std::to_string(before) + " rows (seeded subsample)");
    }
  };
  cap_note("train", plan.train.size(), options.max_train);
  cap_note("validation", plan.validation.size(), options.max_validation);
  cap_note("test", plan.test.size(), options.max_test);
  plan.train = capped(std::move(plan.train), options.max_train);
  plan.validation = capped(std::move(plan.validation), options.max_validation);
  plan.test = capped(std::move(plan.test), options.max_test);
  return plan;
}

}  // namespace hwb
