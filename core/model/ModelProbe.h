#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/model/T5Config.h"

namespace hwb {

// What a person wants to know about a backbone before using it.
struct ModelSummary {
  std::string source;  // folder, or "builtin:tiny"
  T5Config config;
  std::map<std::string, int64_t> parameters;  // embedding, encoder, decoder, lm_head
  int64_t total_parameters = 0;
  std::map<std::string, int64_t> stored_dtypes;  // "F32" -> tensor count, over the weight files
};

// One input through the model: text or ids, an optional target.
struct ProbeRequest {
  std::string text;                 // tokenised with T5's vocabulary when set
  std::vector<int64_t> ids;         // used when text is empty (no EOS added)
  std::string target_text;          // loss target, tokenised when set
  std::vector<int64_t> target_ids;  // used when target_text is empty
  std::string device = "cpu";       // "cpu", "cuda", "cuda:N"
  bool bf16 = false;                // CUDA autocast
  int64_t max_new_tokens = 20;
};

struct ProbeResult {
  std::string device;
  std::vector<int64_t> input_ids;
  std::vector<int64_t> target_ids;
  std::optional<double> loss;
  std::vector<int64_t> logits_shape;  // [1, target length (1 without a target), vocab]
  std::vector<float> logits_first;    // the first 8 logits
  double logits_sum = 0;
  std::vector<int64_t> generated_ids;
  std::optional<std::string> generated_text;  // when T5's tokenizer is available
};

// A loaded T5 behind value types: what the CLI's inspect/forward and the GUI's model view use, so
// neither touches tensors. Not thread-safe; one run at a time.
class ModelProbe {
 public:
  // A model folder or "builtin:tiny" (T5Config::tiny() with weights drawn from `seed`).
  // Throws hwb::Error naming the folder and what is wrong.
  static std::unique_ptr<ModelProbe> open(const std::string& spec, uint64_t seed = 42);
  ~ModelProbe();

  const ModelSummary& summary() const;
  // Throws hwb::Error for a bad request (unknown device, ids outside the vocabulary, ...).
  ProbeResult run(const ProbeRequest& request);

 private:
  struct State;
  explicit ModelProbe(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace hwb
