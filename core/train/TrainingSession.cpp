#include "core/train/TrainingSession.h"

#include "core/util/Error.h"

namespace hwb {

std::unique_ptr<TrainingSession> TrainingSession::start(
    ExperimentConfig config, TrainerSetup setup,
    std::vector<std::shared_ptr<TrainingObserver>> observers) {
  config.validate();
  std::unique_ptr<TrainingSession> session(new TrainingSession);
  session->observers_ = observers;
  session->trainer_ = std::make_unique<Trainer>(std::move(config), std::move(setup),
                                                std::move(observers), session->control_);
  TrainingSession* s = session.get();
  s->thread_ = std::thread([s] {
    RunOutcome outcome = RunOutcome::kFailed;
    std::string message;
    try {
      outcome = s->trainer_->run();
    } catch (const std::exception& e) {
      // LibTorch's errors carry a backtrace after the first line; a person needs the reason.
      message = e.what();
      if (dynamic_cast<const Error*>(&e) == nullptr)
        message = message.substr(0, message.find('\n'));
      std::lock_guard lock(s->error_mutex_);
      s->error_ = message;
    }
    for (auto& o : s->observers_) {
      try {
        o->on_finished(outcome, message);
      } catch (const std::exception&) {
        // An observer that cannot record the end (a full disk) must not take the thread down.
      }
    }
    s->state_ = outcome == RunOutcome::kFailed    ? State::kFailed
                : outcome == RunOutcome::kStopped ? State::kStopped
                                                  : State::kFinished;
  });
  return session;
}

TrainingSession::~TrainingSession() {
  control_.request_stop();
  if (thread_.joinable()) thread_.join();
}

void TrainingSession::pause() {
  control_.set_paused(true);
  State expected = State::kRunning;
  state_.compare_exchange_strong(expected, State::kPaused);
}

void TrainingSession::resume() {
  control_.set_paused(false);
  State expected = State::kPaused;
  state_.compare_exchange_strong(expected, State::kRunning);
}

void TrainingSession::stop() {
  control_.request_stop();
}

void TrainingSession::wait() {
  if (thread_.joinable()) thread_.join();
}

std::string TrainingSession::error() const {
  std::lock_guard lock(error_mutex_);
  return error_;
}

}  // namespace hwb
