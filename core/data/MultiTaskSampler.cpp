#include "core/data/MultiTaskSampler.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <sstream>

#include <nlohmann/json.hpp>

#include "core/util/Error.h"

namespace hwb {
namespace {

constexpr int kStateVersion = 1;

std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

// A uniform double in [0, 1) from the top 53 bits of one draw.
double unit_double(std::mt19937_64& engine) {
  return static_cast<double>(engine() >> 11) * 0x1.0p-53;
}

double inverse_of(double temperature) {
  if (!(temperature > 0.0)) {
    throw Error("MultiTaskSampler: the temperature must be positive, not " +
                std::to_string(temperature));
  }
  return std::isinf(temperature) ? 0.0 : 1.0 / temperature;
}

}  // namespace

std::vector<double> MultiTaskSampler::probabilities(std::span<const std::size_t> task_sizes,
                                                    double temperature) {
  const double inverse = inverse_of(temperature);
  if (task_sizes.empty()) throw Error("MultiTaskSampler: no tasks");
  // Weights relative to the largest task, in logs, so that no power overflows.
  double largest = 0.0;
  for (std::size_t n : task_sizes) {
    if (n == 0) throw Error("MultiTaskSampler: a task with no training examples");
    largest = std::max(largest, std::log(static_cast<double>(n)));
  }
  std::vector<double> p;
  for (std::size_t n : task_sizes) {
    p.push_back(std::exp((std::log(static_cast<double>(n)) - largest) * inverse));
  }
  const double total = std::accumulate(p.begin(), p.end(), 0.0);
  for (double& value : p) value /= total;
  return p;
}

MultiTaskSampler::MultiTaskSampler(std::vector<std::size_t> task_sizes, std::size_t batch_size,
                                   double temperature, std::uint64_t seed)
    : sizes_(std::move(task_sizes)),
      batch_size_(batch_size),
      inverse_temperature_(inverse_of(temperature)),
      seed_(seed),
      probabilities_(probabilities(sizes_, temperature)),
      engine_(seed),
      epochs_(sizes_.size(), 0),
      cursors_(sizes_.size(), 0),
      orders_(sizes_.size()) {
  if (batch_size_ == 0) throw Error("MultiTaskSampler: batch size 0");
  std::partial_sum(probabilities_.begin(), probabilities_.end(), std::back_inserter(cumulative_));
  for (std::size_t t = 0; t < sizes_.size(); ++t) shuffle_task(t);
}

void MultiTaskSampler::shuffle_task(std::size_t task) {
  // Each pass's order depends only on (seed, task, pass), so restore() can rebuild it.
  std::mt19937_64 engine(splitmix64(seed_ ^ splitmix64(task ^ splitmix64(epochs_[task]))));
  std::vector<std::size_t>& order = orders_[task];
  order.resize(sizes_[task]);
  std::iota(order.begin(), order.end(), std::size_t{0});
  for (std::size_t i = order.size(); i > 1; --i) {
    // Modulo bias is below 2^-40 for any task that fits in memory.
    std::swap(order[i - 1], order[engine() % i]);
  }
  cursors_[task] = 0;
}

std::size_t MultiTaskSampler::next_task() {
  const double u = unit_double(engine_);
  const auto found = std::upper_bound(cumulative_.begin(), cumulative_.end(), u);
  ++batches_;
  // Rounding can leave the last cumulative value a hair under 1.
  return std::min(static_cast<std::size_t>(found - cumulative_.begin()), sizes_.size() - 1);
}

TaskBatch MultiTaskSampler::next() {
  TaskBatch batch;
  batch.task = next_task();
  batch.rows.reserve(batch_size_);
  const std::size_t t = batch.task;
  while (batch.rows.size() < batch_size_) {
    if (cursors_[t] == orders_[t].size()) {
      ++epochs_[t];
      shuffle_task(t);
    }
    batch.rows.push_back(orders_[t][cursors_[t]++]);
  }
  return batch;
}

nlohmann::json MultiTaskSampler::state() const {
  std::ostringstream engine;
  engine << engine_;
  nlohmann::json tasks = nlohmann::json::array();
  for (std::size_t t = 0; t < sizes_.size(); ++t) {
    tasks.push_back({{"size", sizes_[t]}, {"pass", epochs_[t]}, {"position", cursors_[t]}});
  }
  return {{"version", kStateVersion},  {"seed", seed_},
          {"batch_size", batch_size_}, {"inverse_temperature", inverse_temperature_},
          {"batches", batches_},       {"tasks", tasks},
          {"engine", engine.str()}};
}

void MultiTaskSampler::restore(const nlohmann::json& state) {
  const auto fail = [](const std::string& what) {
    throw Error("MultiTaskSampler: cannot resume: " + what);
  };
  try {
    if (state.at("version").get<int>() != kStateVersion) fail("unknown state version");
    if (state.at("seed").get<std::uint64_t>() != seed_) fail("the seed differs");
    if (state.at("batch_size").get<std::size_t>() != batch_size_) fail("the batch size differs");
    if (state.at("inverse_temperature").get<double>() != inverse_temperature_) {
      fail("the temperature differs");
    }
    const nlohmann::json& tasks = state.at("tasks");
    if (tasks.size() != sizes_.size()) fail("the number of tasks differs");
    std::vector<std::uint64_t> epochs(sizes_.size());
    std::vector<std::size_t> cursors(sizes_.size());
    for (std::size_t t = 0; t < sizes_.size(); ++t) {
      if (tasks[t].at("size").get<std::size_t>() != sizes_[t]) {
        fail("task " + std::to_string(t) + " has " + std::to_string(sizes_[t]) +
             " training examples now, " + tasks[t].at("size").dump() + " when saved");
      }
      epochs[t] = tasks[t].at("pass").get<std::uint64_t>();
      cursors[t] = tasks[t].at("position").get<std::size_t>();
      if (cursors[t] > sizes_[t]) fail("a position past the end of its task");
    }
    std::mt19937_64 engine;
    std::istringstream text(state.at("engine").get<std::string>());
    text >> engine;
    if (text.fail()) fail("the engine state is unreadable");

    engine_ = engine;
    batches_ = state.at("batches").get<std::uint64_t>();
    epochs_ = std::move(epochs);
    for (std::size_t t = 0; t < sizes_.size(); ++t) {
      shuffle_task(t);
      cursors_[t] = cursors[t];
    }
  } catch (const nlohmann::json::exception& error) {
    fail(std::string("malformed state: ") + error.what());
  }
}

std::vector<std::uint8_t> MultiTaskSampler::state_bytes() const {
  return nlohmann::json::to_cbor(state());
}

void MultiTaskSampler::restore_bytes(std::span<const std::uint8_t> bytes) {
  const nlohmann::json state =
      nlohmann::json::from_cbor(bytes.begin(), bytes.end(), true, /*allow_exceptions=*/false);
  if (state.is_discarded()) throw Error("MultiTaskSampler: cannot resume: unreadable state bytes");
  restore(state);
}

}  // namespace hwb
