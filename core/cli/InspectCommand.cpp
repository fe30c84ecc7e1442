#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <iomanip>
#include <iostream>

#include "core/cli/Commands.h"
#include "core/model/ModelProbe.h"

namespace hwb::cli {

namespace {

struct InspectOptions {
  std::string model;
  bool json = false;
};

void print_json(const ModelSummary& s) {
  nlohmann::json j;
  j["model"] = s.source;
  j["config"] = s.config.to_json();
  j["parameters"] = s.parameters;
  j["parameters"]["total"] = s.total_parameters;
  j["stored_dtypes"] = s.stored_dtypes;
  std::cout << j.dump(2) << "\n";
}

void print_text(const ModelSummary& s) {
  const T5Config& c = s.config;
  std::cout << "Model        " << s.source << "\n"
            << "Variant      T5 " << (c.gated_ffn() ? "v1.1 / FLAN (gated " : "v1.0 (")
            << c.activation() << " feed-forward), " << (c.tie_word_embeddings ? "tied" : "untied")
            << " embeddings\n"
            << "Shape        d_model " << c.d_model << ", d_ff " << c.d_ff << ", " << c.num_heads
            << " heads x d_kv " << c.d_kv << ", encoder " << c.num_layers << " blocks, decoder "
            << c.num_decoder_layers << " blocks\n"
            << "Vocabulary   " << c.vocab_size << " ids; relative buckets "
            << c.relative_attention_num_buckets << " up to distance "
            << c.relative_attention_max_distance << "\n";
  if (!s.stored_dtypes.empty()) {
    std::cout << "Stored as   ";
    for (const auto& [dtype, n] : s.stored_dtypes)
      std::cout << " " << dtype << " (" << n << " tensors)";
    std::cout << "\n";
  }
  std::cout << "Parameters\n";
  auto row = [&](const std::string& name, int64_t n) {
    std::cout << "  " << std::left << std::setw(11) << name << std::right << std::setw(14) << n
              << std::fixed << std::setprecision(2) << std::setw(9)
              << 100.0 * static_cast<double>(n) / static_cast<double>(s.total_parameters) << "%\n";
  };
  for (const auto& [group, n] : s.parameters) row(group, n);
  row("total", s.total_parameters);
}

}  // namespace

void add_inspect_command(CLI::App& app) {
  auto o = std::make_shared<InspectOptions>();
  CLI::App* cmd = app.add_subcommand(
      "inspect", "Show a T5 checkpoint's configuration, parameter counts by component and dtypes");
  cmd->add_option(
         "--model", o->model,
         "Hugging Face T5 folder (config.json + safetensors), builtin:t5-mini or builtin:tiny")
      ->required();
  cmd->add_flag("--json", o->json, "Print JSON for scripts");
  cmd->callback([o] {
    const auto probe = ModelProbe::open(o->model);
    o->json ? print_json(probe->summary()) : print_text(probe->summary());
  });
}

}  // namespace hwb::cli
