#include "ui/setup/Presets.h"

#include <QDir>
#include <QStandardPaths>

#include "core/util/Paths.h"

namespace hwb {

QString user_preset_dir() {
  return QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) + "/presets";
}

QStringList preset_dirs() {
  QStringList dirs;
  try {
    dirs << QString::fromStdString(find_resource("presets").string());
  } catch (const std::exception&) {
    // No bundled presets in this installation: the person's own still work.
  }
  dirs << user_preset_dir();
  return dirs;
}

std::vector<PresetFile> list_presets() {
  std::vector<PresetFile> presets;
  for (const QString& dir : preset_dirs()) {
    const QFileInfoList files =
        QDir(dir).entryInfoList({"*.json"}, QDir::Files | QDir::Readable, QDir::Name);
    for (const QFileInfo& f : files)
      presets.push_back({f.completeBaseName(), f.absoluteFilePath()});
  }
  return presets;
}

}  // namespace hwb
