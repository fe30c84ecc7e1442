#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/store/StoreTypes.h"
#include "core/study/StudySpec.h"

namespace hwb {

// A cell of a study and the run that stands for it in the store.
struct StudyEntry {
  StudyCell cell;
  RunInfo run;
};

// A study as its store holds it: every cell with its run, in the expansion's order.
struct StudyState {
  int64_t study = 0;
  std::string name;
  std::filesystem::path store;
  std::vector<StudyEntry> entries;
};

// What a study does next with one of its runs.
enum class StudyAction {
  kDone,       // finished: skipped when the study is started again
  kStart,      // queued: start it
  kResume,     // stopped or interrupted: continue from its last checkpoint
  kFailed,     // failed: left as it is (retry_failed queues it afresh)
  kElsewhere,  // running or paused in a live process: that process has it
};
StudyAction study_action(const RunInfo& run);
const char* to_string(StudyAction action);

// Records the study in `store` under its name (or finds it there, started before with the same
// identity; another study of that name is refused) and queues a run for each cell that has none.
// A stopped or interrupted run is queued again with its rows and checkpoint (whoever starts it
// resumes it); one that stopped before its first checkpoint, and with `retry_failed` a failed
// one, is deleted and queued afresh in its cell. The cells' configs record `store` as their store.
StudyState queue_study(const StudySpec& spec, const std::filesystem::path& store,
                       bool retry_failed = false);

class RunStoreReader;

// The store's study of that name (or id); hwb::Error naming the studies there are when none.
StudyInfo find_study(const RunStoreReader& reader, const std::string& name_or_id);

// The study of that name in the store, with its runs as they are now (their cells rebuilt from
// the stored spec). hwb::Error when there is none.
StudyState read_study(const RunStoreReader& reader, const std::string& name);
StudyState read_study(const std::filesystem::path& store, const std::string& name);

}  // namespace hwb
