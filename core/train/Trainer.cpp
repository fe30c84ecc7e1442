#include "core/train/Trainer.h"

#include <ATen/ATen.h>
#include <nlohmann/json.hpp>

#include <unistd.h>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <functional>
#include <map>

#include "core/data/Batcher.h"
#include "core/data/MultiTaskSampler.h"
#include "core/data/PretrainingCorpus.h"
#include "core/data/SentencePieceTokenizer.h"
#include "core/model/Autocast.h"
#include "core/model/DeviceSpec.h"
#include "core/model/FrozenWeights.h"
#include "core/peft/AdapterCheckpoint.h"
#include "core/peft/PeftModel.h"
#include "core/train/AdamW.h"
#include "core/train/BatchTensors.h"
#include "core/train/DenoisingEvaluation.h"
#include "core/train/DistributedGroup.h"
#include "core/train/Evaluator.h"
#include "core/train/ExperimentBackbone.h"
#include "core/train/ExperimentData.h"
#include "core/train/GraphedSteps.h"
#include "core/train/LearningRateSchedule.h"
#include "core/train/OptimizerStep.h"
#include "core/train/PretrainedExport.h"
#include "core/train/RankShare.h"
#include "core/train/TrainerGraphs.h"
#include "core/train/TrainingCheckpoint.h"
#include "core/util/Error.h"

namespace hwb {

const char* to_string(RunOutcome outcome) {
  switch (outcome) {
    case RunOutcome::kFinished:
      return "finished";
    case RunOutcome::kStopped:
      return "stopped";
    case RunOutcome::kEarlyStopped:
      return "finished";
    case RunOutcome::kFailed:
      return "failed";
  }
  return "failed";
}

void TrainingControl::request_stop() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  changed_.notify_all();
}

void TrainingControl::set_paused(bool paused) {
  {
    std::lock_guard lock(mutex_);
    paused_ = paused;
  }
  changed_.notify_all();
}

void TrainingControl::wait_while_paused() {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [this] { return !paused_.load() || stop_.load(); });
}

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

int64_t resident_memory_bytes() {
  std::ifstream statm("/proc/self/statm");
  int64_t pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * static_cast<int64_t>(sysconf(_SC_PAGESIZE));
}

}  // namespace

struct Trainer::Impl {
  Impl(ExperimentConfig c, TrainerSetup s, std::vector<std::shared_ptr<TrainingObserver>> o,
       TrainingControl& ctl)
      : config(std::move(c)), setup(std::move(s)), observers(std::move(o)), control(ctl) {}

  ExperimentConfig config;
  TrainerSetup setup;
  std::vector<std::shared_ptr<TrainingObserver>> observers;
  TrainingControl& control;
  std::string config_json;

  c10::Device device = c10::kCPU;
  bool bf16 = false;
  std::unique_ptr<SentencePieceTokenizer> tokenizer;
  std::vector<LoadedTask> tasks;
  std::unique_ptr<PeftModel> model;
  std::unique_ptr<AdamW> optimizer;
  std::unique_ptr<OptimizerStep> optimizer_step;
  std::unique_ptr<MultiTaskSampler> sampler;
  // A pretraining run's objective: its batches are corrupted chunks, its evaluation denoising.
  std::optional<SpanCorruption> corruption;
  TrainingState state;
  LossOptions loss_options;

  // CUDA graphs (config.cuda_graphs, on CUDA, one process): decoding always, training steps when
  // each step takes one batch.
  static constexpr std::size_t kMaxGraphs = 64;
  std::unique_ptr<GraphedSteps> graphs;
  std::unique_ptr<GraphedSteps> generation_graphs;  // evaluation's greedy decoding
  LengthBuckets buckets;                            // few batch shapes, so few graphs
  at::Tensor lr_on_device;                          // the learning rate a replay reads
  bool graph_limit_logged = false;

  template <typename F>
  void notify(F&& f) {
    for (auto& o : observers) f(*o);
  }
  void log(const std::string& level, const std::string& message) {
    notify([&](TrainingObserver& o) { o.on_log(level, message); });
  }

  DistributedGroup* group() const { return setup.group.get(); }
  int rank() const { return group() ? group()->rank() : 0; }
  int world_size() const { return group() ? group()->world_size() : 1; }
  bool writes() const { return rank() == 0; }

  // The trainable parameters, in one order on every rank, for the collectives.
  std::vector<at::Tensor> trainable;

