#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <iomanip>
#include <iostream>

#include "core/cli/CliSupport.h"
#include "core/cli/Commands.h"
#include "core/model/Safetensors.h"
#include "core/model/T5Checkpoint.h"

namespace hwb::cli {
namespace fs = std::filesystem;

namespace {

struct InspectOptions {
  std::string model;
  bool json = false;
};

// Stored dtypes and their tensor counts over every weight file in the folder.
std::map<std::string, int64_t> stored_dtypes(const fs::path& folder) {
  std::map<std::string, int64_t> counts;
  if (!fs::is_directory(folder)) return counts;
  for (const auto& e : fs::directory_iterator(folder)) {
    if (e.path().extension() != ".safetensors") continue;
    SafetensorsFile file(e.path());
    for (const auto& [name, entry] : file.entries()) ++counts[entry.dtype];
  }
  return counts;
}

void run_inspect(const InspectOptions& o) {
  T5Model model = open_model(o.model);
  const auto counts = model->parameter_counts();
  int64_t total = 0;
  for (const auto& [_, n] : counts) total += n;
  const auto dtypes = stored_dtypes(o.model);

  if (o.json) {
    nlohmann::json j;
    j["model"] = o.model;
    j["config"] = model->config().to_json();
    j["parameters"] = counts;
    j["parameters"]["total"] = total;
    j["stored_dtypes"] = dtypes;
    std::cout << j.dump(2) << "\n";
    return;
  }
  const T5Config& c = model->config();
  std::cout << "Model        " << o.model << "\n"
            << "Variant      T5 " << (c.gated_ffn() ? "v1.1 / FLAN (gated " : "v1.0 (")
            << c.activation() << " feed-forward), "
            << (c.tie_word_embeddings ? "tied" : "untied") << " embeddings\n"
            << "Shape        d_model " << c.d_model << ", d_ff " << c.d_ff << ", heads "
            << c.num_heads << " x d_kv " << c.d_kv << ", encoder " << c.num_layers
            << " blocks, decoder " << c.num_decoder_layers << " blocks\n"
            << "Vocabulary   " << c.vocab_size << " ids, relative buckets "
            << c.relative_attention_num_buckets << " up to distance "
            << c.relative_attention_max_distance << "\n";
  if (!dtypes.empty()) {
    std::cout << "Stored as   ";
    for (const auto& [dtype, n] : dtypes) std::cout << " " << dtype << " (" << n << " tensors)";
    std::cout << "\n";
  }
  std::cout << "Parameters\n";
  for (const auto& [group, n] : counts) {
    std::cout << "  " << std::left << std::setw(11) << group << std::right << std::setw(14) << n
              << "  " << std::fixed << std::setprecision(2)
              << (total ? 100.0 * static_cast<double>(n) / static_cast<double>(total) : 0.0)
              << "%\n";
  }
  std::cout << "  " << std::left << std::setw(11) << "total" << std::right << std::setw(14)
            << total << "\n";
}

}  // namespace

void add_inspect_command(CLI::App& app) {
  auto options = std::make_shared<InspectOptions>();
  CLI::App* cmd = app.add_subcommand(
      "inspect", "Show a T5 checkpoint's configuration, parameter counts by component and dtypes");
  cmd->add_option("--model", options->model,
                  "Hugging Face T5 folder (config.json + safetensors), or builtin:tiny")
      ->required();
  cmd->add_flag("--json", options->json, "Print JSON for scripts");
  cmd->callback([options] { run_inspect(*options); });
}

}  // namespace hwb::cli
