#pragma once

#include <QString>

#include <cstdint>
#include <vector>

namespace hwb {

// A GLUE task found in a data folder: its train file and how many examples that file holds.
struct GlueTaskFound {
  QString name;    // "sst2"
  QString folder;  // "SST-2"
  int64_t train_rows = 0;
};

// The GLUE tasks whose train file exists under `glue_dir` (GLUE's download layout, or
// "builtin:demo" for the bundled samples), in the paper's order. Rows are counted as lines after
// the header, which is what GLUE's TSV files hold one example per.
std::vector<GlueTaskFound> scan_glue_folder(const QString& glue_dir);

// The folder a glue_dir setting names on disk ("builtin:demo" resolved); empty when it cannot be.
QString resolve_glue_dir(const QString& glue_dir);

}  // namespace hwb
