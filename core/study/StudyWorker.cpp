#include "core/study/StudyWorker.h"

#include "core/store/ProcessLiveness.h"
#include "core/store/RunStoreReader.h"
#include "core/util/Error.h"

namespace hwb {

std::optional<LaunchedRun> start_next_study_run(
    const std::filesystem::path& store, int64_t study,
    const std::vector<std::shared_ptr<TrainingObserver>>& observers, const StudyWorkerDevice& where,
    const std::function<void(int64_t run, const std::string& why)>& refused) {
  // Looked up again after each refusal or lost race: other workers take runs meanwhile.
  while (true) {
    std::optional<RunInfo> next;
    for (RunInfo& run : RunStoreReader::open(store)->runs()) {
      if (run.study_id != study || run.status != "queued") continue;
      if (!next || run.study_cell < next->study_cell) next = std::move(run);
    }
    if (!next) return std::nullopt;
    try {
      return start_queued_run(store, next->id, observers, where.device, where.label);
    } catch (const Error& e) {
      // Claimed by another worker first (nothing to say), or claimed and failed to start.
      const auto now = RunStoreReader::open(store)->run(next->id);
      const bool ours = now && now->pid == current_pid() && now->host == current_host_name();
      if (ours && now->status == "failed" && refused) refused(next->id, e.what());
    }
  }
}

}  // namespace hwb
