#include "ui/setup/GlueFolderScan.h"

#include <QFile>

#include "core/data/GlueTasks.h"
#include "core/train/ExperimentConfig.h"
#include "core/util/Paths.h"

namespace hwb {
namespace {

int64_t count_lines_after_header(const QString& path) {
  QFile file(path);
  if (!file.open(QIODevice::ReadOnly)) return 0;
  int64_t lines = 0;
  char last = '\n';
  while (!file.atEnd()) {
    const QByteArray chunk = file.read(1 << 20);
    lines += chunk.count('\n');
    if (!chunk.isEmpty()) last = chunk.back();
  }
  if (last != '\n') ++lines;  // a last line without its newline
  return lines > 0 ? lines - 1 : 0;
}

}  // namespace

QString resolve_glue_dir(const QString& glue_dir) {
  if (glue_dir.toStdString() == ExperimentConfig::kBuiltinDemoData) {
    try {
      return QString::fromStdString(find_resource("demo/glue").string());
    } catch (const std::exception&) {
      return {};
    }
  }
  return glue_dir;
}

std::vector<GlueTaskFound> find_glue_tasks(const QString& glue_dir) {
  std::vector<GlueTaskFound> found;
  const QString dir = resolve_glue_dir(glue_dir);
  if (dir.isEmpty()) return found;
  for (const std::string& name : GlueTasks::names()) {
    const TaskDefinition def = GlueTasks::definition(name, dir.toStdString());
    const auto train = def.files.find("train");
    if (train == def.files.end()) continue;
    const QString path = QString::fromStdString(train->second.string());
    if (!QFile::exists(path)) continue;
    found.push_back(
        {QString::fromStdString(name), QString::fromStdString(GlueTasks::folder(name)), path, -1});
  }
  return found;
}

void count_train_rows(std::vector<GlueTaskFound>& tasks) {
  for (GlueTaskFound& t : tasks) t.train_rows = count_lines_after_header(t.train_file);
}

}  // namespace hwb
