#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/store/StoreTypes.h"
#include "core/train/ExperimentConfig.h"

namespace hwb {

class RunStoreReader;

// A run's scores on one split, as the results table reads them.
struct RunScores {
  RunInfo info;
  ExperimentConfig config;
  std::map<std::string, double> task_scores;  // task -> score (the mean of its metrics), percent
  std::map<std::string, std::string> task_metrics;  // task -> "accuracy", "f1/accuracy", ...
  int64_t step = 0;                                 // the evaluation the scores are from
  // ParameterReport's counts (0 when the run never built its model).
  int64_t backbone = 0, added = 0, trainable = 0, trainable_backbone = 0, num_tasks = 0;
};

// The scores of a stored run: on "validation", its best evaluation (the best checkpoint's step;
// the last evaluation when it has none); on "test", its latest test-split evaluation. A run
// without any evaluation of that split has no task scores.
RunScores read_run_scores(const RunStoreReader& reader, const RunInfo& run,
                          const std::string& split);

// Mean and spread over the replicates (seeds) of a row: the sample standard deviation, with
// n - 1; NaN for a spread of one value and for a cell no replicate has.
struct SeedSummary {
  double mean = 0;
  double spread = 0;
  int count = 0;
};
SeedSummary summarise(const std::vector<double>& values);

// One row of the paper's Table 1: runs that differ only by seed (and, for single-task methods,
// by task) summarised over their seeds.
struct ResultsRow {
  std::string method;            // the variant, and the settings that tell this row from others
  std::vector<int64_t> runs;     // the runs behind it, by id
  int replicates = 0;            // seeds
  int64_t total_parameters = 0;  // every model the row needs (a single-task method: N of them)
  double total_relative = 0;     // of the backbone's parameters
  double trained_per_task = 0;   // trained parameters / tasks
  double trained_per_task_percent = 0;  // of the backbone's parameters
  std::vector<SeedSummary> tasks;       // per column of ResultsTable::tasks
  SeedSummary average;                  // of replicates that have every task of the row
};

struct ResultsTable {
  std::string split;
  std::vector<std::string> tasks;         // columns, in order of first appearance
  std::vector<std::string> task_metrics;  // per column: "accuracy", "f1/accuracy", ...
  std::vector<ResultsRow> rows;
  std::vector<std::string> notes;  // runs left out and why
};

// Which runs make one row (docs/STUDIES.md "The results table"): configs equal once seeds, names
// and where-it-ran settings are set aside (and a single-task config's task list). For each config
// its group, in order of first appearance; for each group its name: the variant, and the settings
// that tell it from the other groups ("Hyperformer++ (reduction_factor 16)").
struct RunGrouping {
  std::vector<std::size_t> group_of;
  std::vector<std::string> names;
};
RunGrouping group_runs(const std::vector<ExperimentConfig>& configs);

// Groups the runs (group_runs): runs whose configs are equal once seeds,
// names and where-it-ran settings (device, store, folders, graphs, logging) are set aside form a
// row; a single-task config's runs with the same seeds form one replicate whose tasks are theirs
// together. Runs without scores are left out with a note.
ResultsTable build_results_table(const std::vector<RunScores>& runs, const std::string& split);

// The table over stored runs, each with the reader of its store (Compare mixes stores): finished
// runs are read with read_run_scores; the others, and runs whose config cannot be read, are left
// out with a note.
ResultsTable results_table_of(const std::vector<std::pair<const RunStoreReader*, RunInfo>>& runs,
                              const std::string& split);

// The table as cells of text, the header first, as Markdown shows them (what the workbench
// displays).
std::vector<std::vector<std::string>> results_cells(const ResultsTable& table);
// The table as text: Markdown (a pipe table), LaTeX (booktabs) or CSV (every number unrounded).
std::string results_markdown(const ResultsTable& table);
std::string results_latex(const ResultsTable& table);
std::string results_csv(const ResultsTable& table);

}  // namespace hwb
