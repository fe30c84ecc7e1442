#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace hwb {

// Where fetched models and data go unless a person says otherwise, after the XDG base directory
// specification: $XDG_DATA_HOME/hyperformer-workbench, else ~/.local/share/hyperformer-workbench.
// Models in models/<org>--<name>/, GLUE tasks in glue/<TASK>/ (GLUE's own layout, so the folder
// is what an experiment's glue_dir names).
class DataDirs {
 public:
  // Throws hwb::Error when neither XDG_DATA_HOME nor HOME is set.
  static std::filesystem::path default_root();
  static std::filesystem::path models(const std::filesystem::path& root);
  static std::filesystem::path glue(const std::filesystem::path& root);
  // "google-t5/t5-small" -> root/models/google-t5--t5-small, as huggingface_hub names its cache
  // folders, so one folder level holds every model.
  static std::filesystem::path model_folder(const std::filesystem::path& root,
                                            std::string_view repo_id);
};

}  // namespace hwb
