#include "core/store/RunStatus.h"

#include <algorithm>
#include <array>

#include "core/store/SqliteDatabase.h"
#include "core/store/SqliteStatement.h"
#include "core/util/Error.h"

namespace hwb {

namespace {

constexpr std::array<std::string_view, 7> kStatuses = {
    "queued", "running", "paused", "finished", "stopped", "failed", "interrupted"};

}  // namespace

bool is_known_status(std::string_view status) {
  return std::find(kStatuses.begin(), kStatuses.end(), status) != kStatuses.end();
}

bool is_live_status(std::string_view status) {
  return status == "running" || status == "paused";
}

void require_known_status(const SqliteDatabase& db, std::string_view status) {
  if (is_known_status(status)) return;
  throw Error("run store " + db.file().string() + ": unknown run status '" + std::string(status) +
              "' (expected queued, running, paused, finished, stopped, failed or interrupted)");
}

void write_run_status(SqliteDatabase& db, int64_t run, const std::string& status,
                      const std::string& message, const RunWriter& writer, int64_t now_ms) {
  const bool live = is_live_status(status);
  SqliteStatement update(
      db,
      "UPDATE runs SET status = ?2, message = ?3, ended_at_ms = ?4, heartbeat_ms = ?5, host = "
      "CASE WHEN ?6 THEN ?7 ELSE host END, pid = CASE WHEN ?6 THEN ?8 ELSE pid END WHERE id = ?1");
  update.bind_int64(1, run)
      .bind_text(2, status)
      .bind_text(3, message)
      .bind_int64(4, live ? 0 : now_ms)
      .bind_int64(5, now_ms)
      .bind_int64(6, live ? 1 : 0)
      .bind_text(7, writer.host)
      .bind_int64(8, writer.pid)
      .run();
}

void interrupt_run(SqliteDatabase& db, int64_t run, const std::string& reason, int64_t ended_at_ms,
                   const RunWriter& writer) {
  SqliteStatement mark(db,
                       "UPDATE runs SET status = 'interrupted', message = ?2, ended_at_ms = ?3 "
                       "WHERE id = ?1 AND status IN ('running', 'paused') AND host = ?4 AND "
                       "pid = ?5");
  mark.bind_int64(1, run)
      .bind_text(2, reason)
      .bind_int64(3, ended_at_ms)
      .bind_text(4, writer.host)
      .bind_int64(5, writer.pid)
      .run();
}

std::string with_dropped_rows(const std::string& message, std::size_t dropped,
                              const std::string& reason) {
  return message + (message.empty() ? "" : "; ") + "the last " + std::to_string(dropped) +
         " rows could not be written: " + reason;
}

}  // namespace hwb
