#include "core/model/ModelProbe.h"

#include <ATen/ATen.h>

#include "core/data/SentencePieceTokenizer.h"
#include "core/model/Autocast.h"
#include "core/model/BuiltinBackbones.h"
#include "core/model/DeviceSpec.h"
#include "core/model/Generation.h"
#include "core/model/Safetensors.h"
#include "core/model/T5Checkpoint.h"
#include "core/util/Error.h"

namespace hwb {
namespace fs = std::filesystem;

namespace {

std::map<std::string, int64_t> stored_dtypes(const fs::path& folder) {
  std::map<std::string, int64_t> counts;
  std::error_code ec;
  if (!fs::is_directory(folder, ec)) return counts;
  for (const auto& e : fs::directory_iterator(folder)) {
    if (e.path().extension() != ".safetensors") continue;
    const SafetensorsFile file(e.path());
    for (const auto& [name, entry] : file.entries()) ++counts[entry.dtype];
  }
  return counts;
}

void check_ids(const std::vector<int64_t>& ids, int64_t vocab, const char* what) {
  for (int64_t id : ids) {
    if (id < 0 || id >= vocab) {
      throw Error(std::string(what) + " holds id " + std::to_string(id) +
                  ", outside the model's vocabulary of " + std::to_string(vocab) +
                  " (a model with a smaller vocabulary than T5's tokenizer needs ids, not text)");
    }
  }
}

std::vector<int64_t> to_vector(const at::Tensor& t) {
  const at::Tensor c = t.to(at::kCPU).to(at::kLong).contiguous();
  return {c.data_ptr<int64_t>(), c.data_ptr<int64_t>() + c.numel()};
}

}  // namespace

struct ModelProbe::State {
  ModelSummary summary;
  T5Model model{nullptr};
  c10::Device device = c10::kCPU;
  std::unique_ptr<SentencePieceTokenizer> tokenizer;
  std::string tokenizer_error;
  bool tokenizer_tried = false;

  const SentencePieceTokenizer* tokenizer_or_null() {
    if (!tokenizer_tried) {
      tokenizer_tried = true;
      try {
        tokenizer = SentencePieceTokenizer::load_t5();
      } catch (const Error& e) {
        tokenizer_error = e.what();
      }
    }
    return tokenizer.get();
  }
  const SentencePieceTokenizer& require_tokenizer() {
    if (!tokenizer_or_null()) throw Error("Text needs T5's tokenizer: " + tokenizer_error);
    return *tokenizer;
  }
};

ModelProbe::ModelProbe(std::unique_ptr<State> state) : state_(std::move(state)) {}
ModelProbe::~ModelProbe() = default;

std::unique_ptr<ModelProbe> ModelProbe::open(const std::string& spec, uint64_t seed) {
  auto state = std::make_unique<State>();
  state->model = load_backbone_spec(spec, seed);
  if (!is_made_from_seed(spec)) state->summary.stored_dtypes = stored_dtypes(backbone_folder(spec));
  state->model->eval();
  state->summary.source = spec;
  state->summary.config = state->model->config();
  state->summary.parameters = state->model->parameter_counts();
  for (const auto& [_, n] : state->summary.parameters) state->summary.total_parameters += n;
  return std::unique_ptr<ModelProbe>(new ModelProbe(std::move(state)));
}

const ModelSummary& ModelProbe::summary() const {
  return state_->summary;
}

ProbeResult ModelProbe::run(const ProbeRequest& request) {
  State& s = *state_;
  if (request.text.empty() == request.ids.empty()) {
    throw Error("Give either an input text or input ids, not both or neither");
  }
  const c10::Device device = parse_device(request.device);
  if (request.bf16 && !device.is_cuda()) {
    throw Error("bf16 runs under CUDA autocast: choose a CUDA device, or turn bf16 off on the CPU");
  }
  if (request.max_new_tokens < 1) throw Error("max_new_tokens must be at least 1");
  if (device != s.device) {
    s.model->to(device);
    s.device = device;
  }
  const int64_t vocab = s.summary.config.vocab_size;

  ProbeResult r;
  r.device = device.str();
  r.input_ids = request.text.empty() ? request.ids : s.require_tokenizer().encode(request.text);
  check_ids(r.input_ids, vocab, "The input");
  r.target_ids = request.target_text.empty() ? request.target_ids
                                             : s.require_tokenizer().encode(request.target_text);
  check_ids(r.target_ids, vocab, "The target");

  const auto long_opts = at::TensorOptions().dtype(at::kLong).device(device);
  const int64_t src_len = static_cast<int64_t>(r.input_ids.size());
  const at::Tensor input = at::tensor(r.input_ids, at::kLong).view({1, src_len}).to(device);
  const at::Tensor mask = at::ones({1, src_len}, long_opts);

  at::NoGradGuard no_grad;
  CudaAutocastGuard autocast(request.bf16);
  at::Tensor logits;
  if (!r.target_ids.empty()) {
    const int64_t tgt_len = static_cast<int64_t>(r.target_ids.size());
    const at::Tensor labels = at::tensor(r.target_ids, at::kLong).view({1, tgt_len}).to(device);
    const Seq2SeqOutput out = s.model->forward(input, mask, labels);
    logits = out.logits;
    r.loss = out.loss.item<double>();
  } else {
    // Without a target: the logits of the first decoding step.
    const at::Tensor start = at::full({1, 1}, s.summary.config.decoder_start_token_id, long_opts);
    logits = s.model->lm_logits(s.model->decode(start, s.model->encode(input, mask), mask));
  }
  const at::Tensor flat = logits.to(at::kCPU).to(at::kFloat).reshape({-1});
  r.logits_shape = logits.sizes().vec();
  const int64_t n_first = std::min<int64_t>(8, flat.numel());
  r.logits_first.assign(flat.data_ptr<float>(), flat.data_ptr<float>() + n_first);
  r.logits_sum = flat.to(at::kDouble).sum().item<double>();

  GenerateOptions gen;
  gen.max_new_tokens = request.max_new_tokens;
  r.generated_ids = to_vector(greedy_generate(s.model, input, mask, gen)[0]);
  if (const SentencePieceTokenizer* tok = s.tokenizer_or_null()) {
    r.generated_text = tok->decode(r.generated_ids);
  }
  return r;
}

}  // namespace hwb
