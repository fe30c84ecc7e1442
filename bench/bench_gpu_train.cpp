// Training and evaluation speed on one GPU: T5-small- and T5-base-shaped models with random
// weights (the cost is the same as pretrained ones), Hyperformer++ (reduction 32, task embedding
// 64) and full fine-tuning, bf16 autocast, the Trainer's step (forward, backward, gradient
// clipping, AdamW, dropping the generated adapters).
//
//   bench_gpu_train [--models small,base] [--methods hyperformer_pp,full] [--batches 32,128]
//                   [--impls eager,graph]
//                   [--source-len 128] [--target-len 8] [--steps 10] [--repeats 3] [--warmup 3]
//                   [--peak-tflops X] [--json FILE] [--no-eval] [--no-cudnn-attention]
//
// Per run: steps/s and examples/s (median of `repeats` blocks of `steps` steps, each block timed
// between device synchronisations), peak GPU memory allocated by LibTorch's caching allocator
// during training, greedy generation (target-len new tokens, same batch size) examples/s, and
// model FLOP utilisation: the matrix-product FLOPs the step needs (a frozen weight gets no
// gradient, so it costs one backward product, not two) over time, against the GPU's dense bf16
// peak (989.4 TFLOP/s for H100/H200 SXM; --peak-tflops overrides).
//
// Exits 1 when a run is wrong (a loss or gradient norm not finite, no trainable parameter, a
// generation of the wrong shape); never because it is slow. Without CUDA it says so and exits 0.

#include <ATen/ATen.h>
#include <torch/cuda.h>
#include <torch/version.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#ifdef HWB_BENCH_CUDA
#include <ATen/cuda/CUDAContext.h>
#include <c10/cuda/CUDACachingAllocator.h>
#include <torch/csrc/autograd/profiler_kineto.h>
#endif

#include "core/model/Autocast.h"
#include "core/model/FrozenWeights.h"
#include "core/model/Generation.h"
#include "core/model/T5Model.h"
#include "core/peft/PeftConfig.h"
#include "core/peft/PeftModel.h"
#include "core/train/AdamW.h"
#include "core/train/CudaGraphStep.h"
#include "core/train/OptimizerStep.h"
#include "core/util/Error.h"

using Clock = std::chrono::steady_clock;

namespace {

struct Options {
  std::vector<std::string> models{"small", "base"};
  std::vector<std::string> methods{"hyperformer_pp", "full"};
  std::vector<int64_t> batches{32, 128};
  // eager: LibTorch op by op; graph: the whole step captured once as a CUDA graph and replayed.
  std::vector<std::string> impls{"eager", "graph"};
  int64_t source_len = 128;
  int64_t target_len = 8;
  int64_t steps = 10;
  int64_t repeats = 3;
  int64_t warmup = 3;
  double peak_tflops = 0;  // 0: from the device name
  std::string json_path;
  std::string profile_dir;  // a Chrome trace of 3 more steps per run, after the timing
  bool eval = true;
  bool sdpa_cudnn = true;  // false: LibTorch's other fused attention kernels, for comparison
};

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  for (std::string item; std::getline(in, item, ',');)
    if (!item.empty()) out.push_back(item);
  return out;
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw hwb::Error(a + " needs a value");
      return argv[++i];
    };
    if (a == "--models") {
      o.models = split(value());
    } else if (a == "--methods") {
      o.methods = split(value());
    } else if (a == "--batches") {
      o.batches.clear();
      for (const auto& b : split(value())) o.batches.push_back(std::stoll(b));
    } else if (a == "--impls") {
      o.impls = split(value());
    } else if (a == "--source-len") {
      o.source_len = std::stoll(value());
    } else if (a == "--target-len") {
      o.target_len = std::stoll(value());
    } else if (a == "--steps") {
      o.steps = std::stoll(value());
    } else if (a == "--repeats") {
      o.repeats = std::stoll(value());
    } else if (a == "--warmup") {
      o.warmup = std::stoll(value());
    } else if (a == "--peak-tflops") {
      o.peak_tflops = std::stod(value());
    } else if (a == "--json") {
      o.json_path = value();
    } else if (a == "--profile") {
      o.profile_dir = value();
    } else if (a == "--no-eval") {
      o.eval = false;
    } else if (a == "--no-cudnn-attention") {
      o.sdpa_cudnn = false;
    } else {
      throw hwb::Error("unknown argument " + a);
    }
  }
  return o;
}

