#include "core/store/RunExport.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/store/RunStore.h"
#include "core/store/RunStoreReader.h"
#include "core/store/SqliteDatabase.h"
#include "core/store/SqliteStatement.h"
#include "core/store/SqliteTransaction.h"
#include "core/store/StoreSchema.h"
#include "core/util/AtomicFileWriter.h"
#include "core/util/Error.h"

namespace hwb {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

RunInfo require_run(const RunStoreReader& reader, int64_t run) {
  auto info = reader.run(run);
  if (!info) {
    throw Error("run store " + reader.file().string() + ": no run with id " + std::to_string(run) +
                " to export");
  }
  return *info;
}

// Shortest text that reads back as the same double.
void append_number(std::string& out, double value, std::string_view not_finite) {
  if (!std::isfinite(value) && not_finite == "null") {
    out += not_finite;
    return;
  }
  char buffer[32];
  const auto result = std::to_chars(buffer, buffer + sizeof(buffer), value);
  out.append(buffer, result.ptr);
}

// The stored text as JSON when it is JSON, else as a string (a config written by hand).
json parse_or_text(const std::string& text) {
  if (text.empty()) return nullptr;
  json parsed = json::parse(text, nullptr, false);
  return parsed.is_discarded() ? json(text) : parsed;
}

json run_json(const RunInfo& run) {
  return json{{"id", run.id},
              {"name", run.name},
              {"experiment", run.experiment},
              {"status", run.status},
              {"device", run.device},
              {"started_at_ms", run.started_at_ms},
              {"ended_at_ms", run.ended_at_ms},
              {"last_step", run.last_step},
              {"message", run.message},
              {"origin", run.origin},
              {"host", run.host},
              {"pid", run.pid},
              {"heartbeat_ms", run.heartbeat_ms}};
}

// Section of one row per line: readable, and diff-able between runs.
void append_rows(std::string& out, std::string_view key, const std::vector<json>& rows) {
  out += ",\n\"";
  out += key;
  out += "\": [";
  for (std::size_t i = 0; i < rows.size(); ++i) {
    out += i == 0 ? "\n  " : ",\n  ";
    out += rows[i].dump();
  }
  out += rows.empty() ? "]" : "\n]";
}

void append_csv_field(std::string& out, std::string_view field) {
  if (field.find_first_of(",\"\r\n") == std::string_view::npos) {
    out += field;
    return;
  }
  out += '"';
  for (char c : field) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

// One CSV line from text fields and numbers, in order.
class CsvLine {
 public:
  explicit CsvLine(std::string& out) : out_(out) {}
  ~CsvLine() { out_ += '\n'; }
  CsvLine& text(std::string_view field) {
    separate();
    append_csv_field(out_, field);
    return *this;
  }
  CsvLine& number(double value) {
    separate();
    append_number(out_, value, "nan");
    return *this;
  }
  CsvLine& integer(int64_t value) {
    separate();
    out_ += std::to_string(value);
    return *this;
  }

 private:
  void separate() {
    if (!first_) out_ += ',';
    first_ = false;
  }
  std::string& out_;
  bool first_ = true;
};

void write_file(const fs::path& file, std::string_view text) {
  AtomicFileWriter writer(file);
  writer.write(text);
  writer.commit();
}

// SQLite URI for ATTACH: everything but unreserved characters and '/' percent-encoded.
std::string read_only_uri(const fs::path& file) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string uri = "file:";
  for (unsigned char c : file.string()) {
    if (std::isalnum(c) || c == '/' || c == '-' || c == '_' || c == '.' || c == '~') {
      uri += static_cast<char>(c);
    } else {
      uri += '%';
      uri += kHex[c >> 4];
      uri += kHex[c & 15];
    }
  }
  return uri + "?mode=ro";
}

}  // namespace

