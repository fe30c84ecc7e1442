#pragma once

#include <QString>
#include <QStringList>

#include <vector>

namespace hwb {

// Preset files are ExperimentConfig JSON files. They come from the program's resources/presets
// and from the person's own folder (where "Save preset" suggests writing); whatever *.json lies
// there is offered, so new presets need no code.
struct PresetFile {
  QString name;  // file name without .json
  QString path;
};

// The bundled folder (when found) and the person's own, in that order.
QStringList preset_dirs();
// The person's own preset folder (created on demand by the caller).
QString user_preset_dir();
// Every *.json of preset_dirs(), sorted by name within each folder.
std::vector<PresetFile> list_presets();

}  // namespace hwb
