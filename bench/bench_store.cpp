// The run store's two figures that matter for a live plot: how fast the trainer's batched scalar
// inserts go, and how long the UI waits for a 1,000,000-point curve down-sampled to 2,000 points.
//
//   bench_store [--dir DIR] [--points N] [--max-points P] [--repeat R]
//
// DIR (default: a fresh folder under the system temp folder, removed afterwards) holds the store.
// Inserts go through RunStore with its default batching (a commit every 500 ms or 5,000 rows):
// one tag of N steps, then four tags of N/4 steps (a trainer's loss, lr, throughput, memory).
// Fetches go through RunStoreReader on the N-point curve: the first call on a new connection,
// then the median of R calls, for the whole curve and for a zoom on its middle half.

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include <unistd.h>

#include "core/store/RunStore.h"
#include "core/store/RunStoreReader.h"
#include "core/util/Error.h"

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// A loss-like curve: decay, noise and rare spikes, so the min/max summaries have work to do.
double loss_at(int64_t step) {
  const double x = static_cast<double>(step);
  const double noise = std::sin(x * 12.9898) * 43758.5453;
  return 2.0 * std::exp(-x * 3e-6) + 0.05 * (noise - std::floor(noise)) +
         (step % 9973 == 0 ? 5 : 0);
}

struct InsertResult {
  int64_t run;
  int64_t rows;
  double seconds;
};

InsertResult insert(const fs::path& file, const std::string& name, int64_t steps,
                    const std::vector<std::string>& tags) {
  auto store = hwb::RunStore::open(file);
  const int64_t run = store->create_run(name, "bench", "{}", "cpu", "{}");
  std::vector<std::pair<std::string, double>> values;
  for (const std::string& tag : tags) values.emplace_back(tag, 0.0);
  const auto start = Clock::now();
  for (int64_t step = 0; step < steps; ++step) {
    for (std::size_t t = 0; t < values.size(); ++t) values[t].second = loss_at(step) + t;
    store->add_scalars(run, step, static_cast<double>(step) * 0.05, values);
  }
  store->flush();
  const double seconds = ms_since(start) / 1000.0;
  store->set_status(run, "finished");
  return {run, steps * static_cast<int64_t>(tags.size()), seconds};
}

struct FetchResult {
  double first_ms;
  double median_ms;
  double min_ms;
  double max_ms;
  std::size_t points;
};

FetchResult fetch(const fs::path& file, int64_t run, std::size_t max_points,
                  std::optional<std::pair<int64_t, int64_t>> range, int repeat) {
  auto start = Clock::now();
  auto reader = hwb::RunStoreReader::open(file);
  std::size_t points = reader->scalar_series(run, "loss", max_points, range).size();
  FetchResult result{ms_since(start), 0, 0, 0, points};
  std::vector<double> times;
  for (int i = 0; i < repeat; ++i) {
    start = Clock::now();
    points = reader->scalar_series(run, "loss", max_points, range).size();
    times.push_back(ms_since(start));
  }
  result.median_ms = median(times);
  result.min_ms = *std::min_element(times.begin(), times.end());
  result.max_ms = *std::max_element(times.begin(), times.end());
  return result;
}

void print_fetch(const char* what, const FetchResult& r) {
  std::printf("%-34s %7zu points  first %7.2f ms  median %7.2f ms  (min %.2f, max %.2f)\n", what,
              r.points, r.first_ms, r.median_ms, r.min_ms, r.max_ms);
}

}  // namespace

int main(int argc, char** argv) {
  fs::path dir;
  int64_t points = 1000000;
  std::size_t max_points = 2000;
  int repeat = 20;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--dir") {
      dir = argv[i + 1];
    } else if (flag == "--points") {
      points = std::atoll(argv[i + 1]);
    } else if (flag == "--max-points") {
      max_points = static_cast<std::size_t>(std::atoll(argv[i + 1]));
    } else if (flag == "--repeat") {
      repeat = std::max(1, std::atoi(argv[i + 1]));
    } else {
      std::fprintf(stderr, "unknown flag %s\n", flag.c_str());
      return 2;
    }
  }
  const bool temporary = dir.empty();
  if (temporary) dir = fs::temp_directory_path() / ("hwb-bench-store-" + std::to_string(getpid()));
  fs::create_directories(dir);
  const fs::path file = dir / "bench.db";
  for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(file.string() + suffix);

  try {
    std::printf("store: %s\n", file.c_str());
    const InsertResult one = insert(file, "one tag", points, {"loss"});
    std::printf("insert %lld rows, 1 tag:  %.2f s  %.0f rows/s\n", static_cast<long long>(one.rows),
                one.seconds, static_cast<double>(one.rows) / one.seconds);
    const InsertResult four =
        insert(file, "four tags", points / 4, {"loss", "lr", "throughput", "memory"});
    std::printf("insert %lld rows, 4 tags: %.2f s  %.0f rows/s\n",
                static_cast<long long>(four.rows), four.seconds,
                static_cast<double>(four.rows) / four.seconds);
    std::printf(
        "file size after both: %.1f MB\n",
        static_cast<double>(fs::file_size(file) + (fs::exists(file.string() + "-wal")
                                                       ? fs::file_size(file.string() + "-wal")
                                                       : 0)) /
            1e6);

    const std::string all = std::to_string(points) + " -> " + std::to_string(max_points);
    print_fetch(("fetch " + all).c_str(), fetch(file, one.run, max_points, {}, repeat));
    const std::pair<int64_t, int64_t> middle{points / 4 + 7, points * 3 / 4 - 7};
    print_fetch(("fetch middle half -> " + std::to_string(max_points)).c_str(),
                fetch(file, one.run, max_points, middle, repeat));
    print_fetch(("fetch all " + std::to_string(points) + " (no down-sampling)").c_str(),
                fetch(file, one.run, 0, {}, std::max(1, repeat / 10)));
  } catch (const hwb::Error& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  if (temporary) fs::remove_all(dir);
  return 0;
}