hwb::T5Config shape(const std::string& name) {
  hwb::T5Config c;  // defaults are t5-small's (v1.0: relu, tied embeddings)
  if (name == "small") return c;
  if (name == "base") {
    c.d_model = 768;
    c.d_ff = 3072;
    c.num_layers = 12;
    c.num_decoder_layers = 12;
    c.num_heads = 12;
    return c;
  }
  throw hwb::Error("unknown model shape '" + name + "': use small or base");
}

hwb::PeftConfig peft_config(const std::string& method) {
  hwb::PeftConfig p;
  p.tasks = {"bench"};
  if (method == "hyperformer_pp") {
    p.variant = hwb::PeftVariant::kHyperformerPP;
    p.reduction_factor = 32;
    p.task_embedding_dim = 64;
  } else if (method == "full") {
    p.variant = hwb::PeftVariant::kFullFinetune;
  } else {
    throw hwb::Error("unknown method '" + method + "': use hyperformer_pp or full");
  }
  return p;
}

// Matrix-product FLOPs of one training step (forward and the backward it needs).
// B batch, S source length, T target length. A product of `tokens` rows through an in x out
// weight costs 2*tokens*in*out forward; its backward costs the same again for the input
// gradient and once more for the weight gradient when the weight trains. Attention's two
// activation-by-activation products need both input gradients. Every input gradient is needed
// here: Hyperformer++ trains the layer norms and adapters of every block, so gradients flow
// back to the first block of each stack.
struct FlopCount {
  double forward = 0;
  double step = 0;
};

FlopCount step_flops(const hwb::T5Config& c, bool full, int64_t adapter_dim, int64_t B, int64_t S,
                     int64_t T) {
  FlopCount f;
  const double d = static_cast<double>(c.d_model),
               inner = static_cast<double>(c.num_heads * c.d_kv);
  const double ff = static_cast<double>(c.d_ff) * (c.gated_ffn() ? 3.0 : 2.0);  // wi (+wi_1), wo
  const double bs = static_cast<double>(B * S), bt = static_cast<double>(B * T);
  auto weight = [&](double fwd, bool trains) {
    f.forward += fwd;
    f.step += fwd * (trains ? 3.0 : 2.0);
  };
  auto activation = [&](double fwd) {
    f.forward += fwd;
    f.step += fwd * 3.0;
  };
  const double m = static_cast<double>(adapter_dim);
  for (int64_t l = 0; l < c.num_layers; ++l) {
    weight(2 * bs * d * inner * 4, full);                        // q, k, v, o
    activation(2 * 2 * static_cast<double>(B) * S * S * inner);  // scores, context
    weight(2 * bs * d * ff, full);
    if (!full) activation(2 * bs * d * m * 2 * 2);  // down, up at two sites (weights generated)
  }
  for (int64_t l = 0; l < c.num_decoder_layers; ++l) {
    weight(2 * bt * d * inner * 4, full);                           // self q, k, v, o
    activation(2 * 2 * static_cast<double>(B) * T * T * inner);     // self scores, context
    weight(2 * bt * d * inner * 2 + 2 * bs * d * inner * 2, full);  // cross q, o; k, v
    activation(2 * 2 * static_cast<double>(B) * T * S * inner);     // cross scores, context
    weight(2 * bt * d * ff, full);
    if (!full) activation(2 * bt * d * m * 2 * 2);
  }
  weight(2 * bt * d * static_cast<double>(c.vocab_size), full);  // LM head (tied: shared)
  return f;
}

