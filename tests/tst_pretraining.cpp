// Pretraining runs (ExperimentConfig::pretraining, `hyperformer pretrain`): corpora read, held out
// and mixed by weight, the config's checks and JSON, and a real run on the CPU that learns,
// resumes into the same curve and leaves a Hugging Face folder that loads.
#include <ATen/ATen.h>

#include <fstream>

#include "core/data/PretrainingCorpus.h"
#include "core/data/SentencePieceTokenizer.h"
#include "core/model/Safetensors.h"
#include "core/model/T5Checkpoint.h"
#include "core/train/TrainingSession.h"
#include "tests/RecordingObserver.h"
#include "tests/TestUtil.h"

using namespace hwb;
using hwb::test::record_run;
using hwb::test::Recorder;
namespace fs = std::filesystem;

namespace {

// The sentences of the bundled SST-2 sample: real English, one a line.
std::vector<std::string> sst2_sentences() {
  std::ifstream in(fs::path(HWB_SOURCE_DIR) / "resources/demo/glue/SST-2/train.tsv");
  std::vector<std::string> out;
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) out.push_back(line.substr(0, line.find('\t')));
  return out;
}

void write_lines(const fs::path& file, const std::vector<std::string>& lines, std::size_t begin,
                 std::size_t end) {
  std::ofstream out(file);
  for (std::size_t i = begin; i < end; ++i) out << lines[i] << "\n";
}

}  // namespace

