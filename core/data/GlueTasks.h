#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "core/data/TaskDefinition.h"

namespace hwb {

struct GlueOptions {
  // The reference code's formatting quirks (METHOD.md section 5), never on by default: MNLI's input
  // has no colon after "hypothesis", and STS-B targets are rounded to 0.1 instead of T5's 0.2.
  // (Its other quirk for data, the validation rows left in train, is SplitOptions::reference_leak.)
  bool reference_compatible = false;
};

// The eight GLUE tasks as METHOD.md section 5 formats them, reading GLUE's own TSV files:
// cola sst2 mrpc qqp stsb mnli qnli rte.
class GlueTasks {
 public:
  // In the paper's order.
  static const std::vector<std::string>& names();
  static bool contains(std::string_view name);
  // The task's folder in the GLUE download ("CoLA", "SST-2", "STS-B", ...).
  static std::string folder(std::string_view name);
  // The definition, with files under glue_dir / folder(name). Throws hwb::Error for a name that is
  // not a GLUE task, listing the eight.
  static TaskDefinition definition(std::string_view name, const std::filesystem::path& glue_dir,
                                   const GlueOptions& options = {});
};

}  // namespace hwb
