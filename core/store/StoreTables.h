#pragma once

// The stored series kept per run, each declared once (TableSpec.h; ARCHITECTURE.md "Adding a
// stored series"). Scalars are not among them: a curve is keyed by its series and summarised
// (StoreSchema.h), which RunStore and RunStoreReader handle themselves.
//
// Column order, types and keys are those of the released schema (DESIGN.md "The run store"):
// changing them changes the file format, which takes a migration in StoreSchema.cpp.

#include "core/store/StoreTypes.h"
#include "core/store/TableSpec.h"

namespace hwb {

inline const TableSpec<MetricPoint> kMetricsTable{
    .name = "metrics",
    .columns = {{"task", "TEXT NOT NULL", &MetricPoint::task},
                {"split", "TEXT NOT NULL", &MetricPoint::split},
                {"metric", "TEXT NOT NULL", &MetricPoint::metric},
                {"step", "INTEGER NOT NULL", &MetricPoint::step},
                {"value", "REAL", &MetricPoint::value}},
    .key = {"task", "split", "metric", "step"},
    .order_by = "task, split, metric, step",
};

inline const TableSpec<WeightStat> kWeightStatsTable{
    .name = "weight_stats",
    .columns = {{"step", "INTEGER NOT NULL", &WeightStat::step},
                {"task", "TEXT NOT NULL", &WeightStat::task},
                {"stack", "TEXT NOT NULL", &WeightStat::stack},
                {"layer", "INTEGER NOT NULL", &WeightStat::layer},
                {"position", "TEXT NOT NULL", &WeightStat::position},
                {"statistic", "TEXT NOT NULL", &WeightStat::statistic},
                {"value", "REAL", &WeightStat::value}},
    .key = {"step", "task", "stack", "layer", "position", "statistic"},
    .order_by = "step, task, stack, layer, position, statistic",
};

inline const TableSpec<SimilarityMatrix> kSimilarityTable{
    .name = "similarity",
    .columns = {{"step", "INTEGER NOT NULL", &SimilarityMatrix::step},
                {"kind", "TEXT NOT NULL", &SimilarityMatrix::kind},
                {"tasks_json", "TEXT NOT NULL", &SimilarityMatrix::tasks, "tasks"},
                {"values_json", "TEXT NOT NULL", &SimilarityMatrix::values, "values"}},
    .key = {"step", "kind"},
    .order_by = "step, kind",
};

inline const TableSpec<CheckpointInfo> kCheckpointsTable{
    .name = "checkpoints",
    .columns = {{"path", "TEXT NOT NULL", &CheckpointInfo::path},
                {"step", "INTEGER NOT NULL", &CheckpointInfo::step},
                {"score", "REAL", &CheckpointInfo::score},
                {"best", "INTEGER NOT NULL", &CheckpointInfo::best},
                {"created_at_ms", "INTEGER NOT NULL", &CheckpointInfo::created_at_ms}},
    .key = {"path"},
    .order_by = "step, path",
};

inline const TableSpec<Prediction> kPredictionsTable{
    .name = "predictions",
    .columns = {{"task", "TEXT NOT NULL", &Prediction::task},
                {"split", "TEXT NOT NULL", &Prediction::split},
                {"idx", "INTEGER NOT NULL", &Prediction::index, "index"},
                {"step", "INTEGER NOT NULL", &Prediction::step},
                {"input", "TEXT NOT NULL", &Prediction::input},
                {"target", "TEXT NOT NULL", &Prediction::target},
                {"prediction", "TEXT NOT NULL", &Prediction::prediction}},
    .key = {"task", "split", "idx"},
    .order_by = "task, split, idx",
};

// No key: every log line is kept, in the order logged.
inline const TableSpec<EventRow> kEventsTable{
    .name = "events",
    .columns = {{"wall_ms", "INTEGER NOT NULL", &EventRow::wall_ms},
                {"level", "TEXT NOT NULL", &EventRow::level},
                {"message", "TEXT NOT NULL", &EventRow::message}},
    .key = {},
    .order_by = "id",
};

// Calls `visit` with each table above, in the order exports list them. The schema, truncation on
// resume, deletion with a run, import and export walk this list; a new series joins it here.
template <typename Visit>
void for_each_run_table(Visit&& visit) {
  visit(kMetricsTable);
  visit(kWeightStatsTable);
  visit(kSimilarityTable);
  visit(kCheckpointsTable);
  visit(kPredictionsTable);
  visit(kEventsTable);
}

}  // namespace hwb
