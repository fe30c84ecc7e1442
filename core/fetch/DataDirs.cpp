#include "core/fetch/DataDirs.h"

#include <cstdlib>
#include <string>

#include "core/util/Error.h"

namespace hwb {
namespace fs = std::filesystem;

fs::path DataDirs::default_root() {
  const char* xdg = std::getenv("XDG_DATA_HOME");
  // The specification says a relative XDG_DATA_HOME is invalid and must be ignored.
  if (xdg && *xdg && fs::path(xdg).is_absolute()) return fs::path(xdg) / "hyperformer-workbench";
  const char* home = std::getenv("HOME");
  if (home && *home) return fs::path(home) / ".local" / "share" / "hyperformer-workbench";
  throw Error(
      "no folder for downloads: neither XDG_DATA_HOME nor HOME is set; name one with --dest");
}

fs::path DataDirs::models(const fs::path& root) {
  return root / "models";
}

fs::path DataDirs::glue(const fs::path& root) {
  return root / "glue";
}

fs::path DataDirs::model_folder(const fs::path& root, std::string_view repo_id) {
  std::string name(repo_id);
  const auto slash = name.find('/');
  if (slash != std::string::npos) name.replace(slash, 1, "--");
  return models(root) / name;
}

}  // namespace hwb
