// The shipped pretrained backbone (builtin:t5-mini, docs/PRETRAINING.md) does what the demo
// claims: Hyperformer++ on it, frozen, learns SST-2 from a few hundred steps, while the same run
// on random weights of the same shape (random:builtin:t5-mini) does not; and no backbone weight
// changes (only the hypernetwork, the task embedding and the layer norms train).
#include <ATen/ATen.h>

#include "core/model/BuiltinBackbones.h"
#include "core/model/Safetensors.h"
#include "core/train/CheckpointEvaluation.h"
#include "core/train/RunLauncher.h"
#include "tests/TestUtil.h"

using namespace hwb;
namespace fs = std::filesystem;

namespace {

// Fixed by this test's settings on the CPU (docs/PRETRAINING.md, "What the backbone is worth"):
// the pretrained backbone lands well above it, random weights near 50%.
constexpr double kAccuracyThreshold = 70.0;
constexpr int64_t kSteps = 300;

class Scores : public TrainingObserver {
 public:
  void on_evaluation(const EvaluationResult& r, bool) override {
    std::lock_guard lock(mutex);
    last = r;
  }
  void on_parameters(const ParameterReport& r) override {
    std::lock_guard lock(mutex);
    parameters = r;
  }
  std::mutex mutex;
  EvaluationResult last;
  ParameterReport parameters;
};

}  // namespace

class TestPretrainedBackbone : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir dir_;

  // The demo's settings on SST-2 alone, shortened.
  ExperimentConfig sst2_run(const std::string& backbone, const std::string& name) const {
    ExperimentConfig c = ExperimentConfig::demo();
    c.name = name;
    c.backbone = backbone;
    ExperimentTask sst2;
    sst2.glue = "sst2";
    sst2.max_validation = 300;
    c.tasks = {sst2};
    c.steps = kSteps;
    c.warmup_steps = 30;
    c.eval_every = kSteps;
    c.store = (fs::path(dir_.path().toStdString()) / "runs.db").string();
    c.checkpoint_dir = (fs::path(dir_.path().toStdString()) / "checkpoints").string();
    c.cache_dir = (fs::path(dir_.path().toStdString()) / "cache").string();
    return c;
  }

  struct Outcome {
    int64_t run = 0;
    double accuracy = 0;
    ParameterReport parameters;
  };
  Outcome train(const ExperimentConfig& c) {
    auto scores = std::make_shared<Scores>();
    LaunchedRun launched = launch_run(c, {scores});
    launched.session->wait();
    if (launched.session->state() == TrainingSession::State::kFailed)
      qFatal("%s", launched.session->error().c_str());
    Outcome o;
    o.run = launched.run;
    o.accuracy = scores->last.tasks.at(0).metrics.at("accuracy");
    o.parameters = scores->parameters;
    return o;
  }

 private Q_SLOTS:
  void the_shipped_backbone_is_there() {
    const T5Config c = backbone_spec_config(ExperimentConfig::kBuiltinPretrainedBackbone);
    QCOMPARE(c.vocab_size, std::int64_t{32128});
    const fs::path folder = backbone_folder(ExperimentConfig::kBuiltinPretrainedBackbone);
    QVERIFY(fs::file_size(folder / "model.safetensors") <= 20'000'000);
    QCOMPARE(SafetensorsFile(folder / "model.safetensors").entries().at("shared.weight").dtype,
             std::string("BF16"));
  }

  void hyperformer_pp_learns_sst2_on_the_frozen_pretrained_backbone() {
    const ExperimentConfig c =
        sst2_run(std::string(ExperimentConfig::kBuiltinPretrainedBackbone), "pretrained");
    const Outcome o = train(c);
    qInfo("SST-2 validation accuracy after %lld steps, frozen builtin:t5-mini: %.1f%%",
          static_cast<long long>(kSteps), o.accuracy);
    QVERIFY2(o.accuracy > kAccuracyThreshold, qPrintable(QString::number(o.accuracy)));

    // Only layer norms train in the backbone.
    QCOMPARE(o.parameters.trainable_backbone, o.parameters.parts.at("backbone.layer_norms"));
    QVERIFY(o.parameters.trainable_added > 0);
    // The checkpoint holds no backbone matrix ...
    const SafetensorsFile last(fs::path(c.checkpoint_dir) / (c.name + "-" + std::to_string(o.run)) /
                               "last.safetensors");
    for (const auto& [name, entry] : last.entries()) {
      const bool backbone = name.rfind("backbone.", 0) == 0 || name.rfind("shared", 0) == 0 ||
                            name.find(".SelfAttention.") != std::string::npos ||
                            name.find(".DenseReluDense.") != std::string::npos;
      QVERIFY2(!backbone || name.find("layer_norm") != std::string::npos, name.c_str());
    }
    // ... and the model rebuilt from the untouched backbone plus that checkpoint scores what the
    // run scored: had any frozen weight moved in training, the two would differ.
    StoredRunEvaluation again;
    again.store = c.store;
    again.run = o.run;
    again.checkpoint = "last";
    again.split = "validation";
    const EvaluationResult rebuilt = evaluate_stored_run(again);
    QCOMPARE(rebuilt.tasks.at(0).metrics.at("accuracy"), o.accuracy);
  }

  void the_same_run_on_random_weights_stays_near_chance() {
    const Outcome o = train(sst2_run("random:builtin:t5-mini", "random"));
    qInfo("SST-2 validation accuracy after %lld steps, frozen random weights: %.1f%%",
          static_cast<long long>(kSteps), o.accuracy);
    QVERIFY2(o.accuracy < kAccuracyThreshold - 5, qPrintable(QString::number(o.accuracy)));
  }
};

QTEST_GUILESS_MAIN(TestPretrainedBackbone)
#include "tst_pretrained_backbone.moc"
