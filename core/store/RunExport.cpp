#include "core/store/RunExport.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>

#include <nlohmann/json.hpp>

#include "core/store/RunStore.h"
#include "core/store/RunStoreReader.h"
#include "core/store/SqliteDatabase.h"
#include "core/store/SqliteStatement.h"
#include "core/store/SqliteTransaction.h"
#include "core/store/StoreSchema.h"
#include "core/store/StoreTables.h"
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

// The step first, then the other columns in table order, headed by their export names.
template <typename Row>
std::string table_csv(const TableSpec<Row>& table, const std::vector<Row>& rows) {
  std::vector<const ColumnSpec<Row>*> columns;
  for (const ColumnSpec<Row>& column : table.columns) {
    if (column.name == "step") {
      columns.insert(columns.begin(), &column);
    } else {
      columns.push_back(&column);
    }
  }
  std::string out;
  for (const ColumnSpec<Row>* column : columns) {
    if (!out.empty()) out += ',';
    out += column->exported();
  }
  out += '\n';
  for (const Row& row : rows) {
    CsvLine line(out);
    for (const ColumnSpec<Row>* column : columns) {
      std::visit(
          [&](auto member) {
            const auto& value = row.*member;
            using Value = std::decay_t<decltype(value)>;
            if constexpr (std::is_same_v<Value, int64_t>) {
              line.integer(value);
            } else if constexpr (std::is_same_v<Value, bool>) {
              line.integer(value ? 1 : 0);
            } else if constexpr (std::is_same_v<Value, double>) {
              line.number(value);
            } else if constexpr (std::is_same_v<Value, std::string>) {
              line.text(value);
            } else {
              line.text(json(value).dump());
            }
          },
          column->field);
    }
  }
  return out;
}

// A matrix is one line per cell, so that a spreadsheet can pivot it.
std::string table_csv(const TableSpec<SimilarityMatrix>&,
                      const std::vector<SimilarityMatrix>& matrices) {
  std::string out = "step,kind,row_task,column_task,value\n";
  for (const SimilarityMatrix& m : matrices) {
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
  return out;
}

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

  for_each_run_table([&](const auto& table) {
    std::vector<json> rows;
    for (const auto& row : reader.rows(table, run)) rows.push_back(row_json(table, row));
    append_rows(out, table.name, rows);
  });
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

  for_each_run_table([&](const auto& table) {
    write_file(folder / (std::string(table.name) + ".csv"),
               table_csv(table, reader.rows(table, run)));
  });

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
    // Tables keyed by run: every column but run_id (and the log's own id) copied as is.
    std::vector<SqliteStatement> copy_rows;
    for_each_run_table(
        [&](const auto& table) { copy_rows.emplace_back(db, copy_run_sql(table.shape())); });

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
