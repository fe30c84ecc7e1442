#include "core/cli/ConsoleProgress.h"

#include <unistd.h>

#include <cmath>

namespace hwb::cli {

namespace {

std::string duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  const long s = std::lround(seconds);
  char buf[32];
  if (s >= 3600) {
    std::snprintf(buf, sizeof buf, "%ldh%02ldm", s / 3600, (s / 60) % 60);
  } else {
    std::snprintf(buf, sizeof buf, "%ldm%02lds", s / 60, s % 60);
  }
  return buf;
}

}  // namespace

ConsoleProgress::ConsoleProgress() : tty_(isatty(STDOUT_FILENO) != 0) {}

void ConsoleProgress::end_bar() {
  if (bar_open_) std::printf("\n");
  bar_open_ = false;
}

void ConsoleProgress::on_progress(const TrainingProgress& p) {
  const double fraction =
      p.total_steps > 0 ? static_cast<double>(p.step) / static_cast<double>(p.total_steps) : 0.0;
  if (tty_) {
    constexpr int kWidth = 30;
    const int filled = static_cast<int>(fraction * kWidth);
    std::string bar(static_cast<std::size_t>(filled), '#');
    bar.resize(kWidth, '.');
    std::printf("\r[%s] %5.1f%% step %lld/%lld loss %.4f lr %.2e %.0f ex/s ETA %s%s   ",
                bar.c_str(), 100.0 * fraction, static_cast<long long>(p.step),
                static_cast<long long>(p.total_steps), p.loss, p.learning_rate,
                p.examples_per_second, duration(p.eta_seconds).c_str(),
                p.paused ? " (paused)" : "");
    bar_open_ = true;
  } else {
    std::printf("step %lld/%lld loss %.4f lr %.3e examples/s %.1f eta %s%s\n",
                static_cast<long long>(p.step), static_cast<long long>(p.total_steps), p.loss,
                p.learning_rate, p.examples_per_second, duration(p.eta_seconds).c_str(),
                p.paused ? " paused" : "");
  }
  std::fflush(stdout);
}

void ConsoleProgress::on_evaluation(const EvaluationResult& result, bool best) {
  end_bar();
  if (result.split == "validation") {
    std::printf("eval step %lld: average %.2f%s\n", static_cast<long long>(result.step),
                result.average, best ? " (best so far)" : "");
  } else {
    std::printf("%s split, best checkpoint (step %lld): average %.2f\n", result.split.c_str(),
                static_cast<long long>(result.step), result.average);
  }
  for (const TaskEvaluation& t : result.tasks) {
    std::printf("  %-8s score %6.2f", t.task.c_str(), t.score);
    for (const auto& [metric, value] : t.metrics) std::printf("  %s %.2f", metric.c_str(), value);
    std::printf("  (%zu examples)\n", t.examples);
  }
  std::fflush(stdout);
}

void ConsoleProgress::on_parameters(const ParameterReport& report) {
  end_bar();
  std::printf("%s", report.to_text().c_str());
  std::fflush(stdout);
}

void ConsoleProgress::on_log(const std::string& level, const std::string& message) {
  end_bar();
  std::printf("%s: %s\n", level.c_str(), message.c_str());
  std::fflush(stdout);
}

void ConsoleProgress::on_finished(RunOutcome outcome, const std::string& message) {
  end_bar();
  std::printf("run %s%s%s\n", to_string(outcome), message.empty() ? "" : ": ", message.c_str());
  std::fflush(stdout);
}

}  // namespace hwb::cli
