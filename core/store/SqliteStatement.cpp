#include "core/store/SqliteStatement.h"

#include <sqlite3.h>

#include <cmath>
#include <limits>
#include <utility>

#include "core/store/SqliteDatabase.h"

namespace hwb {

SqliteStatement::SqliteStatement(SqliteDatabase& db, std::string_view sql) : db_(&db) {
  const int rc = sqlite3_prepare_v3(db.handle(), sql.data(), static_cast<int>(sql.size()),
                                    SQLITE_PREPARE_PERSISTENT, &statement_, nullptr);
  if (rc != SQLITE_OK) {
    finalize();
    db.fail(rc, "preparing `" + std::string(sql.substr(0, 60)) + "`");
  }
}

SqliteStatement::~SqliteStatement() {
  finalize();
}

SqliteStatement::SqliteStatement(SqliteStatement&& other) noexcept
    : db_(other.db_), statement_(std::exchange(other.statement_, nullptr)) {}

SqliteStatement& SqliteStatement::operator=(SqliteStatement&& other) noexcept {
  if (this != &other) {
    finalize();
    db_ = other.db_;
    statement_ = std::exchange(other.statement_, nullptr);
  }
  return *this;
}

void SqliteStatement::finalize() noexcept {
  if (statement_) sqlite3_finalize(statement_);
  statement_ = nullptr;
}

std::string SqliteStatement::action() const {
  std::string sql = sqlite3_sql(statement_);
  if (sql.size() > 60) {
    sql.resize(60);
    sql.append("...");
  }
  for (char& c : sql) {
    if (c == '\n') c = ' ';
  }
  return "running `" + sql + "`";
}

SqliteStatement& SqliteStatement::bind_int64(int index, int64_t value) {
  db_->check(sqlite3_bind_int64(statement_, index, value), "binding a value");
  return *this;
}

SqliteStatement& SqliteStatement::bind_double(int index, double value) {
  db_->check(std::isnan(value) ? sqlite3_bind_null(statement_, index)
                               : sqlite3_bind_double(statement_, index, value),
             "binding a value");
  return *this;
}

SqliteStatement& SqliteStatement::bind_text(int index, std::string_view value) {
  // SQLITE_TRANSIENT: callers bind temporaries.
  db_->check(sqlite3_bind_text(statement_, index, value.data(), static_cast<int>(value.size()),
                               SQLITE_TRANSIENT),
             "binding a value");
  return *this;
}

SqliteStatement& SqliteStatement::bind_blob(int index, const void* data, std::size_t size) {
  db_->check(sqlite3_bind_blob64(statement_, index, data, static_cast<sqlite3_uint64>(size),
                                 SQLITE_TRANSIENT),
             "binding a value");
  return *this;
}

SqliteStatement& SqliteStatement::bind_null(int index) {
  db_->check(sqlite3_bind_null(statement_, index), "binding a value");
  return *this;
}

bool SqliteStatement::step() {
  const int rc = sqlite3_step(statement_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  try {
    db_->fail(rc, action());
  } catch (...) {
    // After the message is taken: a reset rewrites the connection's error state.
    sqlite3_reset(statement_);
    throw;
  }
}

void SqliteStatement::run() {
  while (step()) {
  }
  reset();
}

SqliteStatement& SqliteStatement::reset() {
  sqlite3_reset(statement_);
  return *this;
}

bool SqliteStatement::column_is_null(int index) const {
  return sqlite3_column_type(statement_, index) == SQLITE_NULL;
}

int64_t SqliteStatement::column_int64(int index) const {
  return sqlite3_column_int64(statement_, index);
}

double SqliteStatement::column_double(int index) const {
  if (column_is_null(index)) return std::numeric_limits<double>::quiet_NaN();
  return sqlite3_column_double(statement_, index);
}

std::string SqliteStatement::column_text(int index) const {
  const auto* text = sqlite3_column_text(statement_, index);
  if (!text) return {};
  return std::string(reinterpret_cast<const char*>(text),
                     static_cast<std::size_t>(sqlite3_column_bytes(statement_, index)));
}

}  // namespace hwb
