#include "core/store/StoreSchema.h"

#include <array>
#include <string>

#include "core/store/SqliteDatabase.h"
#include "core/store/SqliteTransaction.h"
#include "core/store/StoreTables.h"
#include "core/util/Error.h"

namespace hwb {

namespace {

// Version 1 as released: DESIGN.md's tables. Kept as text forever: it is history, and it is what
// the declarations (schema_sql() below) are checked against in tst_run_store.
constexpr std::string_view kSchemaV1 = R"sql(
CREATE TABLE experiments (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  created_at_ms INTEGER NOT NULL
);
CREATE TABLE runs (
  id INTEGER PRIMARY KEY,
  experiment_id INTEGER REFERENCES experiments (id),
  name TEXT NOT NULL,
  status TEXT NOT NULL,
  config_json TEXT NOT NULL,
  device TEXT NOT NULL,
  versions_json TEXT NOT NULL,
  started_at_ms INTEGER NOT NULL,
  ended_at_ms INTEGER NOT NULL DEFAULT 0,
  last_step INTEGER NOT NULL DEFAULT 0,
  message TEXT NOT NULL DEFAULT '',
  origin TEXT NOT NULL DEFAULT '',
  host TEXT NOT NULL DEFAULT '',
  pid INTEGER NOT NULL DEFAULT 0,
  heartbeat_ms INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE series (
  id INTEGER PRIMARY KEY,
  run_id INTEGER NOT NULL,
  tag TEXT NOT NULL,
  UNIQUE (run_id, tag)
);
CREATE TABLE scalars (
  series_id INTEGER NOT NULL,
  step INTEGER NOT NULL,
  wall_time REAL NOT NULL,
  value REAL,
  PRIMARY KEY (series_id, step)
) WITHOUT ROWID;
CREATE TABLE scalar_summaries (
  series_id INTEGER NOT NULL,
  level INTEGER NOT NULL,
  block INTEGER NOT NULL,
  min_step INTEGER,
  min_wall REAL,
  min_value REAL,
  max_step INTEGER,
  max_wall REAL,
  max_value REAL,
  PRIMARY KEY (series_id, level, block)
) WITHOUT ROWID;
CREATE TABLE metrics (
  run_id INTEGER NOT NULL,
  task TEXT NOT NULL,
  split TEXT NOT NULL,
  metric TEXT NOT NULL,
  step INTEGER NOT NULL,
  value REAL,
  PRIMARY KEY (run_id, task, split, metric, step)
) WITHOUT ROWID;
CREATE TABLE weight_stats (
  run_id INTEGER NOT NULL,
  step INTEGER NOT NULL,
  task TEXT NOT NULL,
  stack TEXT NOT NULL,
  layer INTEGER NOT NULL,
  position TEXT NOT NULL,
  statistic TEXT NOT NULL,
  value REAL,
  PRIMARY KEY (run_id, step, task, stack, layer, position, statistic)
) WITHOUT ROWID;
CREATE TABLE similarity (
  run_id INTEGER NOT NULL,
  step INTEGER NOT NULL,
  kind TEXT NOT NULL,
  tasks_json TEXT NOT NULL,
  values_json TEXT NOT NULL,
  PRIMARY KEY (run_id, step, kind)
) WITHOUT ROWID;
CREATE TABLE checkpoints (
  run_id INTEGER NOT NULL,
  path TEXT NOT NULL,
  step INTEGER NOT NULL,
  score REAL,
  best INTEGER NOT NULL,
  created_at_ms INTEGER NOT NULL,
  PRIMARY KEY (run_id, path)
) WITHOUT ROWID;
CREATE TABLE predictions (
  run_id INTEGER NOT NULL,
  task TEXT NOT NULL,
  split TEXT NOT NULL,
  idx INTEGER NOT NULL,
  step INTEGER NOT NULL,
  input TEXT NOT NULL,
  target TEXT NOT NULL,
  prediction TEXT NOT NULL,
  PRIMARY KEY (run_id, task, split, idx)
) WITHOUT ROWID;
CREATE TABLE events (
  id INTEGER PRIMARY KEY,
  run_id INTEGER NOT NULL,
  wall_ms INTEGER NOT NULL,
  level TEXT NOT NULL,
  message TEXT NOT NULL
);
CREATE INDEX events_by_run ON events (run_id, id);
)sql";

// Version 2: the run's parameter counts (ParameterReport as JSON), written once its model is
// built, so comparisons show them without rebuilding any model.
constexpr const char* kSchemaV2 = R"sql(
ALTER TABLE runs ADD COLUMN parameters_json TEXT NOT NULL DEFAULT '';
)sql";

// Version 3: studies (docs/STUDIES.md). A study is a named grid of runs kept in one store; each of
// its runs carries the study and its cell (its place in the expansion), and a run can wait as
// "queued" before any process has started it.
constexpr const char* kSchemaV3 = R"sql(
CREATE TABLE studies (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  spec_json TEXT NOT NULL,
  created_at_ms INTEGER NOT NULL
);
ALTER TABLE runs ADD COLUMN study_id INTEGER NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN study_cell INTEGER NOT NULL DEFAULT -1;
CREATE INDEX runs_by_study ON runs (study_id, study_cell);
)sql";