  std::vector<at::Tensor> trainable_gradients() const {
    std::vector<at::Tensor> out;
    out.reserve(trainable.size());
    for (const at::Tensor& p : trainable) out.push_back(p.grad());
    return out;
  }

  void prepare() {
    device = group() ? group()->device() : parse_device(config.device);
    bf16 = config.bf16 && device.is_cuda();
    tokenizer = SentencePieceTokenizer::load_t5();
    if (config.pretraining) {
      // <extra_id_0> is the vocabulary's last id.
      corruption.emplace(config.pretraining->corruption, tokenizer->vocab_size() - 1);
      CorpusLoadOptions corpus;
      corpus.validation_lines = config.pretraining->validation_lines;
      corpus.seed = config.data_seed;
      tasks = {
          load_pretraining_corpus(config.pretraining->corpora, *corruption, *tokenizer, corpus)};
    } else {
      tasks = load_experiment_tasks(config, *tokenizer, setup.cache_dir);
    }
    for (const LoadedTask& t : tasks) {
      log("info", t.definition.name + ": " + std::to_string(t.train.size()) + " train, " +
                      std::to_string(t.validation.size()) + " validation, " +
                      std::to_string(t.test.size()) + " test examples");
      if (t.skipped.count) {
        log("warning", t.definition.name + ": " + std::to_string(t.skipped.count) +
                           " bad rows skipped (first: " + t.skipped.messages.front() + ")");
      }
      for (const std::string& note : t.notes) log("info", t.definition.name + ": " + note);
    }
    PeftConfig peft = config.peft;
    peft.tasks = config.task_names();
    at::manual_seed(config.seed);
    model = std::make_unique<PeftModel>(build_backbone(config), peft, config.seed);
    model->to(device);
    model->train();
    if (bf16) {
      const int64_t saved = store_frozen_linear_weights(*model->backbone(), at::kBFloat16);
      if (saved > 0) {
        log("info", "frozen backbone matrices kept in bf16 (" + std::to_string(saved >> 20) +
                        " MiB less GPU memory, no per-step weight casts)");
      }
    }
    AdamW::Options adam;
    adam.weight_decay = config.weight_decay;
    const auto named_trainable = model->named_trainable_parameters();
    for (const auto& [name, p] : named_trainable) trainable.push_back(p);
    optimizer = std::make_unique<AdamW>(named_trainable, adam);
    loss_options.label_smoothing = config.label_smoothing;
    loss_options.sum_over_tokens = config.reference_compatible;
    optimizer_step = std::make_unique<OptimizerStep>(
        *model, *optimizer, OptimizerStep::Options{loss_options, config.max_grad_norm, bf16});
    if (config.cuda_graphs && device.is_cuda() && GraphedSteps::available()) prepare_graphs();
    const ParameterReport parameters = ParameterReport::of(*model);
    notify([&](TrainingObserver& o) { o.on_parameters(parameters); });
    std::vector<std::size_t> sizes;
    for (const LoadedTask& t : tasks) sizes.push_back(t.train.size());
    // One global batch of batch_size per rank, drawn alike on every rank: the tasks and examples
    // of a run on N processes are those of one process with N times the batch.
    sampler = std::make_unique<MultiTaskSampler>(
        sizes, static_cast<std::size_t>(config.batch_size) * static_cast<std::size_t>(world_size()),
        config.temperature, config.seed);
    if (setup.resume_from) {
      state = load_training_checkpoint(*setup.resume_from, *model, *optimizer);
      try {
        sampler->restore(state.sampler);
      } catch (const std::exception& e) {
        throw Error(std::string(e.what()) + " (a run resumes with the number of processes it " +
                    "was trained with: its global batch must not change)");
      }
      log("info", "resumed from step " + std::to_string(state.step) + " (" +
                      setup.resume_from->string() + ")");
    }
    if (group()) {
      // Same seed, same start on every rank already; rank 0's copy makes it so whatever happened.
      group()->broadcast_from_root(trainable);
      log("info", "data-parallel over " + std::to_string(world_size()) + " processes (" +
                      group()->backend() + "): batch " + std::to_string(config.batch_size) +
                      " per process, " + std::to_string(config.batch_size * world_size()) +
                      " in all");
    }
  }

