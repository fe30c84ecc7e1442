// How long the results table (docs/STUDIES.md) takes over a store of many finished runs: reading
// every run's scores from the store and grouping them into the paper's Table 1, as
// `hyperformer runs table` and the Study page do. The target is under a second for 1,000 runs.
//
//   bench_results_table [--dir DIR] [--runs N] [--repeat R]
//
// DIR (default: a fresh folder under the system temp folder, removed afterwards) holds the store.
// It gets N finished runs of the demo's experiment: 5 variants x 4 reduction factors x N/20 seeds,
// each with 10 evaluations of 2 tasks, a best checkpoint and its parameter counts. The figure is
// the median of R builds, each from a new reader, plus the first one. Then what the Study page
// reads on each refresh of a study of 60 queued runs with scores (the grid and each run's score),
// the median of R.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include <unistd.h>
#include <nlohmann/json.hpp>

#include "core/store/RunStore.h"
#include "core/store/RunStoreReader.h"
#include "core/study/ResultsTable.h"
#include "core/study/StudyQueue.h"
#include "core/train/ExperimentConfig.h"
#include "core/util/Error.h"

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

void fill(const fs::path& file, int runs) {
  const auto store = hwb::RunStore::open(file);
  const hwb::PeftVariant variants[] = {
      hwb::PeftVariant::kHyperformerPP, hwb::PeftVariant::kHyperformer,
      hwb::PeftVariant::kHyperformerLayerConditioned, hwb::PeftVariant::kAdaptersSharedNorms,
      hwb::PeftVariant::kFullFinetune};
  const int64_t factors[] = {4, 8, 16, 32};
  for (int i = 0; i < runs; ++i) {
    hwb::ExperimentConfig c = hwb::ExperimentConfig::demo();
    c.peft.variant = variants[i % 5];
    c.peft.reduction_factor = factors[(i / 5) % 4];
    c.seed = static_cast<uint64_t>(i / 20);
    const int64_t run =
        store->create_run("run " + std::to_string(i), "bench", c.to_json().dump(), "cpu", "{}");
    store->set_parameters(run, R"({"backbone": 9121152, "added": 120000, "trainable": 130000,
                                   "trainable_backbone": 10000, "num_tasks": 2})");
    std::vector<hwb::MetricPoint> rows;
    for (int64_t step = 200; step <= 2000; step += 200) {
      const double a = 50 + static_cast<double>((i * 7 + step) % 40);
      const double b = 50 + static_cast<double>((i * 3 + step) % 30);
      rows.push_back({step, "sst2", "validation", "accuracy", a});
      rows.push_back({step, "sst2", "validation", "score", a});
      rows.push_back({step, "rte", "validation", "accuracy", b});
      rows.push_back({step, "rte", "validation", "score", b});
      rows.push_back({step, "", "validation", "average", (a + b) / 2});
    }
    store->add_metrics(run, rows);
    store->add_checkpoint(run, {1000, "best-" + std::to_string(i), 60.0, true, 0});
    store->set_status(run, "finished");
  }
  store->flush();
}

double build_ms(const fs::path& file, std::size_t* rows) {
  const auto start = Clock::now();
  const auto reader = hwb::RunStoreReader::open(file);
  std::vector<hwb::RunScores> scores;
  for (const hwb::RunInfo& r : reader->runs()) {
    if (r.status == "finished") scores.push_back(hwb::read_run_scores(*reader, r, "validation"));
  }
  const hwb::ResultsTable table = hwb::build_results_table(scores, "validation");
  const std::string text = hwb::results_markdown(table);
  *rows = table.rows.size();
  return ms_since(start);
}

// What the Study page reads on each refresh of a 60-run study: the study's grid (its stored spec
// expanded, its runs) and each run's best validation scores. Returns milliseconds.
double study_page_ms(const fs::path& folder) {
  const fs::path file = folder / "study60.db";
  fs::remove(file);
  hwb::ExperimentConfig base = hwb::ExperimentConfig::demo();
  base.store = file.string();
  const nlohmann::json spec_json = {
      {"study", "sixty"},
      {"base", base.to_json()},
      {"axes",
       {{{"path", "variant.reduction_factor"}, {"values", {4, 8, 16, 32}}},
        {{"path", "training.learning_rate"}, {"values", {1e-4, 3e-4, 1e-3}}},
        {{"path", "training.seed"}, {"values", {1, 2, 3, 4, 5}}}}}};
  const hwb::StudySpec spec = hwb::StudySpec::from_json(spec_json, "bench");
  const hwb::StudyState state = hwb::queue_study(spec, file);
  {
    const auto store = hwb::RunStore::open(file);
    for (const hwb::StudyEntry& e : state.entries) {
      std::vector<hwb::MetricPoint> rows;
      for (int64_t step = 200; step <= 2000; step += 200) {
        rows.push_back({step, "sst2", "validation", "score", 60.0});
        rows.push_back({step, "rte", "validation", "score", 55.0});
      }
      store->add_metrics(e.run.id, rows);
    }
  }
  const auto start = Clock::now();
  const auto reader = hwb::RunStoreReader::open(file);
  const hwb::StudyState read = hwb::read_study(file, "sixty");
  for (const hwb::StudyEntry& e : read.entries) hwb::read_run_scores(*reader, e.run, "validation");
  return ms_since(start);
}

}  // namespace

int main(int argc, char** argv) {
  std::string dir;
  int runs = 1000, repeat = 5;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--dir") {
      dir = argv[i + 1];
    } else if (flag == "--runs") {
      runs = std::max(1, std::atoi(argv[i + 1]));
    } else if (flag == "--repeat") {
      repeat = std::max(1, std::atoi(argv[i + 1]));
    } else {
      std::fprintf(stderr, "unknown option %s\n", argv[i]);
      return 2;
    }
  }
  const bool own_dir = dir.empty();
  const fs::path folder =
      own_dir ? fs::temp_directory_path() / ("bench_results_table-" + std::to_string(getpid()))
              : fs::path(dir);
  try {
    fs::create_directories(folder);
    const fs::path file = folder / "table.db";
    fs::remove(file);
    auto start = Clock::now();
    fill(file, runs);
    std::printf("store: %d finished runs written in %.0f ms\n", runs, ms_since(start));
    std::size_t rows = 0;
    const double first = build_ms(file, &rows);
    std::vector<double> times;
    for (int r = 0; r < repeat; ++r) times.push_back(build_ms(file, &rows));
    std::sort(times.begin(), times.end());
    std::printf("results table over %d runs (%zu rows): first %.0f ms, median of %d %.0f ms\n",
                runs, rows, first, repeat, times[times.size() / 2]);
    std::vector<double> page;
    for (int r = 0; r < repeat; ++r) page.push_back(study_page_ms(folder));
    std::sort(page.begin(), page.end());
    std::printf("a 60-run study as the Study page reads it on a refresh: median of %d %.0f ms\n",
                repeat, page[page.size() / 2]);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_results_table: %s\n", e.what());
    return 1;
  }
  if (own_dir) fs::remove_all(folder);
  return 0;
}
