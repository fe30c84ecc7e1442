#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace hwb {

// Offset of the first byte of `text` that is not part of well-formed UTF-8 (overlong forms,
// surrogates and code points above U+10FFFF count as ill-formed), or std::string_view::npos.
std::size_t find_invalid_utf8(std::string_view text);

inline bool is_valid_utf8(std::string_view text) {
  return find_invalid_utf8(text) == std::string_view::npos;
}

// Empty for well-formed UTF-8; otherwise a sentence for a "file:line: ..." message that names the
// offending byte and its column.
std::string utf8_error(std::string_view text);

}  // namespace hwb
