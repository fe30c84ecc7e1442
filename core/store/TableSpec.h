#pragma once

// A stored series declared once (ARCHITECTURE.md "Adding a stored series"): the table's name, its
// columns with their SQL types and the members of the row struct they hold, and its key. The
// schema, the writer's inserts, the reader's selects, truncation on resume, deletion with a run,
// import and export are all made from this one declaration (StoreTables.h holds them).

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/store/SqliteStatement.h"

namespace hwb {

// The member of the row struct a column holds. Lists are kept as JSON text in the column.
template <typename Row>
using ColumnField = std::variant<int64_t Row::*, double Row::*, bool Row::*, std::string Row::*,
                                 std::vector<std::string> Row::*, std::vector<double> Row::*>;

template <typename Row>
struct ColumnSpec {
  std::string_view name;
  // As written in CREATE TABLE. Doubles are "REAL" without NOT NULL: SQLite keeps NaN as NULL.
  std::string_view sql_type;
  ColumnField<Row> field;
  // The key or header in exports where it differs from the column's name.
  std::string_view export_name = {};

  std::string_view exported() const { return export_name.empty() ? name : export_name; }
};

// What the SQL text is made from, without the row type.
struct TableShape {
  std::string_view name;
  std::vector<std::pair<std::string_view, std::string_view>> columns;  // name, SQL type
  std::vector<std::string_view> key;
  std::string_view order_by;

  bool has_step() const;
  // Rows kept in the order they were written, under an `id INTEGER PRIMARY KEY`.
  bool keyed_by_id() const { return key.empty(); }
};

// Every table made from a spec starts with `run_id INTEGER NOT NULL`, so that deleting, truncating
// and importing a run are the same statement for each of them.
template <typename Row>
struct TableSpec {
  std::string_view name;
  // After run_id, in the table's order (which the schema of existing stores fixes).
  std::vector<ColumnSpec<Row>> columns;
  // The primary key after run_id; a later row with the same key replaces the earlier one. Empty:
  // every row is kept, in the order written (log lines).
  std::vector<std::string_view> key;
  std::string_view order_by;  // how a run's rows are read back

  TableShape shape() const {
    TableShape shape{name, {}, key, order_by};
    for (const ColumnSpec<Row>& column : columns) {
      shape.columns.emplace_back(column.name, column.sql_type);
    }
    return shape;
  }
};

// The table (and its index) as CREATE statements, each ending in ";\n".
std::string create_table_sql(const TableShape& table);
// Parameters: ?1 the run, then the columns in table order.
std::string insert_sql(const TableShape& table);
// The columns in table order for ?1's run, ordered by order_by; `filter` ("AND step = ?2") narrows.
std::string select_sql(const TableShape& table, std::string_view filter = {});
// Parameters: ?1 the run, ?2 the step after which rows go. Only for tables with a step column.
std::string truncate_after_sql(const TableShape& table);
std::string delete_run_sql(const TableShape& table);
// From the attached store `src`: ?1 the run there, ?2 its new id here; log lines keep their order.
std::string copy_run_sql(const TableShape& table);

template <typename Row>
void bind_row(SqliteStatement& statement, const TableSpec<Row>& table, int64_t run,
              const Row& row) {
  statement.bind_int64(1, run);
  int index = 2;
  for (const ColumnSpec<Row>& column : table.columns) {
    std::visit(
        [&](auto member) {
          const auto& value = row.*member;
          using Value = std::decay_t<decltype(value)>;
          if constexpr (std::is_same_v<Value, int64_t>) {
            statement.bind_int64(index, value);
          } else if constexpr (std::is_same_v<Value, bool>) {
            statement.bind_int64(index, value ? 1 : 0);
          } else if constexpr (std::is_same_v<Value, double>) {
            statement.bind_double(index, value);
          } else if constexpr (std::is_same_v<Value, std::string>) {
            statement.bind_text(index, value);
          } else {
            // JSON writes NaN as null; reading turns null back into NaN.
            statement.bind_text(index, nlohmann::json(value).dump());
          }
        },
        column.field);
    ++index;
  }
}

// From a statement of select_sql(): column 0 is the first after run_id.
template <typename Row>
Row read_row(const SqliteStatement& statement, const TableSpec<Row>& table) {
  Row row{};
  int index = 0;
  for (const ColumnSpec<Row>& column : table.columns) {
    std::visit(
        [&](auto member) {
          auto& value = row.*member;
          using Value = std::decay_t<decltype(value)>;
          if constexpr (std::is_same_v<Value, int64_t>) {
            value = statement.column_int64(index);
          } else if constexpr (std::is_same_v<Value, bool>) {
            value = statement.column_int64(index) != 0;
          } else if constexpr (std::is_same_v<Value, double>) {
            value = statement.column_double(index);
          } else if constexpr (std::is_same_v<Value, std::string>) {
            value = statement.column_text(index);
          } else if constexpr (std::is_same_v<Value, std::vector<std::string>>) {
            value = nlohmann::json::parse(statement.column_text(index)).get<Value>();
          } else {
            for (const auto& item : nlohmann::json::parse(statement.column_text(index))) {
              value.push_back(item.is_number() ? item.get<double>()
                                               : std::numeric_limits<double>::quiet_NaN());
            }
          }
        },
        column.field);
    ++index;
  }
  return row;
}

// One row as an export object, keyed by the columns' export names; NaN dumps as null.
template <typename Row>
nlohmann::json row_json(const TableSpec<Row>& table, const Row& row) {
  nlohmann::json out = nlohmann::json::object();
  for (const ColumnSpec<Row>& column : table.columns) {
    std::visit([&](auto member) { out[std::string(column.exported())] = row.*member; },
               column.field);
  }
  return out;
}

}  // namespace hwb
