#include "core/model/Generation.h"

#include <ATen/ATen.h>

namespace hwb {

at::Tensor greedy_generate(T5Model& model, const at::Tensor& input_ids,
                           const at::Tensor& attention_mask, const GenerateOptions& options) {
  at::NoGradGuard no_grad;
  const T5Config& config = model->config();
  const int64_t batch = input_ids.size(0);
  const auto long_opts = at::TensorOptions().dtype(at::kLong).device(input_ids.device());

  const at::Tensor encoded = model->encode(input_ids, attention_mask);
  at::Tensor sequences = at::full({batch, 1}, config.decoder_start_token_id, long_opts);
  at::Tensor finished = at::zeros({batch}, long_opts.dtype(at::kBool));
  DecoderCache cache;
  for (int64_t step = 0; step < options.max_new_tokens; ++step) {
    const at::Tensor inputs = options.use_cache ? sequences.slice(1, step) : sequences;
    const at::Tensor hidden =
        model->decode(inputs, encoded, attention_mask, options.use_cache ? &cache : nullptr);
    const at::Tensor last = model->lm_logits(hidden.select(1, hidden.size(1) - 1));
    at::Tensor next = last.argmax(-1);
    if (!options.stop_at_eos) {
      sequences = at::cat({sequences, next.unsqueeze(1)}, 1);
      continue;
    }
    next = at::where(finished, at::full_like(next, config.pad_token_id), next);
    sequences = at::cat({sequences, next.unsqueeze(1)}, 1);
    finished = finished.logical_or(next == config.eos_token_id);
    // One host sync per step; generation stops as soon as every sequence is done.
    if (options.leave_when_done && finished.all().item<bool>()) break;
  }
  return sequences;
}

}  // namespace hwb
