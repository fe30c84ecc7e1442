#pragma once

#include <ATen/core/Tensor.h>

#include "core/model/T5Model.h"

namespace hwb {

struct GenerateOptions {
  int64_t max_new_tokens = 16;
  // Reuse keys and values of earlier steps; false recomputes the whole prefix every step (the
  // same output, slower; kept to check the cache).
  bool use_cache = true;
  // False: always generate max_new_tokens (EOS is not special); for timing fixed-length decoding,
  // and it drops the per-step host synchronisation.
  bool stop_at_eos = true;
  // With stop_at_eos: leave as soon as every sequence has finished (a host synchronisation per
  // step). False always runs max_new_tokens steps, finished sequences continuing with pad: the
  // same decoded text, with no synchronisation and fixed shapes (a CUDA graph can replay it).
  bool leave_when_done = true;
};

// Greedy decoding as transformers' generate(do_sample=False, num_beams=1) does it: output
// [batch, 1 + n] starting with decoder_start_token_id; a sequence that produced EOS continues with
// pad; it stops when every sequence has finished or after max_new_tokens.
// input_ids, attention_mask: [batch, src]. Runs without gradients, in the model's current mode.
at::Tensor greedy_generate(T5Model& model, const at::Tensor& input_ids,
                           const at::Tensor& attention_mask, const GenerateOptions& options = {});

}  // namespace hwb
