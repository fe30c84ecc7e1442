#pragma once

namespace hwb {

// Kept apart from AdapterHook so that configs and statistics, which the UI reads, name a
// placement without pulling in LibTorch.
enum class StackKind { kEncoder = 0, kDecoder = 1 };

// Where an adapter sits in a block (METHOD.md section 2). The numbering is the position-embedding
// index of Hyperformer++: 0 = after the feed-forward sublayer, 1 = after self-attention.
enum class SublayerKind { kFeedForward = 0, kSelfAttention = 1 };

}  // namespace hwb
