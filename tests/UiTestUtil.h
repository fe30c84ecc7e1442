#pragma once

// Real run stores for the GUI tests: short demo runs trained by the same launcher the workbench
// uses, so the views are checked against numbers the engine really wrote.
#include <QComboBox>
#include <QTemporaryDir>
#include <QtTest/QtTest>

#include <filesystem>
#include <memory>
#include <string>

#include "core/peft/PeftConfig.h"
#include "core/store/RunStoreReader.h"
#include "core/train/RunLauncher.h"
#include "tests/DemoTestConfig.h"
#include "ui/common/RunRef.h"

namespace hwb::test {

// The demo cut to seconds on a CPU: 30 steps, evaluations at steps 15 and 30, a few examples.
inline ExperimentConfig short_demo(const std::filesystem::path& store, int64_t reduction_factor) {
  ExperimentConfig c = short_demo_config({.steps = 30,
                                          .warmup_steps = 5,
                                          .batch_size = 4,
                                          .log_every = 2,
                                          .eval_every = 15,
                                          .max_train = 48,
                                          .max_validation = 12,
                                          .max_test = 12});
  c.name = "ui-test";
  c.peft.reduction_factor = reduction_factor;
  c.store = store.string();
  c.checkpoint_dir = (store.parent_path() / "checkpoints").string();
  c.cache_dir = (store.parent_path() / "cache").string();
  return c;
}

// Picks the item whose data is `value`, as a person choosing it would.
inline void choose(QComboBox* combo, const QString& value) {
  const int index = combo->findData(value);
  QVERIFY2(index >= 0, qPrintable(value));
  combo->setCurrentIndex(index);
}

// Trains `config` to its end and returns the run as the views see it, on its own reader.
inline RunRef train_run(const ExperimentConfig& config) {
  LaunchedRun launched = launch_run(config, {});
  launched.session->wait();
  if (launched.session->state() != TrainingSession::State::kFinished) {
    qFatal("demo run did not finish: %s", launched.session->error().c_str());
  }
  RunRef ref;
  ref.store = RunStoreReader::open(launched.store);
  ref.run = launched.run;
  ref.label = QStringLiteral("%1 #%2 (%3)")
                  .arg(QString::fromStdString(config.name))
                  .arg(launched.run)
                  .arg(QString::fromStdString(launched.store.filename().string()));
  return ref;
}

}  // namespace hwb::test
