#pragma once

// Runs left live by a writer that died (SIGKILL, a crash, power loss) are settled by the next
// writer to open the store: on this host, a recorded pid that no longer exists means the run will
// never get its final status (ProcessLiveness.h tells). Readers only show such runs as
// interrupted; writers store it.

namespace hwb {

class SqliteDatabase;

// Marks every "running" or "paused" run whose writer is dead "interrupted", ended at its last
// heartbeat, with a warning in its log saying so. One transaction; nothing when none is dead.
void interrupt_dead_writers(SqliteDatabase& db);

}  // namespace hwb