double peak_for(const std::string& device_name, double override_tflops) {
  if (override_tflops > 0) return override_tflops * 1e12;
  // Dense bf16 tensor-core peak of the SXM parts (NVIDIA datasheets); both use the same chip.
  if (device_name.find("H100") != std::string::npos ||
      device_name.find("H200") != std::string::npos) {
    return 989.4e12;
  }
  return 0;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

struct Result {
  std::string impl, model, method;
  int64_t batch = 0;
  int64_t trainable = 0;
  double step_s = 0;  // median seconds per step
  double steps_per_s = 0, examples_per_s = 0;
  double peak_bytes = 0;
  double eval_examples_per_s = 0;
  int64_t eval_tokens = 0;
  double mfu = 0, step_tflop = 0;
  double first_loss = 0, last_loss = 0;
};

void reset_peak_memory() {
#ifdef HWB_BENCH_CUDA
  c10::cuda::CUDACachingAllocator::emptyCache();
  c10::cuda::CUDACachingAllocator::resetPeakStats(0);
#endif
}

double peak_memory_bytes() {
#ifdef HWB_BENCH_CUDA
  // Index 0 of a stat array is the aggregate over small and large pools.
  return static_cast<double>(
      c10::cuda::CUDACachingAllocator::getDeviceStats(0).allocated_bytes[0].peak);
#else
  return 0;
#endif
}

std::string device_name() {
#ifdef HWB_BENCH_CUDA
  return at::cuda::getCurrentDeviceProperties()->name;
#else
  return "cuda";
#endif
}

// Runs `work` under LibTorch's Kineto profiler (CPU ops and CUDA kernels) and saves a Chrome
// trace to `path`; bench/peers/kernel_summary.py sums its kernels.
template <typename F>
void profile_steps(const std::string& path, F&& work) {
#ifdef HWB_BENCH_CUDA
  namespace prof = torch::autograd::profiler;
  using torch::profiler::impl::ActivityType;
  const prof::ProfilerConfig config(torch::profiler::impl::ProfilerState::KINETO);
  const std::set<ActivityType> activities{ActivityType::CPU, ActivityType::CUDA};
  prof::prepareProfiler(config, activities);
  prof::enableProfiler(config, activities);
  work();
  prof::disableProfiler()->save(path);
  std::printf("profile: %s\n", path.c_str());
#else
  (void)path;
  work();
#endif
}

using BatchSet = hwb::BatchTensors;

// Random ids in [2, vocab): no pad, no EOS inside; labels end with EOS as real targets do.
std::vector<BatchSet> make_batches(const hwb::T5Config& c, int64_t batch, const Options& o,
                                   int count) {
  const auto opts = at::TensorOptions().dtype(at::kLong).device(at::kCUDA);
  std::vector<BatchSet> out;
  for (int i = 0; i < count; ++i) {
    BatchSet b;
    b.input_ids = at::randint(2, c.vocab_size, {batch, o.source_len}, opts);
    b.input_ids.select(1, o.source_len - 1).fill_(c.eos_token_id);
    b.attention_mask = at::ones({batch, o.source_len}, opts);
    b.labels = at::randint(2, c.vocab_size, {batch, o.target_len}, opts);
    b.labels.select(1, o.target_len - 1).fill_(c.eos_token_id);
    out.push_back(b);
  }
  return out;
}

bool run_one(const std::string& impl, const std::string& model_name, const std::string& method,
             int64_t batch, const Options& o, double peak, Result& r) {
  r.impl = impl == "graph" ? "ours_graph" : "ours";
  r.model = model_name;
  r.method = method;
  r.batch = batch;
  reset_peak_memory();
  const hwb::T5Config config = shape(model_name);
  const hwb::PeftConfig pc = peft_config(method);
  at::manual_seed(1234);
  hwb::T5Model backbone(config);
  backbone->init_weights(1234);
  hwb::PeftModel model(backbone, pc, 1234);
  model.to(at::kCUDA);
  // As the Trainer does for bf16 on CUDA: frozen matrices stored in bf16.
  hwb::store_frozen_linear_weights(*model.backbone(), at::kBFloat16);
  model.train();
  const auto trainable = model.named_trainable_parameters();
  for (const auto& [name, p] : trainable) r.trainable += p.numel();
  if (trainable.empty()) {
    std::fprintf(stderr, "FAIL %s/%s: no trainable parameter\n", model_name.c_str(),
                 method.c_str());
    return false;
  }
  hwb::AdamW optimizer(trainable, hwb::AdamW::Options{});
  const std::vector<BatchSet> data = make_batches(config, batch, o, 4);

  std::vector<at::Tensor> losses, norms;
  int64_t index = 0;
  // The Trainer's step (OptimizerStep); the learning rate is a device tensor so that a graph
  // replays it.
  const at::Tensor lr = at::full({}, 3e-4, at::TensorOptions().dtype(at::kFloat).device(at::kCUDA));
  hwb::OptimizerStep optimizer_step(model, optimizer, {hwb::LossOptions{}, 1.0, /*bf16=*/true});
  auto train_step = [&](const BatchSet& b) { return optimizer_step.run("bench", b, lr); };
  // Graph mode: the step reads fixed input tensors, refilled before each replay.
  BatchSet fixed{data[0].input_ids.clone(), data[0].attention_mask.clone(), data[0].labels.clone()};
  std::unique_ptr<hwb::CudaGraphStep> graph;
  if (impl == "graph") {
    graph = std::make_unique<hwb::CudaGraphStep>([&] { return train_step(fixed); }, 3);
  }
  auto step = [&] {
    const BatchSet& b = data[static_cast<std::size_t>(index++ % 4)];
    at::Tensor out;
    if (graph) {
      fixed.input_ids.copy_(b.input_ids);
      fixed.attention_mask.copy_(b.attention_mask);
      fixed.labels.copy_(b.labels);
      out = graph->run().clone();
    } else {
      out = train_step(b);
    }
    losses.push_back(out[0]);
    norms.push_back(out[1]);
  };

  for (int64_t i = 0; i < o.warmup; ++i) step();
  torch::cuda::synchronize();
  std::vector<double> block_seconds;
  for (int64_t rep = 0; rep < o.repeats; ++rep) {
    const auto t0 = Clock::now();
    for (int64_t i = 0; i < o.steps; ++i) step();
    torch::cuda::synchronize();
    block_seconds.push_back(std::chrono::duration<double>(Clock::now() - t0).count());
  }
  r.peak_bytes = peak_memory_bytes();
  if (!o.profile_dir.empty()) {
    const std::string path = o.profile_dir + "/" + r.impl + "_" + model_name + "_" + method + "_" +
                             std::to_string(batch) + ".json";
    profile_steps(path, [&] {
      for (int i = 0; i < 3; ++i) step();
      torch::cuda::synchronize();
    });
  }
  r.step_s = median(block_seconds) / static_cast<double>(o.steps);
  r.steps_per_s = 1.0 / r.step_s;
  r.examples_per_s = static_cast<double>(batch) * r.steps_per_s;
  const FlopCount flops = step_flops(config, method == "full", pc.adapter_dim(config.d_model),
                                     batch, o.source_len, o.target_len);
  r.step_tflop = flops.step / 1e12;
  r.mfu = peak > 0 ? flops.step / r.step_s / peak : 0;

  const at::Tensor all_losses = at::stack(losses).to(at::kFloat).cpu();
  const at::Tensor all_norms = at::stack(norms).to(at::kFloat).cpu();
  r.first_loss = all_losses[0].item<double>();
  r.last_loss = all_losses[-1].item<double>();
  bool ok = true;
  if (!all_losses.isfinite().all().item<bool>() || !all_norms.isfinite().all().item<bool>()) {
    std::fprintf(stderr, "FAIL %s/%s/%lld: loss or gradient norm not finite\n", model_name.c_str(),
                 method.c_str(), static_cast<long long>(batch));
    ok = false;
  }

  if (o.eval) {
    model.eval();
    hwb::GenerateOptions g;
    g.max_new_tokens = o.target_len;
    g.stop_at_eos = false;  // fixed-length decoding: random weights may emit EOS at any step
    // ours_graph: the decoding captured once and replayed, as the Trainer's evaluation does
    // (adapters generated inside the graph for every batch).
    auto generate = [&](const BatchSet& b) {
      if (graph) model.invalidate_generated();
      at::Tensor ids;
      {
        hwb::CudaAutocastGuard autocast(true);
        ids = model.generate("bench", b.input_ids, b.attention_mask, g);
      }
      if (graph) model.invalidate_generated();
      return ids;
    };
    std::unique_ptr<hwb::CudaGraphStep> decode_graph;
    if (graph) {
      decode_graph = std::make_unique<hwb::CudaGraphStep>([&] { return generate(fixed); }, 1);
    }
    std::vector<double> seconds;
    at::Tensor out;
    for (int rep = 0; rep < 4; ++rep) {
      const BatchSet& b = data[static_cast<std::size_t>(rep % 4)];
      torch::cuda::synchronize();
      const auto t0 = Clock::now();
      if (decode_graph) {
        fixed.input_ids.copy_(b.input_ids);
        fixed.attention_mask.copy_(b.attention_mask);
        out = decode_graph->run();
      } else {
        out = generate(b);
      }
      torch::cuda::synchronize();
      if (rep > 0) seconds.push_back(std::chrono::duration<double>(Clock::now() - t0).count());
    }
    r.eval_tokens = out.size(1) - 1;
    r.eval_examples_per_s = static_cast<double>(batch) / median(seconds);
    if (out.size(0) != batch || r.eval_tokens != o.target_len) {
      std::fprintf(stderr, "FAIL %s/%s: generation has shape [%lld, %lld]\n", model_name.c_str(),
                   method.c_str(), static_cast<long long>(out.size(0)),
                   static_cast<long long>(out.size(1)));
      ok = false;
    }
  }
  return ok;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const Options o = parse(argc, argv);
    if (!torch::cuda::is_available()) {
      std::printf("skipped: no CUDA device (this LibTorch %s CUDA)\n",
                  torch::cuda::device_count() == 0 ? "sees no" : "has no");
      return 0;
    }
    // The caching allocator knows no device before the first allocation on it.
    (void)at::empty({1}, at::TensorOptions().device(at::kCUDA));
    if (!o.sdpa_cudnn) {
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 5)
      at::globalContext().setSDPUseCuDNN(false);
#else
      throw hwb::Error("--no-cudnn-attention needs LibTorch 2.5 or later");
#endif
    }
    const std::string name = device_name();
    const double peak = peak_for(name, o.peak_tflops);
    std::printf("device: %s, bf16 peak used for MFU: %.1f TFLOP/s\n", name.c_str(), peak / 1e12);
    std::printf(
        "source %lld, target %lld tokens; %lld warm-up steps, median of %lld x %lld steps\n",
        static_cast<long long>(o.source_len), static_cast<long long>(o.target_len),
        static_cast<long long>(o.warmup), static_cast<long long>(o.repeats),
        static_cast<long long>(o.steps));
    std::printf("%-10s %-6s %-15s %5s %10s %9s %10s %9s %6s %10s %10s %7s\n", "impl", "model",
                "method", "batch", "trainable", "steps/s", "ex/s", "peak MiB", "MFU%", "eval ex/s",
                "loss0", "lossN");
    bool all_ok = true;
    nlohmann::json results = nlohmann::json::array();
    for (const auto& model : o.models) {
      for (const auto& method : o.methods) {
        for (const int64_t batch : o.batches) {
          for (const auto& impl : o.impls) {
            if (impl == "graph" && !hwb::CudaGraphStep::available()) continue;
            Result r;
            const bool ok = run_one(impl, model, method, batch, o, peak, r);
            all_ok = all_ok && ok;
            std::printf(
                "%-10s %-6s %-15s %5lld %10lld %9.2f %10.1f %9.0f %6.1f %10.1f %10.4f %7.4f%s\n",
                r.impl.c_str(), r.model.c_str(), r.method.c_str(), static_cast<long long>(r.batch),
                static_cast<long long>(r.trainable), r.steps_per_s, r.examples_per_s,
                r.peak_bytes / 1048576.0, 100 * r.mfu, r.eval_examples_per_s, r.first_loss,
                r.last_loss, ok ? "" : "  WRONG");
            std::fflush(stdout);
            results.push_back({{"impl", r.impl},
                               {"model", r.model},
                               {"method", r.method},
                               {"batch", r.batch},
                               {"trainable", r.trainable},
                               {"steps_per_s", r.steps_per_s},
                               {"examples_per_s", r.examples_per_s},
                               {"peak_bytes", r.peak_bytes},
                               {"mfu", r.mfu},
                               {"step_tflop", r.step_tflop},
                               {"eval_examples_per_s", r.eval_examples_per_s},
                               {"eval_tokens", r.eval_tokens},
                               {"first_loss", r.first_loss},
                               {"last_loss", r.last_loss},
                               {"ok", ok},
                               {"device", name}});
          }
        }
      }
    }
    if (!o.json_path.empty()) std::ofstream(o.json_path) << results.dump(1) << "\n";
    return all_ok ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_gpu_train: %s\n", e.what());
    return 1;
  }
}
