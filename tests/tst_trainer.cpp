// The training engine on the CPU: exact repeatability, resume continuing the same curve, pause and
// stop from another thread, evaluation and checkpoints reported to observers.
#include <ATen/ATen.h>

#include "core/train/TrainingSession.h"
#include "tests/DemoTestConfig.h"
#include "tests/RecordingObserver.h"
#include "tests/TestUtil.h"

using namespace hwb;
using hwb::test::kPatienceMs;
using hwb::test::record_run;
using hwb::test::Recorder;
namespace fs = std::filesystem;

namespace {

ExperimentConfig small_config() {
  return hwb::test::short_demo_config();
}

}  // namespace

class TestTrainer : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir dir_;
  TrainerSetup setup(const std::string& name) const {
    TrainerSetup s;
    s.checkpoint_dir = fs::path(dir_.path().toStdString()) / name;
    s.cache_dir = fs::path(dir_.path().toStdString()) / "cache";
    return s;
  }
  std::shared_ptr<Recorder> run(const ExperimentConfig& c, const TrainerSetup& s) {
    return record_run(c, s);
  }

 private Q_SLOTS:
  void a_cpu_run_repeats_exactly() {
    const auto first = run(small_config(), setup("a"));
    const auto second = run(small_config(), setup("b"));
    QCOMPARE(first->outcome, RunOutcome::kFinished);
    QCOMPARE(first->losses.size(), std::size_t{12});
    QCOMPARE(first->losses, second->losses);
    // Two validation evaluations, then the best checkpoint on the test split at the best step.
    QCOMPARE(first->evaluations.size(), std::size_t{3});
    QCOMPARE(first->evaluations[1].split, std::string("validation"));
    QCOMPARE(first->evaluations[1].tasks.size(), std::size_t{2});
    QCOMPARE(first->evaluations[1].tasks[0].examples, std::size_t{12});
    const EvaluationResult& test = first->evaluations.back();
    QCOMPARE(test.split, std::string("test"));
    const bool later_best = first->evaluations[1].average > first->evaluations[0].average;
    QCOMPARE(test.step, later_best ? first->evaluations[1].step : first->evaluations[0].step);
    QCOMPARE(test.tasks.size(), std::size_t{2});
    QCOMPARE(first->evaluations.back().average, second->evaluations.back().average);
    // Off, the run ends with its last validation evaluation.
    ExperimentConfig untested = small_config();
    untested.test_at_end = false;
    const auto plain = run(untested, setup("untested"));
    QCOMPARE(plain->evaluations.size(), std::size_t{2});
    QCOMPARE(plain->evaluations.back().split, std::string("validation"));
    // A different seed gives a different run.
    ExperimentConfig other = small_config();
    other.seed = 7;
    QVERIFY(run(other, setup("c"))->losses != first->losses);
  }

  void resume_continues_the_same_curve() {
    const auto whole = run(small_config(), setup("whole"));
    // First half: a run that ends at step 6 (its checkpoint), then the same run resumed to 12.
    ExperimentConfig half = small_config();
    const TrainerSetup s = setup("halves");
    auto rec = std::make_shared<Recorder>();
    {
      auto session = TrainingSession::start(half, s, {rec});
      QTRY_VERIFY_WITH_TIMEOUT(rec->step() >= 3, kPatienceMs);
      session->stop();
      session->wait();
      QCOMPARE(session->state(), TrainingSession::State::kStopped);
    }
    QCOMPARE(rec->outcome, RunOutcome::kStopped);
    const fs::path last = s.checkpoint_dir / "last.safetensors";
    QVERIFY(fs::exists(last));
    const int64_t stopped_at = std::get<0>(rec->checkpoints.back());
    QVERIFY(stopped_at >= 3 && stopped_at < 12);

    TrainerSetup again = s;
    again.resume_from = last;
    const auto resumed = run(small_config(), again);
    QCOMPARE(resumed->outcome, RunOutcome::kFinished);
    QCOMPARE(resumed->losses.begin()->first, stopped_at + 1);  // no duplicated or missing step
    for (const auto& [step, loss] : resumed->losses) {
      QVERIFY2(
          std::abs(loss - whole->losses.at(step)) < 1e-5,
          qPrintable(QString("step %1: %2 vs %3").arg(step).arg(loss).arg(whole->losses.at(step))));
    }
  }

  void pause_holds_and_resume_finishes() {
    auto rec = std::make_shared<Recorder>();
    ExperimentConfig c = small_config();
    c.steps = 40;
    c.eval_every = 40;
    auto session = TrainingSession::start(c, setup("pause"), {rec});
    QTRY_VERIFY_WITH_TIMEOUT(rec->step() >= 2, kPatienceMs);
    session->pause();
    // Not a sleep: the step in flight when pause() comes may take any time on a loaded machine.
    QTRY_VERIFY_WITH_TIMEOUT(rec->held(), kPatienceMs);
    const int64_t held = rec->step();
    QTest::qWait(300);  // held means no step runs, however long one takes
    QCOMPARE(rec->step(), held);
    QCOMPARE(session->state(), TrainingSession::State::kPaused);
    session->resume();
    session->wait();
    QCOMPARE(rec->outcome, RunOutcome::kFinished);
    QCOMPARE(rec->losses.rbegin()->first, int64_t{40});
  }

  void bad_config_is_refused_before_any_work() {
    ExperimentConfig c = small_config();
    c.learning_rate = -1;
    c.tasks.push_back(c.tasks.front());
    QVERIFY(hwb::test::throws_with([&] { TrainingSession::start(c, setup("bad"), {}); },
                                   {"training.learning_rate", "listed twice"}));
  }

  void missing_data_folder_fails_the_run_with_the_reason() {
    ExperimentConfig c = small_config();
    c.glue_dir = "/nonexistent/glue";
    const auto rec = run(c, setup("nodata"));
    QCOMPARE(rec->outcome, RunOutcome::kFailed);
    QVERIFY2(rec->message.find("/nonexistent/glue") != std::string::npos, rec->message.c_str());
  }
};

QTEST_GUILESS_MAIN(TestTrainer)
#include "tst_trainer.moc"
