#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace hwb {

// XXH64 (the xxHash 64-bit algorithm) of `bytes`: a fast non-cryptographic hash, used to key and
// check cache files. It guards against accidents (an edited data file, a torn write), not attacks.
std::uint64_t xxhash64(std::string_view bytes, std::uint64_t seed = 0);

// 16 lower-case hex digits.
std::string hash_hex(std::uint64_t hash);

}  // namespace hwb
