// `hyperformer selftest`: this build against transformers' reference outputs, on the CPU or a GPU.
// It is how the CUDA path is tested on the GPU machine (no Qt there, so no Qt Test suite).
#include <ATen/ATen.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <fstream>
#include <iostream>

#include "core/cli/CliSupport.h"
#include "core/cli/Commands.h"
#include "core/data/SentencePieceTokenizer.h"
#include "core/model/Autocast.h"
#include "core/model/DeviceSpec.h"
#include "core/model/FrozenWeights.h"
#include "core/model/Generation.h"
#include "core/model/T5Checkpoint.h"
#include "core/peft/PeftModel.h"
#include "core/train/AdamW.h"
#include "core/train/GraphedSteps.h"
#include "core/train/OptimizerStep.h"
#include "core/util/Error.h"

namespace hwb::cli {
namespace fs = std::filesystem;

namespace {

struct SelfTestOptions {
  std::string device = "cpu";
  std::string fixtures;
};

class Report {
 public:
  void check(bool ok, const std::string& name, const std::string& detail) {
    std::cout << (ok ? "PASS " : "FAIL ") << name << ": " << detail << std::endl;
    failures_ += ok ? 0 : 1;
    ++checks_;
  }
  int failures() const { return failures_; }
  int checks() const { return checks_; }

