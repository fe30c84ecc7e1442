#include "core/study/StudyQueue.h"

#include <map>

#include "core/store/RunStore.h"
#include "core/store/RunStoreReader.h"
#include "core/train/RunFolders.h"
#include "core/util/Error.h"

namespace hwb {
namespace fs = std::filesystem;

namespace {

// The latest run of each cell of the study.
std::map<int64_t, RunInfo> runs_by_cell(const RunStoreReader& reader, int64_t study) {
  std::map<int64_t, RunInfo> out;
  for (RunInfo& run : reader.runs()) {
    if (run.study_id == study && run.study_cell >= 0) out[run.study_cell] = std::move(run);
  }
  return out;
}

bool has_last_checkpoint(const ExperimentConfig& config, int64_t run) {
  std::error_code ec;
  return fs::exists(run_checkpoint_dir(config, run) / "last.safetensors", ec);
}

}  // namespace

StudyAction study_action(const RunInfo& run) {
  if (run.status == "finished") return StudyAction::kDone;
  if (run.status == "queued") return StudyAction::kStart;
  if (run.status == "failed") return StudyAction::kFailed;
  if (run.status == "running" || run.status == "paused") return StudyAction::kElsewhere;
  return StudyAction::kResume;  // stopped, interrupted
}

const char* to_string(StudyAction action) {
  switch (action) {
    case StudyAction::kDone:
      return "finished";
    case StudyAction::kStart:
      return "to start";
    case StudyAction::kResume:
      return "to resume";
    case StudyAction::kFailed:
      return "failed";
    case StudyAction::kElsewhere:
      return "running elsewhere";
  }
  return "?";
}

StudyState queue_study(const StudySpec& spec, const fs::path& store, bool retry_failed) {
  std::vector<StudyCell> cells = spec.expand();
  for (StudyCell& cell : cells) cell.config.store = store.string();
  const auto writer = RunStore::open(store);
  StudyState state;
  state.name = spec.name;
  state.store = store;
  state.study = writer->open_study(spec.name, spec.identity());
  std::map<int64_t, RunInfo> existing = runs_by_cell(*RunStoreReader::open(store), state.study);
  for (StudyCell& cell : cells) {
    auto found = existing.find(cell.index);
    if (found != existing.end()) {
      const RunInfo& run = found->second;
      const StudyAction action = study_action(run);
      const bool resumable =
          action == StudyAction::kResume && has_last_checkpoint(cell.config, run.id);
      const bool restart = (action == StudyAction::kFailed && retry_failed) ||
                           (action == StudyAction::kResume && !resumable);
      if (restart) {
        writer->delete_run(run.id);
        existing.erase(found);
        found = existing.end();
      } else if (resumable && writer->requeue_run(run.id)) {
        // Queued again with its rows and checkpoint: whoever claims it resumes it.
        found->second.status = "queued";
      }
    }
    if (found == existing.end()) {
      const int64_t id = writer->queue_run(cell.name, cell.config.to_json().dump(),
                                           cell.config.device, state.study, cell.index);
      RunInfo queued;
      queued.id = id;
      queued.name = cell.name;
      queued.status = "queued";
      queued.study_id = state.study;
      queued.study_cell = cell.index;
      state.entries.push_back({std::move(cell), std::move(queued)});
    } else {
      state.entries.push_back({std::move(cell), found->second});
    }
  }
  return state;
}

StudyInfo find_study(const RunStoreReader& reader, const std::string& name_or_id) {
  std::string known;
  for (const StudyInfo& info : reader.studies()) {
    if (info.name == name_or_id || std::to_string(info.id) == name_or_id) return info;
    known += (known.empty() ? "" : ", ") + info.name;
  }
  throw Error("No study '" + name_or_id + "' in " + reader.file().string() +
              (known.empty() ? " (it has none)" : " (it has: " + known + ")"));
}

StudyState read_study(const RunStoreReader& reader, const std::string& name) {
  const StudyInfo info = find_study(reader, name);
  const StudySpec spec = StudySpec::from_json(nlohmann::json::parse(info.spec_json),
                                              "study '" + name + "' of " + reader.file().string());
  StudyState state;
  state.study = info.id;
  state.name = info.name;
  state.store = reader.file();
  std::map<int64_t, RunInfo> runs = runs_by_cell(reader, info.id);
  for (StudyCell& cell : spec.expand()) {
    RunInfo run;
    if (auto it = runs.find(cell.index); it != runs.end()) run = it->second;
    state.entries.push_back({std::move(cell), std::move(run)});
  }
  return state;
}

StudyState read_study(const fs::path& store, const std::string& name) {
  return read_study(*RunStoreReader::open(store), name);
}

}  // namespace hwb
