#pragma once

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/train/Trainer.h"

namespace hwb {

// A Trainer on its own thread, controlled from any other: pause, resume, stop. The whole config is
// validated before the thread starts, so a bad config is refused at once with every problem.
class TrainingSession {
 public:
  enum class State { kRunning, kPaused, kFinished, kStopped, kFailed };

  // Throws hwb::Error listing the config's problems; otherwise the session is running.
  static std::unique_ptr<TrainingSession> start(
      ExperimentConfig config, TrainerSetup setup,
      std::vector<std::shared_ptr<TrainingObserver>> observers);
  ~TrainingSession();  // requests a stop and waits

  void pause();
  void resume();
  // Finishes the current step, saves a resumable checkpoint, ends the run.
  void stop();
  // Blocks until the run has ended.
  void wait();
  State state() const { return state_.load(); }
  // The reason of a failed run.
  std::string error() const;

 private:
  TrainingSession() = default;

  TrainingControl control_;
  std::unique_ptr<Trainer> trainer_;
  std::vector<std::shared_ptr<TrainingObserver>> observers_;
  std::atomic<State> state_{State::kRunning};
  mutable std::mutex error_mutex_;
  std::string error_;
  std::thread thread_;
};

}  // namespace hwb