constexpr std::array<StoreMigration, 3> kMigrations{{
    {1, kSchemaV1},
    {2, kSchemaV2},
    {3, kSchemaV3},
}};

std::string where(const SqliteDatabase& db) {
  return "run store " + db.file().string();
}

// A run store carries our application_id from version 1 on; an SQLite file with another id, or a
// versioned or non-empty one without any, belongs to some other program.
void refuse_foreign(SqliteDatabase& db, int64_t version) {
  const int64_t application_id = db.pragma_int("application_id");
  bool foreign = application_id != 0 && application_id != kStoreApplicationId;
  if (application_id == 0) {
    foreign = version != 0 || db.pragma_int("schema_version") != 0;
  }
  if (foreign) {
    throw Error(where(db) +
                ": not a run store (an SQLite database of another program); choose a store file "
                "written by Hyperformer Workbench");
  }
}

[[noreturn]] void refuse_newer(const SqliteDatabase& db, int64_t version, int64_t known) {
  throw Error(where(db) + ": written by a newer Hyperformer Workbench (schema version " +
              std::to_string(version) + "; this build knows versions up to " +
              std::to_string(known) + "); open it with that newer version, or update this one");
}

// Runs the steps after `version` up to the last of `migrations`.
void run_migrations(SqliteDatabase& db, std::span<const StoreMigration> migrations,
                    int64_t version) {
  for (const StoreMigration& migration : migrations) {
    if (migration.version <= version) continue;
    try {
      db.exec(migration.sql);
    } catch (const Error& e) {
      throw Error(std::string(e.what()) + " (while upgrading the store to schema version " +
                  std::to_string(migration.version) + "; the file is left as it was)");
    }
  }
}

}  // namespace

std::string schema_sql() {
  std::string sql;
  for_each_run_table([&](const auto& table) { sql += create_table_sql(table.shape()); });
  return sql;
}

std::span<const StoreMigration> store_migrations() {
  return kMigrations;
}

int64_t store_schema_version() {
  return kMigrations.back().version;
}

void migrate_store(SqliteDatabase& db, std::span<const StoreMigration> migrations) {
  const int64_t target = migrations.empty() ? 0 : migrations.back().version;
  int64_t version = db.pragma_int("user_version");
  refuse_foreign(db, version);
  if (version > target) refuse_newer(db, version, target);
  if (version == target) return;

  SqliteTransaction transaction(db, SqliteTransaction::Kind::Write);
  // Another writer may have migrated between the first look and the write lock.
  version = db.pragma_int("user_version");
  if (version > target) refuse_newer(db, version, target);
  if (version == target) return;
  run_migrations(db, migrations, version);
  // Both pragmas write the file header inside the transaction: a failed upgrade changes neither.
  db.exec("PRAGMA application_id = " + std::to_string(kStoreApplicationId));
  db.exec("PRAGMA user_version = " + std::to_string(target));
  transaction.commit();
}

void check_store_version(SqliteDatabase& db) {
  const int64_t version = db.pragma_int("user_version");
  refuse_foreign(db, version);
  const int64_t known = store_schema_version();
  if (version == 0) {
    throw Error(where(db) +
                ": empty, no run was ever written to it; start a run or import a store into it "
                "first");
  }
  if (version > known) refuse_newer(db, version, known);
  if (version < known) {
    throw Error(where(db) + ": written by an older Hyperformer Workbench (schema version " +
                std::to_string(version) + "; this build reads version " + std::to_string(known) +
                "); open it for writing once (start or import a run) to upgrade it");
  }
}

}  // namespace hwb
