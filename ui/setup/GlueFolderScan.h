#pragma once

#include <QString>

#include <cstdint>
#include <vector>

namespace hwb {

// A GLUE task found in a data folder: its train file and how many examples that file holds.
struct GlueTaskFound {
  QString name;    // "sst2"
  QString folder;  // "SST-2"
  QString train_file;
  int64_t train_rows = -1;  // -1 until counted
};

// The GLUE tasks whose train file exists under `glue_dir` (GLUE's download layout, or
// "builtin:demo" for the bundled samples), in the paper's order. Only looks for the files: quick.
std::vector<GlueTaskFound> find_glue_tasks(const QString& glue_dir);
// Fills train_rows: lines after the header, one example each in GLUE's TSV files. Reads every
// file whole (MNLI's is 80 MB), so callers run it off the GUI thread.
void count_train_rows(std::vector<GlueTaskFound>& tasks);

// The folder a glue_dir setting names on disk ("builtin:demo" resolved); empty when it cannot be.
QString resolve_glue_dir(const QString& glue_dir);

}  // namespace hwb
