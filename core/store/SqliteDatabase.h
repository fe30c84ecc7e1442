#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

struct sqlite3;

namespace hwb {

// One SQLite connection, closed on destruction. Every failure becomes an hwb::Error that names the
// store file and, where there is one, the fix (a read-only folder, a full disk, a foreign file).
class SqliteDatabase {
 public:
  enum class Mode {
    ReadOnly,         // the UI's side: never writes, not even the WAL mode
    ReadWriteCreate,  // the writer's side: creates the file if missing
  };

  SqliteDatabase(std::filesystem::path file, Mode mode);
  ~SqliteDatabase();
  SqliteDatabase(SqliteDatabase&& other) noexcept;
  SqliteDatabase& operator=(SqliteDatabase&& other) noexcept;
  SqliteDatabase(const SqliteDatabase&) = delete;
  SqliteDatabase& operator=(const SqliteDatabase&) = delete;

  // Runs one or more statements that return no rows.
  void exec(std::string_view sql);
  // The integer a `PRAGMA name` returns (user_version, application_id, data_version, ...).
  int64_t pragma_int(std::string_view name);
  std::string pragma_text(std::string_view name);

  void set_busy_timeout(std::chrono::milliseconds timeout);
  int64_t last_insert_rowid() const;
  // SQLite opens a file it may not write read-only without saying so; the writer asks.
  bool read_only() const;

  // Throws the hwb::Error for result code `rc` of `action` ("writing a batch", "opening").
  [[noreturn]] void fail(int rc, std::string_view action) const;
  void check(int rc, std::string_view action) const;

  sqlite3* handle() const { return db_; }
  const std::filesystem::path& file() const { return file_; }

 private:
  void close() noexcept;

  std::filesystem::path file_;
  sqlite3* db_ = nullptr;
};

// What a person reads for SQLite result code `rc` (extended codes welcome) met while `action`:
// the file, what went wrong and what to do about it. `sys_errno` is the OS error behind it, if any.
std::string sqlite_error_message(const std::filesystem::path& file, int rc, int sys_errno,
                                 std::string_view detail, std::string_view action);

}  // namespace hwb
