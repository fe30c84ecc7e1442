#pragma once

namespace hwb {

class SqliteDatabase;

// A transaction rolled back unless commit() is reached: an exception halfway through a batch
// leaves the store as it was before the batch.
class SqliteTransaction {
 public:
  enum class Kind {
    Read,   // BEGIN (deferred): one consistent snapshot for several queries
    Write,  // BEGIN IMMEDIATE: takes the write lock up front, waiting for it under busy_timeout,
            // instead of failing halfway when a read transaction would have to be upgraded
  };

  SqliteTransaction(SqliteDatabase& db, Kind kind);
  ~SqliteTransaction();
  SqliteTransaction(const SqliteTransaction&) = delete;
  SqliteTransaction& operator=(const SqliteTransaction&) = delete;

  void commit();

 private:
  SqliteDatabase& db_;
  bool open_ = true;
};

}  // namespace hwb
