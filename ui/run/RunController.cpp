#include "ui/run/RunController.h"

#include <QMetaObject>
#include <QtConcurrent/QtConcurrentRun>

#include <mutex>

#include "core/train/RunLauncher.h"

namespace hwb {

// The session's observer: every call arrives on the training thread and is re-posted to the
// controller on the GUI thread. The controller detaches itself before it goes away, so a call
// racing with its destruction posts nothing.
class RunController::Observer : public TrainingObserver {
 public:
  explicit Observer(RunController* target) : target_(target) {}

  void detach() {
    std::lock_guard lock(mutex_);
    target_ = nullptr;
  }

  void on_progress(const TrainingProgress& progress) override {
    // The state follows pause()/resume() alone: a report posted just before a pause took effect
    // must not flip the window back to "running".
    post([progress](RunController* c) {
      c->last_progress_ = progress;
      Q_EMIT c->progress(progress);
    });
  }
  void on_evaluation(const EvaluationResult& result, bool best) override {
    // The status bar follows validation; the test split's scores are read from the store.
    if (result.split != "validation") return;
    const int64_t step = result.step;
    const double average = result.average;
    post([step, average, best](RunController* c) {
      Q_EMIT c->evaluated(c->current_run_, step, average, best);
    });
  }
  void on_log(const std::string& level, const std::string& message) override {
    post([l = QString::fromStdString(level),
          m = QString::fromStdString(message)](RunController* c) { Q_EMIT c->logLine(l, m); });
  }
  void on_finished(RunOutcome outcome, const std::string& message) override {
    post([outcome, m = QString::fromStdString(message)](RunController* c) {
      c->on_session_finished(outcome, m);
    });
  }

 private:
  template <typename F>
  void post(F f) {
    std::lock_guard lock(mutex_);
    if (!target_) return;
    RunController* target = target_;
    QMetaObject::invokeMethod(
        target, [target, f] { f(target); }, Qt::QueuedConnection);
  }

  std::mutex mutex_;
  RunController* target_;
};

RunController::RunController(QObject* parent) : QObject(parent) {
  qRegisterMetaType<TrainingProgress>();
}

RunController::~RunController() {
  if (observer_) observer_->detach();
  worker_.waitForFinished();
  if (session_) session_->stop();
  session_.reset();  // joins the training thread
}

void RunController::enqueue(const ExperimentConfig& config) {
  Pending p;
  p.config = config;
  queue_.push_back(std::move(p));
  Q_EMIT queueChanged(queuedCount());
  if (state_ == State::kIdle) start_next();
}

void RunController::enqueueResume(const QString& store, int64_t run) {
  Pending p;
  p.resume_store = store;
  p.resume_run = run;
  queue_.push_back(std::move(p));
  Q_EMIT queueChanged(queuedCount());
  if (state_ == State::kIdle) start_next();
}

void RunController::enqueueQueued(const QString& store, int64_t run) {
  Pending p;
  p.resume_store = store;
  p.resume_run = run;
  p.queued = true;
  queue_.push_back(std::move(p));
  Q_EMIT queueChanged(queuedCount());
  if (state_ == State::kIdle) start_next();
}

void RunController::clearQueue() {
  queue_.clear();
  Q_EMIT queueChanged(0);
}

void RunController::pause() {
  if (session_ && state_ == State::kRunning) {
    session_->pause();
    set_state(State::kPaused);
  }
}

void RunController::resume() {
  if (session_ && state_ == State::kPaused) {
    session_->resume();
    set_state(State::kRunning);
  }
}

void RunController::stop() {
  if (state_ == State::kStarting) {
    stop_after_start_ = true;  // the session does not exist yet
    set_state(State::kStopping);
  } else if (session_ && (state_ == State::kRunning || state_ == State::kPaused)) {
    session_->stop();  // also ends a pause: the session wakes and saves its checkpoint
    set_state(State::kStopping);
  }
}

void RunController::start_next() {
  if (queue_.empty()) {
    set_state(State::kIdle);
    return;
  }
  Pending next = std::move(queue_.front());
  queue_.pop_front();
  Q_EMIT queueChanged(queuedCount());
  stop_after_start_ = false;
  last_progress_ = {};
  set_state(State::kStarting);
  observer_ = std::make_shared<Observer>(this);
  // launch_run validates the config, opens the store and records the run: file work that must not
  // hold up the window.
  worker_ = QtConcurrent::run([this, next = std::move(next), observer = observer_]() mutable {
    std::shared_ptr<TrainingSession> session;
    int64_t run = 0;
    QString store, error;
    try {
      const std::string store_file = next.resume_store.toStdString();
      LaunchedRun launched = next.config ? launch_run(*next.config, {observer})
                             : next.queued
                                 ? start_queued_run(store_file, next.resume_run, {observer})
                                 : resume_run(store_file, next.resume_run, {observer});
      run = launched.run;
      store = QString::fromStdString(launched.store.string());
      session = std::move(launched.session);
    } catch (const std::exception& e) {
      error = QString::fromStdString(e.what());
    }
    QMetaObject::invokeMethod(
        this, [this, session, run, store, error] { on_launched(session, run, store, error); },
        Qt::QueuedConnection);
  });
}

void RunController::on_launched(std::shared_ptr<TrainingSession> session, int64_t run,
                                const QString& store, const QString& error) {
  if (!session) {
    observer_.reset();
    Q_EMIT startFailed(error);
    start_next();
    return;
  }
  session_ = std::move(session);
  current_run_ = run;
  current_store_ = store;
  set_state(State::kRunning);
  Q_EMIT runStarted(run, store);
  if (stop_after_start_) stop();
}

void RunController::on_session_finished(RunOutcome outcome, const QString& message) {
  const int64_t run = current_run_;
  // The thread returns right after this call; joining it happens on a worker.
  std::shared_ptr<TrainingSession> ended = std::move(session_);
  observer_.reset();
  set_state(State::kStopping);
  worker_ = QtConcurrent::run([this, ended]() mutable {
    ended.reset();
    QMetaObject::invokeMethod(
        this, [this] { on_session_closed(); }, Qt::QueuedConnection);
  });
  Q_EMIT runEnded(run, QString::fromLatin1(to_string(outcome)), message);
}

void RunController::on_session_closed() {
  current_run_ = 0;
  current_store_.clear();
  start_next();
}

void RunController::set_state(State state) {
  if (state_ == state) return;
  state_ = state;
  Q_EMIT stateChanged(state);
}

}  // namespace hwb
