#pragma once

#include <QFuture>
#include <QObject>
#include <QString>

#include <cstdint>
#include <deque>
#include <memory>

#include "core/train/ExperimentConfig.h"
#include "core/train/TrainingObserver.h"

namespace hwb {

class TrainingSession;

// The bridge between the window and core's training sessions (STYLE.md point 1): starts runs
// through core/train/RunLauncher, one at a time from a queue, turns the session's observer calls
// (on the training thread) into queued signals on the GUI thread, and passes pause / resume /
// stop on. Nothing here blocks the GUI thread: starting (which validates and opens the store) and
// ending a session (which joins its thread) happen on a worker thread.
class RunController : public QObject {
  Q_OBJECT

 public:
  enum class State { kIdle, kStarting, kRunning, kPaused, kStopping };
  Q_ENUM(State)

  explicit RunController(QObject* parent = nullptr);
  // Stops a live run and waits for it: only at shutdown, after the window is gone.
  ~RunController() override;

  // Queues a run of this config (copied: later edits of the form do not reach it); it starts at
  // once when nothing runs.
  void enqueue(const ExperimentConfig& config);
  // Continues a stopped or interrupted run of a store from its last checkpoint (queued likewise).
  void enqueueResume(const QString& store, int64_t run);
  // Starts a queued run of a study (RunStore::queue_run) in its store (queued likewise).
  void enqueueQueued(const QString& store, int64_t run);
  // Drops the runs that have not started.
  void clearQueue();

  void pause();
  void resume();
  // Ends the current run after its step, with a checkpoint; the queue then goes on.
  void stop();

  State state() const { return state_; }
  bool busy() const { return state_ != State::kIdle; }
  int queuedCount() const { return static_cast<int>(queue_.size()); }
  // The live run's id and store file; 0 and empty when none runs.
  int64_t currentRun() const { return current_run_; }
  QString currentStore() const { return current_store_; }
  // The last progress report of the live run.
  const TrainingProgress& lastProgress() const { return last_progress_; }

 Q_SIGNALS:
  void stateChanged(hwb::RunController::State state);
  void queueChanged(int queued);
  // The run has a row in its store and its thread is working.
  void runStarted(qint64 run, const QString& store);
  void progress(const hwb::TrainingProgress& progress);
  void evaluated(qint64 run, qint64 step, double average, bool best);
  void logLine(const QString& level, const QString& message);
  // outcome: "finished", "stopped", "early_stopped" or "failed"; message: the failure's reason.
  void runEnded(qint64 run, const QString& outcome, const QString& message);
  // The run could not start (an invalid config, a store that cannot be opened, ...).
  void startFailed(const QString& message);

 private:
  class Observer;
  struct Pending {
    std::optional<ExperimentConfig> config;  // a new run, or
    QString resume_store;                    // resume this store's run
    int64_t resume_run = 0;
    bool queued = false;  // resume_run is a study's queued run: start it
  };

  void start_next();
  void on_launched(std::shared_ptr<TrainingSession> session, int64_t run, const QString& store,
                   const QString& error);
  void on_session_finished(RunOutcome outcome, const QString& message);
  void on_session_closed();
  void set_state(State state);

  std::deque<Pending> queue_;
  State state_ = State::kIdle;
  std::shared_ptr<TrainingSession> session_;
  std::shared_ptr<Observer> observer_;
  int64_t current_run_ = 0;
  QString current_store_;
  TrainingProgress last_progress_;
  bool stop_after_start_ = false;
  QFuture<void> worker_;  // launching or closing a session
};

}  // namespace hwb

Q_DECLARE_METATYPE(hwb::TrainingProgress)
