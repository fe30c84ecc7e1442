#pragma once

// Rows of the run store (DESIGN.md "The run store"), as the trainer writes them and the UI reads
// them back. Plain values: they cross threads and are copied freely.

#include <cstdint>
#include <string>
#include <vector>

namespace hwb {

struct RunInfo {
  int64_t id = 0;
  std::string name;
  std::string experiment;
  // "queued", "running", "paused", "finished", "stopped", "failed", "interrupted". A run whose
  // writer died (SIGKILL, power loss) reads as "interrupted" even before anything rewrites it.
  std::string status;
  std::string config_json;  // the ExperimentConfig, verbatim
  std::string device;
  std::string versions_json;
  std::string parameters_json;  // ParameterReport::to_json() once the model is built, else empty
  int64_t started_at_ms = 0;    // Unix epoch milliseconds
  int64_t ended_at_ms = 0;      // 0 while the run is live
  int64_t last_step = 0;
  std::string message;  // failure reason etc
  std::string origin;   // store file it was imported from, empty if local
  // The writer's host and process, and when it last said it was alive: how a dead writer is told
  // from a live one.
  std::string host;
  int64_t pid = 0;
  int64_t heartbeat_ms = 0;
  // The study the run belongs to (0: none) and its cell there (its place in the expansion).
  int64_t study_id = 0;
  int64_t study_cell = -1;
};

// A study as stored: its name (unique in the store) and its expanded spec, verbatim.
struct StudyInfo {
  int64_t id = 0;
  std::string name;
  std::string spec_json;
  int64_t created_at_ms = 0;
};

struct ScalarPoint {
  int64_t step;
  double wall_time;  // seconds, as the trainer reports it
  double value;      // NaN survives the round trip (a diverged loss)
};

struct MetricPoint {
  int64_t step;
  std::string task;
  std::string split;
  std::string metric;
  double value;
};

struct WeightStat {
  int64_t step;
  std::string task;
  std::string stack;  // "encoder" | "decoder"
  int64_t layer;
  std::string position;   // where the adapter sits (METHOD.md section 2)
  std::string statistic;  // "norm", "mean", ...
  double value;
};

struct SimilarityMatrix {
  int64_t step;
  std::string kind;  // "raw" | "projected"
  std::vector<std::string> tasks;
  std::vector<double> values;  // row-major tasks x tasks
};

struct CheckpointInfo {
  int64_t step;
  std::string path;
  double score;
  bool best;  // at most one per run: adding a best checkpoint clears the flag on the others
  int64_t created_at_ms;
};

struct Prediction {
  int64_t step;
  std::string task;
  std::string split;
  int64_t index;
  std::string input;
  std::string target;
  std::string prediction;
};

struct EventRow {
  int64_t wall_ms;
  std::string level;
  std::string message;
};

}  // namespace hwb
