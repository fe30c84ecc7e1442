#pragma once

namespace CLI {
class App;
}

namespace hwb::cli {

// Each adds one subcommand to the tool; the subcommand's callback does the work and throws
// hwb::Error for anything a person must fix.
void add_inspect_command(CLI::App& app);
void add_forward_command(CLI::App& app);
void add_selftest_command(CLI::App& app);
void add_train_command(CLI::App& app);
void add_pretrain_command(CLI::App& app);
void add_resume_command(CLI::App& app);
void add_runs_command(CLI::App& app);
void add_eval_command(CLI::App& app);
void add_settings_command(CLI::App& app);
void add_study_command(CLI::App& app);
#ifdef HWB_WITH_FETCH
void add_fetch_command(CLI::App& app);
#endif

}  // namespace hwb::cli
