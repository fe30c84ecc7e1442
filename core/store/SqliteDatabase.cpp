#include "core/store/SqliteDatabase.h"

#include <sqlite3.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include <fcntl.h>
#include <unistd.h>

#include "core/util/Error.h"

namespace hwb {

namespace {

std::string os_reason(int sys_errno) {
  return sys_errno != 0 ? std::strerror(sys_errno) : "";
}

std::string sql_for_message(std::string_view sql) {
  constexpr std::size_t kMax = 60;
  std::string text(sql.substr(0, kMax));
  for (char& c : text) {
    if (c == '\n') c = ' ';
  }
  return sql.size() > kMax ? "`" + text + "...`" : "`" + text + "`";
}

// SQLite retries a file it cannot create read-only and reports the errno of that retry (ENOENT),
// not why the creation failed: ask the file system directly.
int creation_errno(const std::filesystem::path& file, int fallback) {
  std::error_code ec;
  if (std::filesystem::exists(file, ec)) return fallback;
  const int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return errno;
  ::close(fd);
  ::unlink(file.c_str());
  return fallback;
}

}  // namespace

std::string sqlite_error_message(const std::filesystem::path& file, int rc, int sys_errno,
                                 std::string_view detail, std::string_view action) {
  const std::string where = "run store " + file.string();
  const std::string what(action);
  std::string reason(detail);
  if (sys_errno != 0) reason += (reason.empty() ? "" : ": ") + os_reason(sys_errno);
  const int primary = rc & 0xff;
  // The OS error decides: SQLite reports a full disk as SQLITE_FULL or as an I/O error, and a
  // folder it may not write as SQLITE_CANTOPEN.
  const bool no_space = primary == SQLITE_FULL || sys_errno == ENOSPC || sys_errno == EDQUOT;
  const bool not_writable = primary == SQLITE_READONLY || primary == SQLITE_PERM ||
                            primary == SQLITE_AUTH ||
                            ((primary == SQLITE_CANTOPEN || primary == SQLITE_IOERR) &&
                             (sys_errno == EACCES || sys_errno == EPERM || sys_errno == EROFS));
  if (no_space) {
    return where + ": the disk is full (" + what + ": " + reason +
           "); free some space or choose a store on another disk, then resume the run; "
           "everything committed so far is kept";
  }
  if (not_writable) {
    return where + ": cannot write it (" + what + ": " + reason +
           "); the file or its folder is read-only: choose a writable folder for the run store";
  }
  switch (primary) {
    case SQLITE_CANTOPEN:
      return where + ": cannot open it (" + reason +
             "); check that its folder exists and can be written, or choose a writable folder";
    case SQLITE_NOTADB:
      return where +
             ": not a run store (the file is not an SQLite database); choose a store "
             "file written by Hyperformer Workbench";
    case SQLITE_CORRUPT:
      return where + ": the file is damaged (" + what + ": " + reason +
             "); restore it from a copy, or import its runs into a new store";
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return where + ": still locked by another process after waiting (" + what + ": " + reason +
             "); close the other program writing this store and retry";
    default:
      return where + ": " + what + " failed: " + reason + " (SQLite result code " +
             std::to_string(rc) + ")";
  }
}

SqliteDatabase::SqliteDatabase(std::filesystem::path file, Mode mode) : file_(std::move(file)) {
  // URIs are enabled for ATTACH 'file:...?mode=ro'; the main file is opened by an absolute path,
  // so a store named "file:..." is never read as one.
  const std::filesystem::path absolute = file_.empty() ? file_ : std::filesystem::absolute(file_);
  const int flags = mode == Mode::ReadOnly
                        ? SQLITE_OPEN_READONLY
                        : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_URI;
  const int rc = sqlite3_open_v2(absolute.c_str(), &db_, flags, nullptr);
  if (rc != SQLITE_OK) {
    int sys_errno = db_ ? sqlite3_system_errno(db_) : 0;
    if (mode == Mode::ReadWriteCreate && (rc & 0xff) == SQLITE_CANTOPEN) {
      sys_errno = creation_errno(absolute, sys_errno);
    }
    const std::string detail = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    const int extended = db_ ? sqlite3_extended_errcode(db_) : rc;
    close();
    throw Error(sqlite_error_message(file_, extended, sys_errno, detail, "opening"));
  }
  sqlite3_extended_result_codes(db_, 1);
}

SqliteDatabase::~SqliteDatabase() {
  close();
}

SqliteDatabase::SqliteDatabase(SqliteDatabase&& other) noexcept
    : file_(std::move(other.file_)), db_(std::exchange(other.db_, nullptr)) {}

SqliteDatabase& SqliteDatabase::operator=(SqliteDatabase&& other) noexcept {
  if (this != &other) {
    close();
    file_ = std::move(other.file_);
    db_ = std::exchange(other.db_, nullptr);
  }
  return *this;
}

void SqliteDatabase::close() noexcept {
  // sqlite3_close_v2 defers the close until the last statement is finalised, so a statement that
  // outlives its database by mistake cannot crash.
  if (db_) sqlite3_close_v2(db_);
  db_ = nullptr;
}

void SqliteDatabase::exec(std::string_view sql) {
  const std::string text(sql);
  char* message = nullptr;
  const int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &message);
  if (message) sqlite3_free(message);
  check(rc, "running " + sql_for_message(sql));
}

int64_t SqliteDatabase::pragma_int(std::string_view name) {
  const std::string sql = "PRAGMA " + std::string(name);
  sqlite3_stmt* statement = nullptr;
  check(sqlite3_prepare_v2(db_, sql.c_str(), -1, &statement, nullptr), "reading " + sql);
  const int rc = sqlite3_step(statement);
  const int64_t value = rc == SQLITE_ROW ? sqlite3_column_int64(statement, 0) : 0;
  sqlite3_finalize(statement);
  check(rc, "reading " + sql);
  return value;
}

std::string SqliteDatabase::pragma_text(std::string_view name) {
  const std::string sql = "PRAGMA " + std::string(name);
  sqlite3_stmt* statement = nullptr;
  check(sqlite3_prepare_v2(db_, sql.c_str(), -1, &statement, nullptr), "running " + sql);
  const int rc = sqlite3_step(statement);
  std::string value;
  if (rc == SQLITE_ROW) {
    if (const auto* text = sqlite3_column_text(statement, 0)) {
      value = reinterpret_cast<const char*>(text);
    }
  }
  sqlite3_finalize(statement);
  check(rc, "running " + sql);
  return value;
}

void SqliteDatabase::set_busy_timeout(std::chrono::milliseconds timeout) {
  check(sqlite3_busy_timeout(db_, static_cast<int>(timeout.count())), "setting the busy timeout");
}

int64_t SqliteDatabase::last_insert_rowid() const {
  return sqlite3_last_insert_rowid(db_);
}

bool SqliteDatabase::read_only() const {
  return sqlite3_db_readonly(db_, "main") == 1;
}

void SqliteDatabase::fail(int rc, std::string_view action) const {
  // Prefer the connection's extended code: the caller's may be the primary one only.
  const int extended = sqlite3_extended_errcode(db_);
  const int code = (extended & 0xff) == (rc & 0xff) ? extended : rc;
  throw Error(
      sqlite_error_message(file_, code, sqlite3_system_errno(db_), sqlite3_errmsg(db_), action));
}

void SqliteDatabase::check(int rc, std::string_view action) const {
  if (rc != SQLITE_OK && rc != SQLITE_ROW && rc != SQLITE_DONE) fail(rc, action);
}

}  // namespace hwb
