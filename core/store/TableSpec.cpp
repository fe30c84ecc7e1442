#include "core/store/TableSpec.h"

#include <algorithm>

namespace hwb {

namespace {

std::string column_list(const TableShape& table, std::string_view prefix = {}) {
  std::string out;
  for (const auto& [name, type] : table.columns) {
    if (!out.empty()) out += ", ";
    out += prefix;
    out += name;
  }
  return out;
}

}  // namespace

bool TableShape::has_step() const {
  return std::any_of(columns.begin(), columns.end(),
                     [](const auto& column) { return column.first == "step"; });
}

// The layout is that of the version 1 schema (StoreSchema.cpp), line for line: a store made from
// the declarations and one upgraded from version 1 hold the same text in sqlite_master.
std::string create_table_sql(const TableShape& table) {
  std::string sql = "CREATE TABLE " + std::string(table.name) + " (\n";
  if (table.keyed_by_id()) sql += "  id INTEGER PRIMARY KEY,\n";
  sql += "  run_id INTEGER NOT NULL";
  for (const auto& [name, type] : table.columns) {
    sql += ",\n  " + std::string(name) + " " + std::string(type);
  }
  if (table.keyed_by_id()) {
    sql += "\n);\nCREATE INDEX " + std::string(table.name) + "_by_run ON " +
           std::string(table.name) + " (run_id, id);\n";
    return sql;
  }
  sql += ",\n  PRIMARY KEY (run_id";
  for (std::string_view column : table.key) sql += ", " + std::string(column);
  // WITHOUT ROWID: the table is its key's b-tree, so one run's rows are one contiguous range.
  sql += ")\n) WITHOUT ROWID;\n";
  return sql;
}

std::string insert_sql(const TableShape& table) {
  std::string values = "?1";
  for (std::size_t i = 0; i < table.columns.size(); ++i) values += ", ?" + std::to_string(i + 2);
  // Log lines have no key to collide on: every one is kept.
  const std::string verb = table.keyed_by_id() ? "INSERT INTO " : "INSERT OR REPLACE INTO ";
  return verb + std::string(table.name) + " (run_id, " + column_list(table) + ") VALUES (" +
         values + ")";
}

std::string select_sql(const TableShape& table, std::string_view filter) {
  std::string sql =
      "SELECT " + column_list(table) + " FROM " + std::string(table.name) + " WHERE run_id = ?1";
  if (!filter.empty()) sql += " " + std::string(filter);
  return sql + " ORDER BY " + std::string(table.order_by);
}

std::string truncate_after_sql(const TableShape& table) {
  return "DELETE FROM " + std::string(table.name) + " WHERE run_id = ?1 AND step > ?2";
}

std::string delete_run_sql(const TableShape& table) {
  return "DELETE FROM " + std::string(table.name) + " WHERE run_id = ?1";
}

std::string copy_run_sql(const TableShape& table) {
  const std::string columns = column_list(table);
  return "INSERT INTO main." + std::string(table.name) + " (run_id, " + columns + ") SELECT ?2, " +
         columns + " FROM src." + std::string(table.name) + " WHERE run_id = ?1" +
         (table.keyed_by_id() ? " ORDER BY id" : "");
}

}  // namespace hwb