  void prepare_graphs() {
    // Not in a data-parallel run: its all-reduce sits between backward and the optimiser, and a
    // capture on rank 0 beside NCCL's own threads has never been run on GPUs.
    if (group()) {
      log("info",
          "CUDA graphs are not used in a data-parallel run; steps and evaluation run eagerly");
      return;
    }
    buckets = {32, config.max_source_length, 8};
    // A pretraining run evaluates teacher-forced: it decodes nothing.
    if (!corruption) {
      std::map<std::string, int64_t> new_tokens;
      for (const LoadedTask& t : tasks) {
        new_tokens[t.definition.name] = t.definition.max_target_length;
      }
      generation_graphs = graphed_decoding(*model, std::move(new_tokens), bf16, kMaxGraphs);
    }
    if (config.gradient_accumulation > 1) {
      log("info",
          "CUDA graphs are not used for training steps: gradient accumulation runs several "
          "batches per step; steps run eagerly, evaluation's decoding replays as graphs");
      return;
    }
    lr_on_device = at::zeros({}, at::TensorOptions().dtype(at::kFloat).device(device));
    graphs = graphed_training_steps(*optimizer_step, lr_on_device, kMaxGraphs);
    log("info",
        "training steps and evaluation's decoding run as CUDA graphs, one per task and batch "
        "shape (batches padded to multiples of 32 source and 8 target tokens; the first step of "
        "each shape runs eagerly)");
  }

  void save_checkpoint() {
    if (!writes()) return;
    state.sampler = sampler->state();
    const auto file = setup.checkpoint_dir / "last.safetensors";
    save_training_checkpoint(file, *model, *optimizer, state, config_json);
    notify([&](TrainingObserver& o) {
      o.on_checkpoint(state.step, file.string(), state.best_score, false);
    });
  }

  // Evaluates, records, keeps the best adapters; returns true when early stopping says stop.
  bool evaluate_and_record() {
    bool stop_early = false;
    if (writes()) stop_early = evaluate_on_this_rank();
    if (group()) {
      // The others wait here while rank 0 evaluates, then learn whether early stopping ended it.
      at::Tensor flag = at::full({1}, stop_early ? 1.0f : 0.0f, at::TensorOptions().device(device));
      group()->broadcast_from_root({flag});
      stop_early = flag.item<float>() > 0;
    }
    return stop_early;
  }

  EvaluationOptions evaluation_options() const {
    EvaluationOptions options;
    options.batch_size = config.eval_batch_size;
    options.reference_average = config.reference_compatible;
    options.bf16 = bf16;
    options.generation_graphs = generation_graphs.get();
    options.buckets = buckets;
    return options;
  }

  bool evaluate_on_this_rank() {
    EvaluationResult result = corruption ? evaluate_denoising(*model, tasks.front(), *corruption,
                                                              device, config.eval_batch_size, bf16)
                                         : evaluate(*model, tasks, "validation", *tokenizer, device,
                                                    evaluation_options());
    result.step = state.step;
    const bool best = result.average > state.best_score;
    if (best) {
      state.best_score = result.average;
      state.best_step = state.step;
      state.evaluations_since_best = 0;
      const auto file = setup.checkpoint_dir / "best.safetensors";
      std::error_code ec;
      std::filesystem::create_directories(setup.checkpoint_dir, ec);
      save_adapters(
          *model, file,
          {{"step", std::to_string(state.step)}, {"score", std::to_string(result.average)}});
      notify([&](TrainingObserver& o) {
        o.on_checkpoint(state.step, file.string(), result.average, true);
      });
    } else {
      ++state.evaluations_since_best;
    }
    notify([&](TrainingObserver& o) { o.on_evaluation(result, best); });
    const WeightStatistics stats = WeightStatistics::of(*model);
    notify([&](TrainingObserver& o) { o.on_weight_statistics(state.step, stats); });
    std::string line =
        "step " + std::to_string(state.step) + ": average " + std::to_string(result.average);
    for (const TaskEvaluation& t : result.tasks)
      line += ", " + t.task + " " + std::to_string(t.score);
    log("info", line + (best ? " (best)" : ""));
    return config.early_stopping_patience > 0 &&
           state.evaluations_since_best >= config.early_stopping_patience;
  }

