#pragma once

#include <cstdint>
#include <string>
#include <string_view>

struct sqlite3_stmt;

namespace hwb {

class SqliteDatabase;

// One prepared statement, finalised on destruction. Prepare once, then bind / step / reset per
// row: the writer's batches reuse their statements for every row. Parameters count from 1,
// columns from 0, as in SQLite.
class SqliteStatement {
 public:
  SqliteStatement(SqliteDatabase& db, std::string_view sql);
  ~SqliteStatement();
  SqliteStatement(SqliteStatement&& other) noexcept;
  SqliteStatement& operator=(SqliteStatement&& other) noexcept;
  SqliteStatement(const SqliteStatement&) = delete;
  SqliteStatement& operator=(const SqliteStatement&) = delete;

  SqliteStatement& bind_int64(int index, int64_t value);
  // NaN is stored as NULL (SQLite has no NaN) and read back as NaN by column_double.
  SqliteStatement& bind_double(int index, double value);
  SqliteStatement& bind_text(int index, std::string_view value);
  SqliteStatement& bind_blob(int index, const void* data, std::size_t size);
  SqliteStatement& bind_null(int index);

  // Advances to the next row: true while there is one. Throws hwb::Error on failure, after which
  // the statement is reset and can be used again.
  bool step();
  // Steps a statement that returns no rows, then resets it for the next use.
  void run();
  // Ready to step again from the start; bound values stay.
  SqliteStatement& reset();

  bool column_is_null(int index) const;
  int64_t column_int64(int index) const;
  double column_double(int index) const;  // NULL reads as NaN
  std::string column_text(int index) const;

 private:
  void finalize() noexcept;
  std::string action() const;

  SqliteDatabase* db_ = nullptr;
  sqlite3_stmt* statement_ = nullptr;
};

}  // namespace hwb
