#include "core/store/SqliteTransaction.h"

#include <sqlite3.h>

#include "core/store/SqliteDatabase.h"

namespace hwb {

SqliteTransaction::SqliteTransaction(SqliteDatabase& db, Kind kind) : db_(db) {
  db_.exec(kind == Kind::Write ? "BEGIN IMMEDIATE" : "BEGIN");
}

SqliteTransaction::~SqliteTransaction() {
  // SQLite may have rolled back already (SQLITE_FULL can end the transaction itself).
  if (open_ && !sqlite3_get_autocommit(db_.handle())) {
    sqlite3_exec(db_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
  }
}

void SqliteTransaction::commit() {
  db_.exec("COMMIT");
  open_ = false;
}

}  // namespace hwb
