#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <iostream>

#include "core/cli/CliSupport.h"
#include "core/cli/Commands.h"
#include "core/model/ModelProbe.h"
#include "core/util/Error.h"

namespace hwb::cli {

namespace {

struct ForwardOptions {
  std::string model;
  std::string ids, target_ids;
  ProbeRequest request;
  bool json = false;
};

std::string list(const std::vector<int64_t>& ids) {
  std::string out = "[";
  for (std::size_t i = 0; i < ids.size(); ++i) out += (i ? ", " : "") + std::to_string(ids[i]);
  return out + "]";
}

void run_forward(ForwardOptions& o) {
  if (!o.ids.empty()) o.request.ids = parse_ids(o.ids, "--ids");
  if (!o.target_ids.empty()) {
    if (!o.request.target_text.empty()) throw Error("Give at most one of --target or --target-ids");
    o.request.target_ids = parse_ids(o.target_ids, "--target-ids");
  }
  if (o.request.text.empty() == o.request.ids.empty()) {
    throw Error("Give exactly one of --text or --ids");
  }
  const auto probe = ModelProbe::open(o.model);
  const ProbeResult r = probe->run(o.request);

  if (o.json) {
    nlohmann::json j;
    j["device"] = r.device;
    j["bf16"] = o.request.bf16;
    j["input_ids"] = r.input_ids;
    if (!r.target_ids.empty()) j["target_ids"] = r.target_ids;
    j["logits"] = {{"shape", r.logits_shape}, {"first", r.logits_first}, {"sum", r.logits_sum}};
    if (r.loss) j["loss"] = *r.loss;
    j["generated_ids"] = r.generated_ids;
    if (r.generated_text) j["generated_text"] = *r.generated_text;
    std::cout << j.dump(2) << "\n";
    return;
  }
  std::cout << "device       " << r.device << (o.request.bf16 ? " (bf16 autocast)" : "") << "\n"
            << "input ids    " << list(r.input_ids) << "\n";
  if (r.loss)
    std::cout << "target ids   " << list(r.target_ids) << "\nloss         " << *r.loss << "\n";
  std::cout << "logits       " << list(r.logits_shape) << ", sum " << r.logits_sum << "\n"
            << "generated    " << list(r.generated_ids) << "\n";
  if (r.generated_text) std::cout << "as text      \"" << *r.generated_text << "\"\n";
}

}  // namespace

void add_forward_command(CLI::App& app) {
  auto o = std::make_shared<ForwardOptions>();
  CLI::App* cmd = app.add_subcommand(
      "forward", "Run a T5 on one input: the loss against a target, and the greedy output");
  cmd->add_option("--model", o->model,
                  "Hugging Face T5 folder (config.json + safetensors), builtin:t5-mini (the "
                  "shipped pretrained T5) or builtin:tiny (a small random T5 made on the spot)")
      ->required();
  cmd->add_option("--text", o->request.text,
                  "Input text, tokenised with T5's SentencePiece vocabulary (EOS appended)");
  cmd->add_option("--ids", o->ids, "Input token ids, comma separated (used as given)");
  cmd->add_option("--target", o->request.target_text, "Target text for the loss");
  cmd->add_option("--target-ids", o->target_ids, "Target token ids for the loss");
  cmd->add_option("--device", o->request.device, "cpu, cuda or cuda:N")->capture_default_str();
  cmd->add_flag("--bf16", o->request.bf16, "bf16 autocast (CUDA only)");
  cmd->add_option("--max-new-tokens", o->request.max_new_tokens, "Greedy generation length limit")
      ->capture_default_str();
  cmd->add_flag("--json", o->json,
                "Print JSON: logits shape, first values and sum, loss, generated ids and text");
  cmd->callback([o] { run_forward(*o); });
}

}  // namespace hwb::cli
