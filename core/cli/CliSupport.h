#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace hwb::cli {

// "1, 2,3" -> {1, 2, 3}; throws hwb::Error naming the option and the bad item.
std::vector<int64_t> parse_ids(const std::string& text, const std::string& option);

// Where the parity fixtures live: the installed copy (share/hyperformer-workbench/selftest), else
// a source checkout's tests/fixtures beside resources/.
std::filesystem::path default_fixture_dir();

}  // namespace hwb::cli
