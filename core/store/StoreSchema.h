#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace hwb {

class SqliteDatabase;

// One step of the schema, kept forever once released: version N's SQL turns a version N-1 store
// into a version N one. A new version is one more entry at the end of store_migrations(); every
// store, a new one too, is made by them, so a change to a declaration (StoreTables.h) comes with
// the migration that makes it, and tst_run_store checks that the two agree.
struct StoreMigration {
  int64_t version;
  std::string_view sql;
};

// Marks the file as a run store (PRAGMA application_id), so a foreign SQLite file is refused.
inline constexpr int64_t kStoreApplicationId = 0x48574253;  // "HWBS"

// Scalar series are summarised in blocks of 16^level steps for levels 1..kSummaryLevels (16, 256,
// 4096 and 65536 steps): a down-sampled fetch reads at most about 16 summary rows per output
// bucket instead of every point.
inline constexpr int kSummaryLevels = 4;
inline constexpr int kSummaryShift = 4;  // log2 of the factor between levels

std::span<const StoreMigration> store_migrations();
// The CREATE statements of StoreTables.h's declarations: the same tables and indexes as the
// migrations make (checked in tst_run_store).
std::string schema_sql();
// The version this build writes: the last migration's.
int64_t store_schema_version();

// Brings a writable store up to the last of `migrations`, each step in its own transaction.
// Refuses (hwb::Error, file untouched) a store of a newer version or a foreign SQLite file.
void migrate_store(SqliteDatabase& db,
                   std::span<const StoreMigration> migrations = store_migrations());

// For readers, which never write: refuses a foreign file, an uninitialised one, and any version
// other than this build's, with a message that says what to do.
void check_store_version(SqliteDatabase& db);

}  // namespace hwb
