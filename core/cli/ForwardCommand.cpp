#include <ATen/ATen.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <iostream>
#include <optional>

#include "core/cli/CliSupport.h"
#include "core/cli/Commands.h"
#include "core/data/SentencePieceTokenizer.h"
#include "core/model/Autocast.h"
#include "core/model/Generation.h"
#include "core/util/Error.h"

namespace hwb::cli {

namespace {

struct ForwardOptions {
  std::string model;
  std::string text, ids;
  std::string target, target_ids;
  std::string device = "cpu";
  std::string spiece;
  bool bf16 = false;
  bool json = false;
  int64_t max_new_tokens = 20;
};

std::vector<int64_t> to_vector(const at::Tensor& t) {
  const at::Tensor c = t.to(at::kCPU).to(at::kLong).contiguous();
  return {c.data_ptr<int64_t>(), c.data_ptr<int64_t>() + c.numel()};
}

void check_ids(const std::vector<int64_t>& ids, int64_t vocab, const char* what) {
  for (int64_t id : ids) {
    if (id >= vocab) {
      throw Error(std::string(what) + " holds id " + std::to_string(id) +
                  ", outside the model's vocabulary of " + std::to_string(vocab) +
                  " (a model with a smaller vocabulary than T5's tokenizer needs --ids)");
    }
  }
}

void run_forward(const ForwardOptions& o) {
  if (o.text.empty() == o.ids.empty()) throw Error("Give exactly one of --text or --ids");
  if (!o.target.empty() && !o.target_ids.empty()) {
    throw Error("Give at most one of --target or --target-ids");
  }
  const c10::Device device = parse_device(o.device);
  if (o.bf16 && !device.is_cuda()) {
    throw Error("--bf16 runs under CUDA autocast: add --device cuda, or drop --bf16 on the CPU");
  }
  if (o.max_new_tokens < 1) throw Error("--max-new-tokens must be at least 1");

  // The tokenizer is needed for text; for ids it is only used to show the output as text.
  std::unique_ptr<SentencePieceTokenizer> tokenizer;
  const bool needs_tokenizer = !o.text.empty() || !o.target.empty();
  try {
    tokenizer = o.spiece.empty() ? SentencePieceTokenizer::load_t5()
                                 : SentencePieceTokenizer::load(o.spiece);
  } catch (const Error&) {
    if (needs_tokenizer) throw;
  }

  T5Model model = open_model(o.model);
  model->eval();
  model->to(device);
  const int64_t vocab = model->config().vocab_size;

  const std::vector<int64_t> source =
      o.text.empty() ? parse_ids(o.ids, "--ids") : tokenizer->encode(o.text);
  check_ids(source, vocab, "The input");
  std::vector<int64_t> target;
  if (!o.target.empty()) target = tokenizer->encode(o.target);
  if (!o.target_ids.empty()) target = parse_ids(o.target_ids, "--target-ids");
  check_ids(target, vocab, "The target");

  const auto long_opts = at::TensorOptions().dtype(at::kLong).device(device);
  const int64_t src_len = static_cast<int64_t>(source.size());
  const at::Tensor input = at::tensor(source, at::kLong).view({1, src_len}).to(device);
  const at::Tensor mask = at::ones({1, src_len}, long_opts);

  at::NoGradGuard no_grad;
  CudaAutocastGuard autocast(o.bf16);
  at::Tensor logits, loss;
  if (!target.empty()) {
    const int64_t tgt_len = static_cast<int64_t>(target.size());
    const at::Tensor labels = at::tensor(target, at::kLong).view({1, tgt_len}).to(device);
    const Seq2SeqOutput out = model->forward(input, mask, labels);
    logits = out.logits;
    loss = out.loss;
  } else {
    // No target: the logits of the first decoding step.
    const at::Tensor start = at::full({1, 1}, model->config().decoder_start_token_id, long_opts);
    logits = model->lm_logits(model->decode(start, model->encode(input, mask), mask));
  }
  GenerateOptions gen;
  gen.max_new_tokens = o.max_new_tokens;
  const std::vector<int64_t> generated = to_vector(greedy_generate(model, input, mask, gen)[0]);
  std::optional<std::string> generated_text;
  if (tokenizer) generated_text = tokenizer->decode(generated);

  const at::Tensor flat = logits.to(at::kCPU).to(at::kFloat).reshape({-1});
  if (o.json) {
    nlohmann::json j;
    j["device"] = device.str();
    j["bf16"] = o.bf16;
    j["input_ids"] = source;
    if (!target.empty()) j["target_ids"] = target;
    const int64_t n_first = std::min<int64_t>(8, flat.numel());
    std::vector<float> first(flat.data_ptr<float>(), flat.data_ptr<float>() + n_first);
    j["logits"] = {{"shape", logits.sizes().vec()},
                   {"first", first},
                   {"sum", flat.to(at::kDouble).sum().item<double>()}};
    if (loss.defined()) j["loss"] = loss.item<double>();
    j["generated_ids"] = generated;
    if (generated_text) j["generated_text"] = *generated_text;
    std::cout << j.dump(2) << "\n";
    return;
  }
  std::cout << "input ids    " << c10::str(at::IntArrayRef(source)) << "\n";
  if (loss.defined()) std::cout << "loss         " << loss.item<double>() << "\n";
  std::cout << "logits       " << c10::str(logits.sizes())
            << ", sum " << flat.to(at::kDouble).sum().item<double>() << "\n"
            << "generated    " << c10::str(at::IntArrayRef(generated)) << "\n";
  if (generated_text) std::cout << "as text      \"" << *generated_text << "\"\n";
}

}  // namespace

void add_forward_command(CLI::App& app) {
  auto o = std::make_shared<ForwardOptions>();
  CLI::App* cmd = app.add_subcommand(
      "forward", "Run a T5 on one input: loss against a target, and the greedy output");
  cmd->add_option("--model", o->model,
                  "Hugging Face T5 folder (config.json + safetensors), or builtin:tiny (a small "
                  "random T5 made on the spot)")
      ->required();
  cmd->add_option("--text", o->text, "Input text, tokenised with T5's SentencePiece vocabulary");
  cmd->add_option("--ids", o->ids, "Input token ids, comma separated (EOS is not added)");
  cmd->add_option("--target", o->target, "Target text for the loss");
  cmd->add_option("--target-ids", o->target_ids, "Target token ids for the loss");
  cmd->add_option("--device", o->device, "cpu, cuda or cuda:N")->capture_default_str();
  cmd->add_flag("--bf16", o->bf16, "bf16 autocast (CUDA only)");
  cmd->add_option("--max-new-tokens", o->max_new_tokens, "Greedy generation length limit")
      ->capture_default_str();
  cmd->add_option("--spiece", o->spiece,
                  "SentencePiece model (default: T5's spiece.model from the resources)");
  cmd->add_flag("--json", o->json,
                "Print JSON: logits shape, first values and sum, loss, generated ids");
  cmd->callback([o] { run_forward(*o); });
}

}  // namespace hwb::cli