void export_run_json(const RunStoreReader& reader, int64_t run, const fs::path& file) {
  const RunInfo info = require_run(reader, run);
  std::string out = "{\n\"format\": \"hyperformer-workbench-run\",\n\"format_version\": 1,\n";
  out += "\"run\": " + run_json(info).dump();
  out += ",\n\"config\": " + parse_or_text(info.config_json).dump();
  out += ",\n\"versions\": " + parse_or_text(info.versions_json).dump();
  if (!info.parameters_json.empty()) {
    out += ",\n\"parameters\": " + parse_or_text(info.parameters_json).dump();
  }

  // Columns rather than one object per point: a million points stay a few tens of MB.
  out += ",\n\"scalars\": {";
  bool first_tag = true;
  for (const std::string& tag : reader.scalar_tags(run)) {
    const auto points = reader.scalar_series(run, tag);
    out += first_tag ? "\n  " : ",\n  ";
    first_tag = false;
    out += json(tag).dump() + ": {\"step\": [";
    for (std::size_t i = 0; i < points.size(); ++i) {
      if (i) out += ',';
      out += std::to_string(points[i].step);
    }
    out += "], \"wall_time\": [";
    for (std::size_t i = 0; i < points.size(); ++i) {
      if (i) out += ',';
      append_number(out, points[i].wall_time, "null");
    }
    out += "], \"value\": [";
    for (std::size_t i = 0; i < points.size(); ++i) {
      if (i) out += ',';
      append_number(out, points[i].value, "null");
    }
    out += "]}";
  }
  out += first_tag ? "}" : "\n}";

  std::vector<json> rows;
  for (const MetricPoint& m : reader.metric_series(run)) {
    rows.push_back({{"step", m.step},
                    {"task", m.task},
                    {"split", m.split},
                    {"metric", m.metric},
                    {"value", m.value}});
  }
  append_rows(out, "metrics", rows);
  rows.clear();
  for (int64_t step : reader.weight_stat_steps(run)) {
    for (const WeightStat& w : reader.weight_stats(run, step)) {
      rows.push_back({{"step", w.step},
                      {"task", w.task},
                      {"stack", w.stack},
                      {"layer", w.layer},
                      {"position", w.position},
                      {"statistic", w.statistic},
                      {"value", w.value}});
    }
  }
  append_rows(out, "weight_stats", rows);
  rows.clear();
  for (int64_t step : reader.similarity_steps(run)) {
    for (const SimilarityMatrix& m : reader.similarity(run, step)) {
      rows.push_back(
          {{"step", m.step}, {"kind", m.kind}, {"tasks", m.tasks}, {"values", m.values}});
    }
  }
  append_rows(out, "similarity", rows);
  rows.clear();
  for (const CheckpointInfo& c : reader.checkpoints(run)) {
    rows.push_back({{"step", c.step},
                    {"path", c.path},
                    {"score", c.score},
                    {"best", c.best},
                    {"created_at_ms", c.created_at_ms}});
  }
  append_rows(out, "checkpoints", rows);
  rows.clear();
  for (const Prediction& p : reader.predictions(run)) {
    rows.push_back({{"step", p.step},
                    {"task", p.task},
                    {"split", p.split},
                    {"index", p.index},
                    {"input", p.input},
                    {"target", p.target},
                    {"prediction", p.prediction}});
  }
  append_rows(out, "predictions", rows);
  rows.clear();
  for (const EventRow& e : reader.events(run)) {
    rows.push_back({{"wall_ms", e.wall_ms}, {"level", e.level}, {"message", e.message}});
  }
  append_rows(out, "events", rows);
  out += "\n}\n";
  write_file(file, out);
}

