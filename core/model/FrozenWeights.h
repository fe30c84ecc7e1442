#pragma once

#include <c10/core/ScalarType.h>

#include <cstdint>

namespace torch::nn {
class Module;
}

namespace hwb {

// Stores every frozen weight matrix of `root`'s linear layers in `dtype` (bf16 for CUDA bf16
// autocast), in place; returns the bytes this saves. Under autocast a matrix product casts its
// fp32 weight to bf16 at every use and keeps the copy for the backward pass: a weight already in
// bf16 gives bit-identical products without those casts, and the fp32 copy is gone. Trainable
// weights keep fp32 (AdamW updates them), and so do embeddings (their lookups feed the fp32
// residual stream). Only frozen weights are touched, and checkpoints hold only trainable ones.
int64_t store_frozen_linear_weights(torch::nn::Module& root, c10::ScalarType dtype);

}  // namespace hwb