 private:
  int failures_ = 0;
  int checks_ = 0;
};

nlohmann::json read_json(const fs::path& p) {
  std::ifstream in(p);
  if (!in) throw Error("Cannot read '" + p.string() + "'");
  return nlohmann::json::parse(in);
}

at::Tensor ids_tensor(const nlohmann::json& rows, const c10::Device& device) {
  std::vector<int64_t> flat;
  for (const auto& row : rows) {
    for (const auto& v : row) flat.push_back(v.get<int64_t>());
  }
  return at::tensor(flat, at::kLong).view({static_cast<int64_t>(rows.size()), -1}).to(device);
}

std::string fmt(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g", v);
  return buf;
}

double max_abs(const at::Tensor& a, const at::Tensor& b) {
  return (a.to(at::kCPU).to(at::kDouble) - b.to(at::kCPU).to(at::kDouble))
      .abs()
      .max()
      .item<double>();
}

// fp32 logits, loss and greedy output against transformers; with bf16 autocast, closeness.
void check_reference(const fs::path& folder, const c10::Device& device, Report& report) {
  const std::string name = folder.filename().string();
  const nlohmann::json ref = read_json(folder / "reference.json");
  T5Model model = load_t5(folder);
  model->eval();
  model->to(device);
  const at::Tensor ids = ids_tensor(ref["input_ids"], device);
  const at::Tensor mask = ids_tensor(ref["attention_mask"], device);
  const at::Tensor labels = ids_tensor(ref["labels"], device);
  const auto shape = ref["logits_shape"].get<std::vector<int64_t>>();
  const at::Tensor expected =
      at::tensor(ref["logits"].get<std::vector<float>>(), at::kFloat).view(shape);

  at::NoGradGuard no_grad;
  const Seq2SeqOutput out = model->forward(ids, mask, labels);
  const double diff = max_abs(out.logits, expected);
  report.check(diff < 1e-4, name + " fp32 logits", "max |diff| " + fmt(diff) + " (limit 1e-4)");
  const double loss_diff = std::abs(out.loss.item<double>() - ref["loss"].get<double>());
  report.check(loss_diff < 1e-4, name + " fp32 loss", "|diff| " + fmt(loss_diff));

  GenerateOptions gen;
  gen.max_new_tokens = ref["max_new_tokens"].get<int64_t>();
  const at::Tensor greedy = greedy_generate(model, ids, mask, gen).to(at::kCPU);
  report.check(at::equal(greedy, ids_tensor(ref["greedy"], c10::kCPU)), name + " greedy",
               "cached greedy output equals transformers' generate");
  gen.use_cache = false;
  report.check(at::equal(greedy_generate(model, ids, mask, gen).to(at::kCPU), greedy),
               name + " greedy cache", "with and without the key/value cache agree");

  if (device.is_cuda()) {
    CudaAutocastGuard autocast(true);
    const Seq2SeqOutput bf = model->forward(ids, mask, labels);
    const double scale = expected.abs().max().item<double>();
    const double bf_diff = max_abs(bf.logits, expected);
    report.check(bf_diff < 0.05 * scale, name + " bf16 autocast logits",
                 "max |diff| " + fmt(bf_diff) + " of max |logit| " + fmt(scale));
    const double bf_loss = bf.loss.item<double>();
    report.check(std::abs(bf_loss - ref["loss"].get<double>()) < 0.02 * ref["loss"].get<double>(),
                 name + " bf16 autocast loss",
                 fmt(bf_loss) + " vs " + fmt(ref["loss"].get<double>()));
  }
}

// Gradients of one loss on the CPU and on `device` (fp32) agree.
void check_backward_parity(const fs::path& folder, const c10::Device& device, Report& report) {
  const nlohmann::json ref = read_json(folder / "reference.json");
  auto grads_on = [&](const c10::Device& d) {
    T5Model model = load_t5(folder);
    model->eval();  // no dropout: both devices compute the same function
    model->to(d);
    const Seq2SeqOutput out =
        model->forward(ids_tensor(ref["input_ids"], d), ids_tensor(ref["attention_mask"], d),
                       ids_tensor(ref["labels"], d));
    out.loss.backward();
    std::map<std::string, at::Tensor> grads;
    for (const auto& p : model->named_parameters()) grads[p.key()] = p.value().grad().to(at::kCPU);
    return grads;
  };
  const auto cpu = grads_on(c10::kCPU);
  const auto gpu = grads_on(device);
  double worst = 0;
  std::string worst_name;
  for (const auto& [name, g] : cpu) {
    const double scale = std::max(1e-3, g.abs().max().item<double>());
    const double rel = max_abs(g, gpu.at(name)) / scale;
    if (rel > worst) {
      worst = rel;
      worst_name = name;
    }
  }
  report.check(worst < 1e-3, folder.filename().string() + " backward cpu vs " + device.str(),
               "worst relative gradient difference " + fmt(worst) + " (" + worst_name + ")");
}

// A few AdamW steps on one batch must drive the loss down: training works on this device, with
// bf16 autocast on CUDA.
void check_training(const fs::path& folder, const c10::Device& device, Report& report) {
  const nlohmann::json ref = read_json(folder / "reference.json");
  PeftConfig peft;
  peft.variant = PeftVariant::kFullFinetune;
  peft.tasks = {"a"};
  PeftModel model(load_t5(folder), peft, 9);
  model.to(device);
  model.train();
  AdamW adamw(model.named_trainable_parameters(), AdamW::Options{});
  // The Trainer's step, without gradient clipping.
  OptimizerStep step(model, adamw, {LossOptions{}, 0.0, /*bf16=*/device.is_cuda()});
  const BatchTensors batch{ids_tensor(ref["input_ids"], device),
                           ids_tensor(ref["attention_mask"], device),
                           ids_tensor(ref["labels"], device)};
  double first = 0, last = 0;
  for (int i = 0; i < 60; ++i) {
    step.begin();
    last = step.accumulate("a", batch).item<double>();
    step.finish(3e-3);
    if (i == 0) first = last;
  }
  report.check(std::isfinite(last) && last < 0.5 * first,
               folder.filename().string() + " training" + (device.is_cuda() ? " (bf16)" : ""),
               "loss " + fmt(first) + " -> " + fmt(last) + " in 60 AdamW steps");
}

// The Trainer's CUDA-graph steps (GraphedSteps) against the same steps run eagerly, for each kind
// of variant: fp32 without dropout, two tasks and two batch shapes seen three times each (an eager
// first step, a capture, a replay), so the replays must give the eager losses and end at the same
// parameters and optimiser step count.
void check_graphed_steps(const c10::Device& device, Report& report) {
  T5Config shape = T5Config::tiny();
  shape.dropout_rate = 0.0;
  struct Input {
    std::string task;
    BatchTensors t;
  };
  std::vector<Input> inputs;
  const at::Generator gen = at::detail::createCPUGenerator(11);
  for (int64_t source : {32, 64}) {
    for (const char* task : {"a", "b"}) {
      BatchTensors t;
      t.input_ids = at::randint(2, shape.vocab_size, {8, source}, gen, at::kLong);
      t.attention_mask = at::ones({8, source}, at::kLong);
      t.attention_mask.slice(1, source - 5).slice(0, 0, 4).fill_(0);  // padded rows too
      t.labels = at::randint(2, shape.vocab_size, {8, 8}, gen, at::kLong);
      t.labels.slice(1, 6).slice(0, 4).fill_(-100);
      t.input_ids = t.input_ids.to(device);
      t.attention_mask = t.attention_mask.to(device);
      t.labels = t.labels.to(device);
      inputs.push_back({task, t});
    }
  }
  for (PeftVariant variant : {PeftVariant::kFullFinetune, PeftVariant::kAdaptersSharedNorms,
                              PeftVariant::kHyperformer, PeftVariant::kHyperformerPP}) {
    PeftConfig peft;
    peft.variant = variant;
    peft.tasks = {"a", "b"};
    peft.reduction_factor = 8;
    peft.task_embedding_dim = 16;
    peft.projector_hidden_dim = 32;
    peft.projected_task_dim = 16;
    auto make = [&] {
      T5Model backbone(shape);
      backbone->init_weights(5);
      auto m = std::make_unique<PeftModel>(backbone, peft, 5);
      m->to(device);
      m->train();
      return m;
    };
    // The Trainer's step (OptimizerStep), eagerly on one side and as graphs on the other.
    struct Side {
      std::unique_ptr<PeftModel> model;
      std::unique_ptr<AdamW> optimizer;
      std::unique_ptr<OptimizerStep> step;
      at::Tensor lr;
    };
    auto side = [&] {
      Side s{make(), nullptr, nullptr, at::full({}, 1e-3, at::TensorOptions().device(device))};
      s.optimizer =
          std::make_unique<AdamW>(s.model->named_trainable_parameters(), AdamW::Options{});
      s.step = std::make_unique<OptimizerStep>(*s.model, *s.optimizer, OptimizerStep::Options{});
      return s;
    };
    auto step_of = [](Side& s) {
      return [&s](const std::string& task, const BatchTensors& t) {
        return s.step->run(task, t, s.lr);
      };
    };
    Side eager = side(), graphed = side();
    GraphedSteps graphs(step_of(graphed), 64);
    const auto eager_step = step_of(eager);
    double worst = 0;
    int replays = 0;
    for (std::size_t i = 0; i < 3 * inputs.size(); ++i) {
      const Input& in = inputs[i % inputs.size()];
      const at::Tensor expected = eager_step(in.task, in.t);
      const GraphedSteps::Result r = graphs.run(in.task, in.t);
      replays += r.replayed ? 1 : 0;
      worst = std::max(worst, max_abs(r.output, expected) / expected[0].abs().item<double>());
    }
    const auto ep = eager.model->named_trainable_parameters();
    const auto gp = graphed.model->named_trainable_parameters();
    double param_diff = 0;
    for (std::size_t i = 0; i < ep.size(); ++i) {
      param_diff = std::max(param_diff, max_abs(ep[i].second, gp[i].second));
    }
    const bool counted = graphed.optimizer->steps_taken() == eager.optimizer->steps_taken();
    // Evaluation's decoding as graphs: fixed length, finished rows padded, against the eager
    // decoding that leaves when every row is done (padded to the same width).
    graphed.model->eval();
    GenerateOptions fixed;
    fixed.max_new_tokens = 6;
    fixed.leave_when_done = false;
    PeftModel& m = *graphed.model;
    GraphedSteps decode_graphs(
        [&m, fixed](const std::string& task, const BatchTensors& t) {
          m.invalidate_generated();
          const at::Tensor ids = m.generate(task, t.input_ids, t.attention_mask, fixed);
          m.invalidate_generated();
          return ids;
        },
        64);
    int same = 0, decoded = 0, decode_replays = 0;
    for (std::size_t i = 0; i < 3 * inputs.size(); ++i) {
      const Input& in = inputs[i % inputs.size()];
      const BatchTensors t{in.t.input_ids, in.t.attention_mask, at::Tensor()};
      const GraphedSteps::Result r = decode_graphs.run(in.task, t);
      decode_replays += r.replayed ? 1 : 0;
      const at::Tensor got = r.output.to(at::kCPU);
      GenerateOptions early;
      early.max_new_tokens = 6;
      const at::Tensor want =
          m.generate(in.task, in.t.input_ids, in.t.attention_mask, early).to(at::kCPU);
      ++decoded;
      same += at::equal(got, at::constant_pad_nd(want, {0, got.size(1) - want.size(1)}, 0));
    }
    graphed.model->train();
    report.check(worst < 1e-5 && param_diff < 1e-5 && replays == 8 &&
                     graphs.graph_count() == inputs.size() && counted,
                 "cuda graph steps " + std::string(to_string(variant)),
                 std::to_string(replays) + " replays in " + std::to_string(graphs.graph_count()) +
                     " graphs; loss and norm max rel diff " + fmt(worst) +
                     ", parameters max |diff| " + fmt(param_diff) + " (limits 1e-5)" +
                     (counted ? "" : "; optimiser step counts differ"));
    report.check(same == decoded && decode_replays == 8,
                 "cuda graph decoding " + std::string(to_string(variant)),
                 std::to_string(same) + "/" + std::to_string(decoded) +
                     " batches decoded as eagerly, " + std::to_string(decode_replays) +
                     " of them replays");
  }
}

// One forward and backward of a Hyperformer++ model on the folder's reference batch, in eval mode
// (no dropout: runs to compare must see the same function).
struct HyperformerStep {
  double loss = 0;
  std::vector<std::pair<std::string, at::Tensor>> grads;  // flat, double, on the CPU; 0 if none
  int64_t bytes_saved = 0;                                // by storing frozen matrices in bf16
};

HyperformerStep hyperformer_pp_step(const fs::path& folder, const c10::Device& device,
                                    bool autocast, bool frozen_bf16) {
  const nlohmann::json ref = read_json(folder / "reference.json");
  PeftConfig peft;
  peft.variant = PeftVariant::kHyperformerPP;
  peft.tasks = {"a"};
  peft.reduction_factor = 4;
  T5Model backbone = load_t5(folder);
  PeftModel model(backbone, peft, 9);
  model.to(device);
  model.eval();
  HyperformerStep out;
  if (frozen_bf16) out.bytes_saved = store_frozen_linear_weights(*model.backbone(), at::kBFloat16);
  at::Tensor loss;
  {
    CudaAutocastGuard guard(autocast);
    loss =
        model
            .forward("a", ids_tensor(ref["input_ids"], device),
                     ids_tensor(ref["attention_mask"], device), ids_tensor(ref["labels"], device))
            .loss;
  }
  loss.backward();
  for (const auto& [name, p] : model.named_trainable_parameters()) {
    out.grads.emplace_back(name, p.grad().defined()
                                     ? p.grad().to(at::kCPU).to(at::kDouble).flatten()
                                     : at::zeros({p.numel()}, at::kDouble));
  }
  out.loss = loss.item<double>();
  return out;
}

// Frozen backbone matrices stored in bf16 (what the Trainer does for bf16 on CUDA) against fp32
// ones under bf16 autocast: the same loss and the same trainable gradients, with less memory.
void check_frozen_bf16(const fs::path& folder, const c10::Device& device, Report& report) {
  const HyperformerStep fp32 = hyperformer_pp_step(folder, device, true, false);
  const HyperformerStep bf16 = hyperformer_pp_step(folder, device, true, true);
  double worst = 0;
  for (std::size_t i = 0; i < fp32.grads.size() && i < bf16.grads.size(); ++i) {
    const at::Tensor& a = fp32.grads[i].second;
    const double scale = a.abs().max().item<double>() + 1e-12;
    worst = std::max(worst, (a - bf16.grads[i].second).abs().max().item<double>() / scale);
  }
  const double loss_diff = std::abs(fp32.loss - bf16.loss) / std::abs(fp32.loss);
  report.check(bf16.bytes_saved > 0 && fp32.grads.size() == bf16.grads.size() &&
                   !fp32.grads.empty() && loss_diff < 1e-5 && worst < 1e-3,
               folder.filename().string() + " frozen matrices in bf16",
               "loss rel diff " + fmt(loss_diff) + ", gradients max rel diff " + fmt(worst) +
                   " (limits 1e-5, 1e-3) against fp32 weights under autocast; " +
                   std::to_string(bf16.bytes_saved >> 10) + " KiB saved");
}

// The Trainer's bf16 configuration (autocast, frozen matrices in bf16, adapter layer norms in bf16,
// one cast per input shared by the projections reading it) against fp32: the loss and the
// direction of every trainable gradient stay close (the worst cosine, a T5 layer norm's, was 0.981
// before the bf16 adapter norms and shared casts as after). And the guard the adapters' norms run
// under does keep autocast from upcasting them.
void check_bf16_numerics(const fs::path& folder, const c10::Device& device, Report& report) {
  const HyperformerStep fp32 = hyperformer_pp_step(folder, device, false, false);
  const HyperformerStep bf16 = hyperformer_pp_step(folder, device, true, true);
  double worst_cosine = 1;
  std::string worst_name;
  for (std::size_t i = 0; i < fp32.grads.size() && i < bf16.grads.size(); ++i) {
    const at::Tensor& a = fp32.grads[i].second;
    const at::Tensor& b = bf16.grads[i].second;
    const double na = a.norm().item<double>(), nb = b.norm().item<double>();
    if (na == 0 && nb == 0) continue;
    const double cosine = (a * b).sum().item<double>() / (na * nb + 1e-30);
    if (cosine < worst_cosine) {
      worst_cosine = cosine;
      worst_name = fp32.grads[i].first;
    }
  }
  const double loss_diff = std::abs(fp32.loss - bf16.loss) / std::abs(fp32.loss);

  // Autocast alone would run a layer norm over bf16 input in fp32; the adapters' norms must not.
  const auto f32 = at::TensorOptions().device(device);
  const at::Tensor x = at::randn({2, 5, 64}, f32).to(at::kBFloat16);
  const at::Tensor gamma = at::ones({64}, f32).to(at::kBFloat16);
  c10::ScalarType autocast_type, excluded_type;
  {
    CudaAutocastGuard autocast(true);
    autocast_type = at::layer_norm(x, {64}, gamma, gamma).scalar_type();
    AutocastExcludedGuard excluded;
    excluded_type = at::layer_norm(x, {64}, gamma, gamma).scalar_type();
  }
  report.check(
      !fp32.grads.empty() && fp32.grads.size() == bf16.grads.size() && loss_diff < 1e-2 &&
          worst_cosine > 0.97 && autocast_type == at::kFloat && excluded_type == at::kBFloat16,
      folder.filename().string() + " bf16 training numerics",
      "Hyperformer++ loss rel diff " + fmt(loss_diff) + ", worst cosine of a trainable gradient " +
          fmt(worst_cosine) + (worst_name.empty() ? "" : " (" + worst_name + ")") +
          " (limits 1e-2, 0.97) against fp32; a layer norm over bf16 input gives " +
          c10::toString(autocast_type) + " under autocast, " + c10::toString(excluded_type) +
          " with autocast excluded");
}

// AdamW's multi-tensor kernels (the default on CUDA) against its per-parameter loop: the same
// clipped norms, parameters and step count after a few tensor-learning-rate steps.
void check_fused_adamw(const c10::Device& device, Report& report) {
  struct Outcome {
    std::vector<at::Tensor> params;
    std::vector<double> norms;
    int64_t steps = 0;
  };
  auto run = [&](bool fused) {
    at::manual_seed(5);
    std::vector<std::pair<std::string, at::Tensor>> named;
    for (const auto& shape : {std::vector<int64_t>{1000}, {64, 48}, {7}}) {
      named.emplace_back("p" + std::to_string(named.size()),
                         at::randn(shape).to(device).set_requires_grad(true));
    }
    AdamW::Options options;
    options.weight_decay = 0.01;
    options.fused = fused;
    AdamW adamw(named, options);
    const at::Tensor lr = at::full({}, 1e-2, at::TensorOptions().device(device));
    Outcome out;
    for (int step = 0; step < 5; ++step) {
      for (auto& [name, p] : named) p.mutable_grad() = (at::randn(p.sizes()) * 3).to(device);
      out.norms.push_back(adamw.clip_grad_norm(1.0).item<double>());
      adamw.step(lr);
    }
    for (auto& [name, p] : named) out.params.push_back(p.detach().cpu());
    out.steps = adamw.steps_taken();
    return out;
  };
  const Outcome fused = run(true), loop = run(false);
  // Relative to each tensor's largest entry: the two orders of fp32 arithmetic part in the last
  // bits, and the parameters here reach about 4.
  double param_diff = 0, norm_diff = 0;
  for (std::size_t i = 0; i < fused.params.size(); ++i) {
    const double scale = loop.params[i].abs().max().item<double>();
    param_diff = std::max(param_diff, max_abs(fused.params[i], loop.params[i]) / scale);
  }
  for (std::size_t i = 0; i < fused.norms.size(); ++i) {
    norm_diff = std::max(norm_diff, std::abs(fused.norms[i] - loop.norms[i]) / loop.norms[i]);
  }
  report.check(param_diff < 1e-6 && norm_diff < 1e-6 && fused.steps == 5 && loop.steps == 5,
               "adamw multi-tensor",
               "5 clipped steps: parameters max rel diff " + fmt(param_diff) +
                   ", norms max rel diff " + fmt(norm_diff) + " (limits 1e-6) against the loop");
}

void check_tokenizer(const fs::path& reference, Report& report) {
  const nlohmann::json ref = read_json(reference);
  const auto tokenizer = SentencePieceTokenizer::load_t5();
  int equal = 0, rows = 0;
  for (const auto& row : ref["rows"]) {
    ++rows;
    equal +=
        tokenizer->encode(row["text"].get<std::string>()) == row["ids"].get<std::vector<int64_t>>();
  }
  report.check(equal == rows, "tokenizer",
               std::to_string(equal) + "/" + std::to_string(rows) +
                   " sentences tokenised exactly as transformers' T5Tokenizer");
}

int run_selftest(const SelfTestOptions& o) {
  const c10::Device device = parse_device(o.device);
  const fs::path fixtures = o.fixtures.empty() ? default_fixture_dir() : fs::path(o.fixtures);
  if (!fs::is_directory(fixtures / "t5")) {
    throw Error("No reference fixtures in '" + fixtures.string() +
                "': pass --fixtures with the tests/fixtures folder of a source checkout");
  }
  std::vector<fs::path> folders;
  for (const auto& e : fs::directory_iterator(fixtures / "t5")) {
    if (fs::exists(e.path() / "reference.json")) folders.push_back(e.path());
  }
  std::sort(folders.begin(), folders.end());
  std::cout << "selftest on " << device.str() << " with " << folders.size()
            << " reference models from " << fixtures.string() << std::endl;
  Report report;
  for (const fs::path& folder : folders) check_reference(folder, device, report);
  if (device.is_cuda() && !folders.empty()) check_backward_parity(folders.front(), device, report);
  if (!folders.empty()) check_training(folders.front(), device, report);
  if (device.is_cuda() && GraphedSteps::available()) check_graphed_steps(device, report);
  if (device.is_cuda() && !folders.empty()) check_frozen_bf16(folders.front(), device, report);
  if (device.is_cuda() && !folders.empty()) check_bf16_numerics(folders.front(), device, report);
  if (device.is_cuda()) check_fused_adamw(device, report);
  if (fs::exists(fixtures / "tokenizer" / "t5_reference.json")) {
    check_tokenizer(fixtures / "tokenizer" / "t5_reference.json", report);
  }
  std::cout << (report.failures() ? "FAILED " : "OK ") << report.checks() - report.failures() << "/"
            << report.checks() << " checks passed" << std::endl;
  return report.failures() ? 1 : 0;
}

}  // namespace

void add_selftest_command(CLI::App& app) {
  auto o = std::make_shared<SelfTestOptions>();
  CLI::App* cmd = app.add_subcommand(
      "selftest",
      "Check this build against transformers' outputs: T5 logits, loss, greedy decoding, the "
      "tokenizer; on CUDA also CPU-vs-GPU gradients, bf16 autocast training and CUDA-graph "
      "training steps against eager ones");
  cmd->add_option("--device", o->device, "cpu, cuda or cuda:N")->capture_default_str();
  cmd->add_option("--fixtures", o->fixtures,
                  "tests/fixtures folder (default: the installed copy, else the source tree's)");
  cmd->callback([o] {
    if (const int rc = run_selftest(*o); rc != 0) throw CLI::RuntimeError(rc);
  });
}

}  // namespace hwb::cli
