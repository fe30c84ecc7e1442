#include "core/store/DeadWriters.h"

#include <chrono>
#include <vector>

#include "core/store/ProcessLiveness.h"
#include "core/store/RunStatus.h"
#include "core/store/SqliteDatabase.h"
#include "core/store/SqliteStatement.h"
#include "core/store/SqliteTransaction.h"
#include "core/store/StoreTables.h"

namespace hwb {

void interrupt_dead_writers(SqliteDatabase& db) {
  std::vector<RunInfo> dead;
  {
    SqliteStatement live(db,
                         "SELECT id, status, host, pid, heartbeat_ms FROM runs WHERE status IN "
                         "('running', 'paused')");
    while (live.step()) {
      RunInfo run;
      run.id = live.column_int64(0);
      run.status = live.column_text(1);
      run.host = live.column_text(2);
      run.pid = live.column_int64(3);
      run.heartbeat_ms = live.column_int64(4);
      if (mark_if_writer_dead(run)) dead.push_back(run);
    }
  }
  if (dead.empty()) return;
  const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  SqliteTransaction transaction(db, SqliteTransaction::Kind::Write);
  SqliteStatement log(db, insert_sql(kEventsTable.shape()));
  for (const RunInfo& run : dead) {
    interrupt_run(db, run.id, run.message, run.ended_at_ms, RunWriter{run.host, run.pid});
    bind_row(log.reset(), kEventsTable, run.id,
             EventRow{now_ms, "warning", "interrupted: " + run.message});
    log.run();
  }
  transaction.commit();
}

}  // namespace hwb
