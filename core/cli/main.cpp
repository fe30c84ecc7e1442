// hyperformer: the headless command line of Hyperformer Workbench. Links no Qt, so it builds and
// runs on a GPU server; it writes the same files the workbench reads.
#include <CLI/CLI.hpp>

#include <iostream>

#include "core/cli/Commands.h"
#include "core/util/Error.h"

int main(int argc, char** argv) {
  CLI::App app{
      "Hyperformer Workbench command line: train multi-task T5 experiments (Hyperformer, "
      "Hyperformer++, adapters, fine-tuning) headless into a run store the workbench opens, resume "
      "and evaluate them, pretrain a small T5, list and export runs, inspect T5 checkpoints and "
      "check this build "
      "against transformers' reference outputs"
#ifdef HWB_WITH_FETCH
      ", and fetch T5 checkpoints and GLUE tasks"
#endif
      ".",
      "hyperformer"};
  app.set_version_flag("--version", std::string("hyperformer ") + HWB_CLI_VERSION);
  app.require_subcommand(1);
  app.footer(
      "Examples:\n"
      "  hyperformer inspect --model ~/models/t5-small\n"
      "  hyperformer forward --model ~/models/t5-small --text \"sst2 sentence: a gem\" "
      "--target 1\n"
      "  hyperformer forward --model builtin:tiny --ids 13,57,1 --json\n"
      "  hyperformer train --demo\n"
      "  hyperformer pretrain --recipe --device cuda --out my-t5\n"
      "  hyperformer train --config resources/presets/t5_base_hyperformer_pp.json --device cuda\n"
      "  hyperformer runs list --store runs.db\n"
      "  hyperformer resume --store runs.db --run 3\n"
      "  hyperformer eval --store runs.db --run 3 --split test --out predictions.jsonl\n"
      "  hyperformer study --config resources/studies/demo_variants.json --dry-run\n"
      "  hyperformer runs table --store demo-study.db --study demo-variants --format latex\n"
      "  hyperformer selftest --device cuda"
#ifdef HWB_WITH_FETCH
      "\n  hyperformer fetch model flan-t5-base\n"
      "  hyperformer fetch glue sst2 rte"
#endif
  );
  hwb::cli::add_inspect_command(app);
  hwb::cli::add_forward_command(app);
  hwb::cli::add_train_command(app);
  hwb::cli::add_pretrain_command(app);
  hwb::cli::add_resume_command(app);
  hwb::cli::add_study_command(app);
  hwb::cli::add_eval_command(app);
  hwb::cli::add_runs_command(app);
  hwb::cli::add_settings_command(app);
  hwb::cli::add_selftest_command(app);
#ifdef HWB_WITH_FETCH
  hwb::cli::add_fetch_command(app);
#endif
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const hwb::Error& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    // LibTorch's own errors (c10::Error) carry a C++ backtrace; the first line is the reason.
    std::string what = e.what();
    std::cerr << "error: " << what.substr(0, what.find('\n')) << "\n";
    return 1;
  }
  return 0;
}