class TestPretraining : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir dir_;
  std::unique_ptr<SentencePieceTokenizer> tokenizer_;
  fs::path big_, small_;

  fs::path path(const std::string& name) const {
    return fs::path(dir_.path().toStdString()) / name;
  }

  ExperimentConfig tiny_pretraining(const std::string& name) const {
    ExperimentConfig c = ExperimentConfig::pretraining_recipe();
    c.name = name;
    c.pretraining->corpora = {{big_, 3.0}, {small_, 1.0}};
    c.pretraining->corruption.input_length = 32;
    c.pretraining->validation_lines = 40;
    c.pretraining->output = path(name + "-model").string();
    T5Config& a = c.pretraining->architecture;
    a.d_model = 32;
    a.d_kv = 8;
    a.num_heads = 4;
    a.d_ff = 64;
    a.num_layers = 1;
    a.num_decoder_layers = 1;
    c.device = "cpu";
    c.steps = 24;
    c.warmup_steps = 2;
    c.batch_size = 8;
    c.log_every = 1;  // a resumed run's first logged loss then covers one step, as the original's
    c.eval_every = 12;
    c.eval_batch_size = 32;
    c.learning_rate = 3e-3;
    c.store = path(name + ".db").string();
    return c;
  }

  TrainerSetup setup(const std::string& name) const {
    TrainerSetup s;
    s.checkpoint_dir = path(name + "-checkpoints");
    s.cache_dir = path("cache");
    return s;
  }

  std::shared_ptr<Recorder> run(const ExperimentConfig& c, const TrainerSetup& s) {
    return record_run(c, s);
  }

 private Q_SLOTS:
  void initTestCase() {
    tokenizer_ = SentencePieceTokenizer::load_t5();
    const std::vector<std::string> lines = sst2_sentences();
    QVERIFY(lines.size() >= 3000);
    big_ = path("big.txt");
    small_ = path("small.txt");
    write_lines(big_, lines, 0, 1500);
    write_lines(small_, lines, 1500, 2000);
  }

  void corpora_are_held_out_packed_and_mixed_by_weight() {
    const SpanCorruption corruption({0.15, 3.0, 32}, 32099);
    CorpusLoadOptions options;
    options.validation_lines = 40;
    const LoadedTask task =
        load_pretraining_corpus({{big_, 3.0}, {small_, 1.0}}, corruption, *tokenizer_, options);
    QCOMPARE(task.definition.name, std::string(kSpanCorruptionTask));
    QCOMPARE(task.files.size(), std::size_t{2});
    const TaskDataset& train = *task.train.data;
    std::size_t big_chunks = task.files[0].examples, small_chunks = task.files[1].examples;
    QVERIFY(big_chunks > 100 && small_chunks > 30);
    for (std::size_t r = 0; r + 1 < train.size(); ++r) {
      if (r + 1 == big_chunks) continue;  // each file's last chunk may be short
      QCOMPARE(std::int64_t(train.source_ids(r).size()), corruption.raw_length());
    }
    // A pass holds every chunk's share by weight: 3/4 from the big file, 1/4 from the small one
    // (whose chunks repeat to make it).
    const std::size_t total = big_chunks + small_chunks;
    QVERIFY(task.train.size() >= total - 1 && task.train.size() <= total + 1);  // each share rounds
    const auto from_small =
        static_cast<std::size_t>(std::count_if(task.train.indices.begin(), task.train.indices.end(),
                                               [&](std::size_t row) { return row >= big_chunks; }));
    QCOMPARE(from_small, static_cast<std::size_t>(std::llround(total / 4.0)));
    QVERIFY(from_small > small_chunks);
    // Held-out lines: 40 per file, packed apart, and never in training.
    QVERIFY(!task.validation.empty());
    std::size_t held_tokens = 0;
    for (std::size_t r : task.validation.indices)
      held_tokens += task.validation.data->source_ids(r).size();
    QVERIFY(held_tokens > 80 * 5);
    // Same seed, same split; another seed holds out other lines.
    const LoadedTask again =
        load_pretraining_corpus({{big_, 3.0}, {small_, 1.0}}, corruption, *tokenizer_, options);
    QCOMPARE(again.train.indices, task.train.indices);
    options.seed = 7;
    const LoadedTask other =
        load_pretraining_corpus({{big_, 3.0}, {small_, 1.0}}, corruption, *tokenizer_, options);
    QVERIFY(other.validation.data->source_ids(0).size() !=
                task.validation.data->source_ids(0).size() ||
            !std::equal(other.validation.data->source_ids(0).begin(),
                        other.validation.data->source_ids(0).end(),
                        task.validation.data->source_ids(0).begin()));
  }

  void bad_corpora_name_the_file_and_the_fix() {
    const SpanCorruption corruption({0.15, 3.0, 32}, 32099);
    QVERIFY(test::throws_with(
        [&] {
          load_pretraining_corpus({{path("missing.txt"), 1.0}}, corruption, *tokenizer_, {});
        },
        {"missing.txt", "does not exist", "make_pretraining_corpus.py"}));
    test::write_text(path("blank.txt"), "\n  \n\t\n");
    QVERIFY(test::throws_with(
        [&] {
          load_pretraining_corpus({{path("blank.txt"), 1.0}}, corruption, *tokenizer_, {});
        },
        {"blank.txt", "no text"}));
    QVERIFY(test::throws_with(
        [&] {
          load_pretraining_corpus({{big_, 0.0}}, corruption, *tokenizer_, {});
        },
        {"big.txt", "weight must be positive"}));
  }

  void the_config_checks_and_round_trips() {
    const ExperimentConfig recipe = ExperimentConfig::pretraining_recipe();
    QVERIFY2(recipe.problems().empty(),
             recipe.problems().empty() ? "" : recipe.problems()[0].c_str());
    QCOMPARE(recipe.task_names(), std::vector<std::string>{kSpanCorruptionTask});
    const nlohmann::json j = recipe.to_json();
    QCOMPARE(ExperimentConfig::from_json(j).to_json(), j);
    QVERIFY(!j.contains("backbone") || j["backbone"] == "");

    ExperimentConfig bad = recipe;
    bad.peft.variant = PeftVariant::kHyperformerPP;
    bad.backbone = "builtin:tiny";
    bad.tasks.push_back(ExperimentTask{"sst2", std::nullopt, 0, 0, 0});
    bad.pretraining->corruption.noise_density = 1.5;
    bad.pretraining->corpora.push_back({"", -1.0});
    bad.pretraining->output.clear();
    std::string all;
    for (const std::string& p : bad.problems()) all += p + "\n";
    for (const char* needle : {"variant.variant", "backbone:", "data.tasks", "noise_density",
                               "corpora[2].path", "corpora[2].weight", "pretraining.output"}) {
      QVERIFY2(all.find(needle) != std::string::npos, qPrintable(QString::fromStdString(all)));
    }
    nlohmann::json typo = j;
    typo["pretraining"]["noise_densty"] = 0.2;
    QVERIFY(test::throws_with([&] { ExperimentConfig::from_json(typo); },
                              {"pretraining.noise_densty", "unknown key"}));
  }

  void a_pretraining_run_learns_and_exports_a_folder_that_loads() {
    const ExperimentConfig c = tiny_pretraining("whole");
    const auto rec = run(c, setup("whole"));
    QCOMPARE(rec->outcome, RunOutcome::kFinished);
    QCOMPARE(rec->losses.size(), std::size_t{24});
    // Learning: the last logged loss well under the first (from ~10.4, ln of the vocabulary).
    QVERIFY2(rec->losses.rbegin()->second < rec->losses.begin()->second - 1.0,
             qPrintable(QString("%1 -> %2")
                            .arg(rec->losses.begin()->second)
                            .arg(rec->losses.rbegin()->second)));
    QCOMPARE(rec->evaluations.size(), std::size_t{2});
    const TaskEvaluation& e = rec->evaluations.back().tasks.at(0);
    QCOMPARE(e.task, std::string(kSpanCorruptionTask));
    QVERIFY(e.metrics.count("accuracy") && e.metrics.count("loss"));
    QVERIFY(e.metrics.at("accuracy") > 0 && e.metrics.at("accuracy") < 100);
    QVERIFY(rec->evaluations.back().tasks[0].metrics.at("loss") <
            rec->evaluations.front().tasks[0].metrics.at("loss"));

    const fs::path out = c.pretraining->output;
    for (const char* file : {"config.json", "model.safetensors", "spiece.model"})
      QVERIFY2(fs::exists(out / file), file);
    QVERIFY(!fs::exists(fs::path(out.string() + ".partial")));
    const SafetensorsFile st(out / "model.safetensors");
    QCOMPARE(st.entries().at("shared.weight").dtype, std::string("BF16"));
    QCOMPARE(st.metadata().at("hwb_pretraining_steps"), std::string("24"));
    T5Model loaded = load_t5(out);
    QCOMPARE(loaded->config().d_model, std::int64_t{32});
    QCOMPARE(loaded->config().vocab_size, std::int64_t{32128});
  }

  void a_stopped_pretraining_run_resumes_into_the_same_curve() {
    const auto whole = run(tiny_pretraining("curve"), setup("curve"));
    const ExperimentConfig c = tiny_pretraining("halves");
    const TrainerSetup s = setup("halves");
    auto rec = std::make_shared<Recorder>();
    {
      auto session = TrainingSession::start(c, s, {rec});
      QTRY_VERIFY_WITH_TIMEOUT(rec->step() >= 6, hwb::test::kPatienceMs);
      session->stop();
      session->wait();
      QCOMPARE(session->state(), TrainingSession::State::kStopped);
    }
    QVERIFY(!fs::exists(c.pretraining->output));  // only a finished run exports
    TrainerSetup again = s;
    again.resume_from = s.checkpoint_dir / "last.safetensors";
    const auto resumed = run(c, again);
    QCOMPARE(resumed->outcome, RunOutcome::kFinished);
    QVERIFY(resumed->losses.size() < whole->losses.size());
    for (const auto& [step, loss] : resumed->losses) {
      QVERIFY2(
          std::abs(loss - whole->losses.at(step)) < 1e-5,
          qPrintable(QString("step %1: %2 vs %3").arg(step).arg(loss).arg(whole->losses.at(step))));
    }
    QVERIFY(fs::exists(fs::path(c.pretraining->output) / "model.safetensors"));
  }
};

QTEST_GUILESS_MAIN(TestPretraining)
#include "tst_pretraining.moc"
