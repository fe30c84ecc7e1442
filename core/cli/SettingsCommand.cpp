#include <CLI/CLI.hpp>

#include <iostream>

#include "core/cli/Commands.h"
#include "core/train/ExperimentSettings.h"

namespace hwb::cli {

// `hyperformer settings`: the settings table (docs/SETTINGS.md) as a person reads it, each
// setting with its JSON path (what --set and config files use), kind, default, range and help.
void add_settings_command(CLI::App& app) {
  auto json = std::make_shared<bool>(false);
  CLI::App* cmd =
      app.add_subcommand("settings",
                         "List every experiment setting: its path for --set and config files, its "
                         "default, its range and what it does");
  cmd->add_flag("--json", *json, "Print JSON: one object per setting");
  cmd->callback([json] {
    const ExperimentConfig defaults;
    nlohmann::json list = nlohmann::json::array();
    for (const Setting<ExperimentConfig>& s : experiment_settings()) {
      const std::string kind = setting_kind_text(s.kind, s.choices);
      const bool bounded = s.range.bounded();
      if (*json) {
        nlohmann::json row = {{"path", s.path},
                              {"kind", kind},
                              {"default", setting_json(s.get(defaults))},
                              {"label", s.label},
                              {"help", s.help}};
        if (bounded) row["range"] = s.range.requirement();
        list.push_back(row);
        continue;
      }
      std::cout << s.path << "  (" << kind << ")\n    default: " << setting_text(s.get(defaults))
                << (bounded ? "; " + s.range.requirement() : "") << "\n    " << s.help << "\n";
    }
    if (*json) std::cout << list.dump(2) << std::endl;
  });
}

}  // namespace hwb::cli