void export_run_csv(const RunStoreReader& reader, int64_t run, const fs::path& folder) {
  const RunInfo info = require_run(reader, run);
  std::error_code ec;
  fs::create_directories(folder, ec);
  if (ec) {
    throw Error("cannot create the export folder " + folder.string() + " (" + ec.message() +
                "); choose a writable folder");
  }

  std::string out = "tag,step,wall_time,value\n";
  for (const std::string& tag : reader.scalar_tags(run)) {
    for (const ScalarPoint& p : reader.scalar_series(run, tag)) {
      CsvLine(out).text(tag).integer(p.step).number(p.wall_time).number(p.value);
    }
  }
  write_file(folder / "scalars.csv", out);

  out = "step,task,split,metric,value\n";
  for (const MetricPoint& m : reader.metric_series(run)) {
    CsvLine(out).integer(m.step).text(m.task).text(m.split).text(m.metric).number(m.value);
  }
  write_file(folder / "metrics.csv", out);

  out = "step,task,stack,layer,position,statistic,value\n";
  for (int64_t step : reader.weight_stat_steps(run)) {
    for (const WeightStat& w : reader.weight_stats(run, step)) {
      CsvLine(out)
          .integer(w.step)
          .text(w.task)
          .text(w.stack)
          .integer(w.layer)
          .text(w.position)
          .text(w.statistic)
          .number(w.value);
    }
  }
  write_file(folder / "weight_stats.csv", out);

  out = "step,task,split,index,input,target,prediction\n";
  for (const Prediction& p : reader.predictions(run)) {
    CsvLine(out)
        .integer(p.step)
        .text(p.task)
        .text(p.split)
        .integer(p.index)
        .text(p.input)
        .text(p.target)
        .text(p.prediction);
  }
  write_file(folder / "predictions.csv", out);

  out = "step,kind,row_task,column_task,value\n";
  for (int64_t step : reader.similarity_steps(run)) {
    for (const SimilarityMatrix& m : reader.similarity(run, step)) {
      for (std::size_t r = 0; r < m.tasks.size(); ++r) {
        for (std::size_t c = 0; c < m.tasks.size(); ++c) {
          CsvLine(out)
              .integer(m.step)
              .text(m.kind)
              .text(m.tasks[r])
              .text(m.tasks[c])
              .number(m.values[r * m.tasks.size() + c]);
        }
      }
    }
  }
  write_file(folder / "similarity.csv", out);

  out = "step,path,score,best,created_at_ms\n";
  for (const CheckpointInfo& c : reader.checkpoints(run)) {
    CsvLine(out)
        .integer(c.step)
        .text(c.path)
        .number(c.score)
        .integer(c.best ? 1 : 0)
        .integer(c.created_at_ms);
  }
  write_file(folder / "checkpoints.csv", out);

  out = "wall_ms,level,message\n";
  for (const EventRow& e : reader.events(run)) {
    CsvLine(out).integer(e.wall_ms).text(e.level).text(e.message);
  }
  write_file(folder / "events.csv", out);

  write_file(folder / "config.json", parse_or_text(info.config_json).dump(2) + "\n");
  json run_row = run_json(info);
  run_row["versions"] = parse_or_text(info.versions_json);
  if (!info.parameters_json.empty()) run_row["parameters"] = parse_or_text(info.parameters_json);
  write_file(folder / "run.json", run_row.dump(2) + "\n");
}