  // The run's result on held-out data: its best checkpoint scored on the test split, recorded at
  // the best evaluation's step (docs/STUDIES.md "Test-split scores").
  void test_best_checkpoint() {
    if (!writes() || corruption || !config.test_at_end || state.best_step <= 0) return;
    // evaluate() passes over tasks without a test split.
    const bool any_test = std::any_of(tasks.begin(), tasks.end(),
                                      [](const LoadedTask& t) { return !t.test.empty(); });
    const auto best = setup.checkpoint_dir / "best.safetensors";
    if (!any_test || !std::filesystem::exists(best)) return;
    load_adapters(*model, best);
    EvaluationResult result =
        evaluate(*model, tasks, "test", *tokenizer, device, evaluation_options());
    result.step = state.best_step;
    notify([&](TrainingObserver& o) { o.on_evaluation(result, false); });
    std::string line = "test split, best checkpoint (step " + std::to_string(state.best_step) +
                       "): average " + std::to_string(result.average);
    for (const TaskEvaluation& t : result.tasks)
      line += ", " + t.task + " " + std::to_string(t.score);
    log("info", line);
  }

  // A finished pretraining run leaves its model as a Hugging Face folder (docs/PRETRAINING.md).
  void export_pretrained() {
    if (!config.pretraining || !writes()) return;
    const PretrainingConfig& pre = *config.pretraining;
    const int64_t tokens_seen = state.step * config.batch_size * config.gradient_accumulation *
                                world_size() * pre.corruption.input_length;
    hwb::export_pretrained(model->backbone(), pre.output, pre.output_bf16,
                           {{"hwb_pretraining_steps", std::to_string(state.step)},
                            {"hwb_pretraining_input_tokens", std::to_string(tokens_seen)},
                            {"hwb_experiment", config_json}});
    log("info", "pretrained model written to " + pre.output + " (" + std::to_string(state.step) +
                    " steps, " + std::to_string(tokens_seen) + " input tokens seen)");
  }

  // A peer's failure ends the run with a checkpoint of the last step every rank completed: the
  // failed gradient all-reduce left parameters and optimiser untouched, and the sampler goes back
  // to where that step began.
  std::optional<nlohmann::json> sampler_before_step;

  RunOutcome loop() {
    try {
      return loop_steps();
    } catch (const CollectiveError& e) {
      std::string message = e.what();
      if (sampler_before_step) sampler->restore(*sampler_before_step);
      if (writes()) {
        try {
          save_checkpoint();
          message += "; rank 0 saved a checkpoint at step " + std::to_string(state.step) +
                     ": resume the run with the same number of processes";
        } catch (const std::exception& saving) {
          message += std::string("; saving a checkpoint failed too: ") + saving.what();
        }
      }
      throw Error(message);
    }
  }

  using RecordLoss =
      std::function<void(std::size_t task, const at::Tensor& loss, int64_t examples)>;

  // The rows of the next batch this rank trains on, and the weight of its loss.
  struct Draw {
    std::size_t task = 0;
    std::vector<std::size_t> rows;
    double loss_weight = 1.0;
  };
  Draw draw() {
    const TaskBatch tb = sampler->next();
    const LoadedTask& task = tasks[tb.task];
    Draw d;
    d.task = tb.task;
    d.rows.reserve(tb.rows.size());
    for (std::size_t r : tb.rows) d.rows.push_back(task.train.indices[r]);
    if (group()) {
      RankShare share =
          rank_share(*task.train.data, d.rows, rank(), world_size(), loss_options.sum_over_tokens);
      // Corrupted chunks have targets of (nearly) one length, made only when the batch is.
      d.loss_weight = corruption ? 1.0 : share.loss_weight;
      d.rows = std::move(share.rows);
    }
    return d;
  }

  // The batch of drawn rows: a task's examples padded (to `buckets` when given), or in a
  // pretraining run its chunks corrupted with noise seeded by the step, so a resumed run draws
  // what the original would.
  Batch make_batch(const LoadedTask& task, const std::vector<std::size_t>& rows, int64_t step,
                   int64_t k, const LengthBuckets& shape) const {
    if (corruption) {
      return corruption->batch(
          *task.train.data, rows,
          config.seed * 1000003ULL + static_cast<uint64_t>(step) * 64 + static_cast<uint64_t>(k));
    }
    return Batcher::make(*task.train.data, rows, shape);
  }

  // Dropout seeded by position in the run: a resumed run draws what the original would. Each rank
  // its own stream: the same masks on every slice would correlate the ranks.
  void seed_dropout(int64_t step, int64_t k) const {
    at::manual_seed(config.seed * 1000003ULL + static_cast<uint64_t>(step) * 64 +
                    static_cast<uint64_t>(k) + (static_cast<uint64_t>(rank()) << 40));
  }

