#pragma once

#include <cstdio>
#include <string>

#include "core/train/TrainingObserver.h"

namespace hwb::cli {

// Progress on the terminal: a one-line bar redrawn in place when stdout is a terminal, plain
// lines (one per report) when it is a file or a pipe, so logs stay readable.
class ConsoleProgress : public TrainingObserver {
 public:
  ConsoleProgress();
  void on_parameters(const ParameterReport& report) override;
  void on_progress(const TrainingProgress& p) override;
  void on_evaluation(const EvaluationResult& result, bool best) override;
  void on_log(const std::string& level, const std::string& message) override;
  void on_finished(RunOutcome outcome, const std::string& message) override;

 private:
  void end_bar();
  bool tty_;
  bool bar_open_ = false;
};

}  // namespace hwb::cli