std::vector<int64_t> import_store(const fs::path& target, const fs::path& source) {
  std::error_code ec;
  const fs::path source_path = fs::weakly_canonical(fs::absolute(source), ec);
  if (!fs::is_regular_file(source_path, ec)) {
    throw Error("import: no store file at " + source.string() + "; choose a .db run store file");
  }
  if (fs::exists(target, ec) && fs::equivalent(source_path, target, ec)) {
    throw Error("import: " + source.string() +
                " is the store it would be imported into; choose another file");
  }
  {
    // Checked on a connection of its own, with the reader's messages (newer schema, foreign
    // file), before anything is written to the target.
    SqliteDatabase check(source_path, SqliteDatabase::Mode::ReadOnly);
    check.set_busy_timeout(std::chrono::milliseconds(5000));
    try {
      check_store_version(check);
    } catch (const Error& e) {
      throw Error(std::string("import refused: ") + e.what());
    }
  }
  // Creates or upgrades the target and settles runs of dead writers, like any writer.
  RunStore::open(target).reset();

  SqliteDatabase db(target, SqliteDatabase::Mode::ReadWriteCreate);
  db.set_busy_timeout(std::chrono::milliseconds(5000));
  {
    SqliteStatement attach(db, "ATTACH DATABASE ?1 AS src");
    attach.bind_text(1, read_only_uri(source_path)).run();
  }

  std::vector<int64_t> new_ids;
  {
    SqliteTransaction transaction(db, SqliteTransaction::Kind::Write);
    std::vector<int64_t> old_ids;
    {
      SqliteStatement q(db, "SELECT id FROM src.runs ORDER BY id");
      while (q.step()) old_ids.push_back(q.column_int64(0));
    }
    SqliteStatement add_experiment(
        db,
        "INSERT OR IGNORE INTO main.experiments (name, created_at_ms) SELECT e.name, "
        "e.created_at_ms FROM src.experiments e JOIN src.runs r ON r.experiment_id = e.id "
        "WHERE r.id = ?1");
    SqliteStatement add_run(
        db,
        "INSERT INTO main.runs (experiment_id, name, status, config_json, device, versions_json, "
        "started_at_ms, ended_at_ms, last_step, message, origin, host, pid, heartbeat_ms, "
        "parameters_json) "
        "SELECT (SELECT m.id FROM main.experiments m JOIN src.experiments e ON e.name = m.name "
        "WHERE e.id = r.experiment_id), r.name, r.status, r.config_json, r.device, "
        "r.versions_json, r.started_at_ms, r.ended_at_ms, r.last_step, r.message, ?2, r.host, "
        "r.pid, r.heartbeat_ms, r.parameters_json FROM src.runs r WHERE r.id = ?1");
    SqliteStatement old_series(db, "SELECT id, tag FROM src.series WHERE run_id = ?1 ORDER BY id");
    SqliteStatement add_series(db, "INSERT INTO main.series (run_id, tag) VALUES (?1, ?2)");
    SqliteStatement copy_scalars(db,
                                 "INSERT INTO main.scalars (series_id, step, wall_time, value) "
                                 "SELECT ?2, step, wall_time, value FROM src.scalars "
                                 "WHERE series_id = ?1");
    SqliteStatement copy_summaries(
        db,
        "INSERT INTO main.scalar_summaries (series_id, level, block, min_step, min_wall, "
        "min_value, max_step, max_wall, max_value) SELECT ?2, level, block, min_step, min_wall, "
        "min_value, max_step, max_wall, max_value FROM src.scalar_summaries WHERE series_id = ?1");
    // Tables keyed by run: every column but run_id (and events' own id) copied as is.
    constexpr std::pair<const char*, const char*> kRunTables[] = {
        {"metrics", "task, split, metric, step, value"},
        {"weight_stats", "step, task, stack, layer, position, statistic, value"},
        {"similarity", "step, kind, tasks_json, values_json"},
        {"checkpoints", "path, step, score, best, created_at_ms"},
        {"predictions", "task, split, idx, step, input, target, prediction"},
        {"events", "wall_ms, level, message"},
    };
    std::vector<SqliteStatement> copy_rows;
    for (const auto& [table, columns] : kRunTables) {
      const std::string order = std::string(table) == "events" ? " ORDER BY id" : "";
      copy_rows.emplace_back(db, std::string("INSERT INTO main.") + table + " (run_id, " + columns +
                                     ") SELECT ?2, " + columns + " FROM src." + table +
                                     " WHERE run_id = ?1" + order);
    }

    for (int64_t old_id : old_ids) {
      add_experiment.reset().bind_int64(1, old_id).run();
      add_run.reset().bind_int64(1, old_id).bind_text(2, source_path.string()).run();
      const int64_t new_id = db.last_insert_rowid();
      std::vector<std::pair<int64_t, std::string>> series;
      old_series.reset().bind_int64(1, old_id);
      while (old_series.step())
        series.emplace_back(old_series.column_int64(0), old_series.column_text(1));
      for (const auto& [old_series_id, tag] : series) {
        add_series.reset().bind_int64(1, new_id).bind_text(2, tag).run();
        const int64_t new_series_id = db.last_insert_rowid();
        copy_scalars.reset().bind_int64(1, old_series_id).bind_int64(2, new_series_id).run();
        copy_summaries.reset().bind_int64(1, old_series_id).bind_int64(2, new_series_id).run();
      }
      for (SqliteStatement& copy : copy_rows) {
        copy.reset().bind_int64(1, old_id).bind_int64(2, new_id).run();
      }
      new_ids.push_back(new_id);
    }
    transaction.commit();
  }
  db.exec("DETACH DATABASE src");
  return new_ids;
}

}  // namespace hwb