  // One optimiser step op by op: gradient accumulation, the data-parallel all-reduce, the CPU.
  // Returns the gradient norm before clipping.
  at::Tensor eager_step(int64_t step, double lr, const RecordLoss& record) {
    optimizer_step->begin();
    for (int64_t k = 0; k < config.gradient_accumulation; ++k) {
      const Draw d = draw();
      const LoadedTask& task = tasks[d.task];
      const Batch batch = make_batch(task, d.rows, step, k, {});
      const BatchTensors t = to_tensors(batch, device);
      seed_dropout(step, k);
      const double weight = group() ? d.loss_weight : 1.0;
      const at::Tensor loss = optimizer_step->accumulate(
          task.definition.name, t, weight / static_cast<double>(config.gradient_accumulation));
      record(d.task, group() ? loss * weight : loss, batch.size);
    }
    if (group()) {
      group()->all_reduce_mean(trainable_gradients());
      sampler_before_step.reset();
    }
    return optimizer_step->finish(lr);
  }

  // One optimiser step as a CUDA graph replay (or the eager run that precedes a shape's capture).
  at::Tensor graphed_step(int64_t step, double lr, const RecordLoss& record) {
    const Draw d = draw();
    const LoadedTask& task = tasks[d.task];
    const Batch batch = make_batch(task, d.rows, step, 0, buckets);
    const BatchTensors t = to_tensors(batch, device);
    seed_dropout(step, 0);
    lr_on_device.fill_(lr);
    const GraphedSteps::Result r = graphs->run(task.definition.name, t);
    if (!r.replayed && graphs->graph_count() == kMaxGraphs && !graph_limit_logged) {
      graph_limit_logged = true;
      log("info", "CUDA graphs: " + std::to_string(kMaxGraphs) +
                      " task and batch shapes captured; steps of other shapes run eagerly");
    }
    // The replay's output is rewritten by the next replay.
    const at::Tensor out = r.output.clone();
    record(d.task, out[0], batch.size);
    return out[1];
  }

