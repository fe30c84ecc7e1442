#pragma once

#include <cstddef>
#include <string>

namespace hwb {

// One row of a task file as text to text.
struct Example {
  std::string source;    // the rendered input template: "mrpc sentence1: ... sentence2: ..."
  std::string target;    // what the model learns to generate: "1", "3.8"
  std::string label;     // the gold label or score as the file spells it (trimmed): "entailment"
  std::size_t line = 0;  // where it came from, 1-based
};

}  // namespace hwb
