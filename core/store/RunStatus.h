#pragma once

// The run-status state machine (DESIGN.md "The run store"). "queued" waits for a process to claim
// it (RunStore::claim_queued_run): no writer, no start time yet. "running" and "paused" are live:
// they belong to the writer process that set them (host, pid), which keeps the run's heartbeat. The
// others are final and carry the end time. A live run whose writer closes the store or dies
// without a final status becomes "interrupted" (DeadWriters.h); a live status set again takes the
// run over for the new writer (a resumed run).

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace hwb {

class SqliteDatabase;

// Who writes a run: this process, or the one recorded with it.
struct RunWriter {
  std::string host;
  int64_t pid = 0;
};

bool is_known_status(std::string_view status);
bool is_live_status(std::string_view status);
// hwb::Error naming the store and the statuses there are, for any other status.
void require_known_status(const SqliteDatabase& db, std::string_view status);

// Sets the status, message and heartbeat; a final status also the end time, a live one also the
// writer (the run's owner from now on).
void write_run_status(SqliteDatabase& db, int64_t run, const std::string& status,
                      const std::string& message, const RunWriter& writer, int64_t now_ms);

// "interrupted", ended at `ended_at_ms` with `reason` as its message, only while the run is still
// live and still `writer`'s: another writer may have resumed it since it was looked at.
void interrupt_run(SqliteDatabase& db, int64_t run, const std::string& reason, int64_t ended_at_ms,
                   const RunWriter& writer);

// A final status set after a failed flush: the run's message keeps how many rows it lacks, and why.
std::string with_dropped_rows(const std::string& message, std::size_t dropped,
                              const std::string& reason);

}  // namespace hwb