  RunOutcome loop_steps() {
    const int64_t start_step = state.step;
    notify([&](TrainingObserver& o) { o.on_started(0, start_step); });
    const auto run_start = Clock::now();
    const double elapsed_before = state.elapsed_seconds;
    auto interval_start = Clock::now();
    int64_t interval_examples = 0;
    at::Tensor interval_loss = at::zeros({}, at::TensorOptions().device(device));
    std::map<std::size_t, std::pair<at::Tensor, int64_t>> task_loss;  // sum, batches
    int64_t interval_batches = 0;
    auto record = [&](std::size_t task_index, const at::Tensor& detached, int64_t examples) {
      interval_loss += detached;
      auto& [sum, count] = task_loss[task_index];
      sum = sum.defined() ? sum + detached : detached;
      ++count;
      ++interval_batches;
      interval_examples += examples;
    };

    while (state.step < config.steps) {
      // A data-parallel run agrees on a stop at its logging steps instead (below): ranks see a
      // request at different moments, and all must leave at the same step.
      if (!group() && control.paused()) {
        state.elapsed_seconds = elapsed_before + seconds_since(run_start);
        TrainingProgress p;
        p.step = state.step;
        p.total_steps = config.steps;
        p.paused = true;
        notify([&](TrainingObserver& o) { o.on_progress(p); });
        control.wait_while_paused();
        interval_start = Clock::now();
      }
      if (!group() && control.stop_requested()) {
        save_checkpoint();
        return RunOutcome::kStopped;
      }
      if (group()) sampler_before_step = sampler->state();
      const int64_t step = state.step + 1;
      const double lr =
          linear_schedule(step, config.warmup_steps, config.steps, config.learning_rate);
      const at::Tensor grad_norm =
          graphs ? graphed_step(step, lr, record) : eager_step(step, lr, record);
      state.step = step;

      if (step % config.log_every == 0 || step == config.steps) {
        bool stop_agreed = false;
        std::vector<double> task_loss_sums;
        // The one host synchronisation of a logging interval.
        double mean_loss = 0;
        if (group()) {
          // Losses and examples summed over ranks, and whether any rank was asked to stop.
          std::vector<at::Tensor> parts = {
              interval_loss.to(at::kDouble).reshape({1}),
              at::full({1}, static_cast<double>(interval_examples),
                       at::TensorOptions().dtype(at::kDouble).device(device)),
              at::full({1}, control.stop_requested() ? 1.0 : 0.0,
                       at::TensorOptions().dtype(at::kDouble).device(device))};
          for (const auto& [task_index, sum_count] : task_loss)
            parts.push_back(sum_count.first.to(at::kDouble).reshape({1}));
          at::Tensor totals = at::cat(parts);
          group()->all_reduce_sum(totals);
          const at::Tensor host = totals.cpu();
          const double* v = host.data_ptr<double>();
          const double ranks = static_cast<double>(world_size());
          mean_loss = v[0] / (static_cast<double>(interval_batches) * ranks);
          interval_examples = static_cast<int64_t>(v[1]);
          stop_agreed = v[2] > 0;
          for (std::size_t i = 0; i < task_loss.size(); ++i)
            task_loss_sums.push_back(v[3 + i] / ranks);
        } else {
          mean_loss = interval_loss.item<double>() / static_cast<double>(interval_batches);
          for (const auto& [task_index, sum_count] : task_loss)
            task_loss_sums.push_back(sum_count.first.item<double>());
        }
        if (!std::isfinite(mean_loss)) {
          throw Error("The training loss became " + std::to_string(mean_loss) + " at step " +
                      std::to_string(step) +
                      ": lower training.learning_rate or enable clipping "
                      "(training.max_grad_norm)");
        }
        const double interval = std::max(1e-9, seconds_since(interval_start));
        const double examples_per_second = static_cast<double>(interval_examples) / interval;
        state.elapsed_seconds = elapsed_before + seconds_since(run_start);
        std::vector<std::pair<std::string, double>> scalars = {
            {"loss", mean_loss},
            {"learning_rate", lr},
            {"examples_per_second", examples_per_second},
            {"grad_norm", grad_norm.item<double>()},
            {"memory_bytes", static_cast<double>(resident_memory_bytes())}};
        std::size_t task_slot = 0;
        for (const auto& [task_index, sum_count] : task_loss) {
          scalars.emplace_back("loss/" + tasks[task_index].definition.name,
                               task_loss_sums[task_slot++] / static_cast<double>(sum_count.second));
        }
        notify([&](TrainingObserver& o) { o.on_scalars(step, state.elapsed_seconds, scalars); });
        TrainingProgress p;
        p.step = step;
        p.total_steps = config.steps;
        p.loss = mean_loss;
        p.learning_rate = lr;
        p.examples_per_second = examples_per_second;
        const double steps_per_second =
            static_cast<double>(step - start_step) / std::max(1e-9, seconds_since(run_start));
        p.eta_seconds = static_cast<double>(config.steps - step) / std::max(1e-9, steps_per_second);
        p.memory_bytes = resident_memory_bytes();
        notify([&](TrainingObserver& o) { o.on_progress(p); });
        interval_loss.zero_();
        interval_batches = 0;
        interval_examples = 0;
        task_loss.clear();
        interval_start = Clock::now();
        if (stop_agreed) {
          save_checkpoint();
          return RunOutcome::kStopped;
        }
      }
      if (step % config.eval_every == 0 || step == config.steps) {
        const bool stop_early = evaluate_and_record();
        save_checkpoint();
        if (stop_early) {
          log("info", "early stopping: no better average in " +
                          std::to_string(config.early_stopping_patience) + " evaluations");
          return RunOutcome::kEarlyStopped;
        }
        interval_start = Clock::now();
      }
    }
    return RunOutcome::kFinished;
  }
};

Trainer::Trainer(ExperimentConfig config, TrainerSetup setup,
                 std::vector<std::shared_ptr<TrainingObserver>> observers, TrainingControl& control)
    : impl_(std::make_unique<Impl>(std::move(config), std::move(setup), std::move(observers),
                                   control)) {
  impl_->config_json = impl_->config.to_json().dump();
}

Trainer::~Trainer() = default;

int64_t Trainer::step() const {
  return impl_->state.step;
}

RunOutcome Trainer::run() {
  impl_->config.validate();
  impl_->prepare();
  const RunOutcome outcome = impl_->loop();
  if (outcome != RunOutcome::kStopped) {
    impl_->test_best_checkpoint();
    impl_->export_pretrained();
  }
  return outcome;
}

}  // namespace hwb
