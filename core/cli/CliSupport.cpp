#include "core/cli/CliSupport.h"

#include <sstream>

#include "core/util/Error.h"
#include "core/util/Paths.h"

namespace hwb::cli {

std::vector<int64_t> parse_ids(const std::string& text, const std::string& option) {
  std::vector<int64_t> ids;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    const auto first = item.find_first_not_of(" \t");
    if (first == std::string::npos) continue;
    item = item.substr(first, item.find_last_not_of(" \t") + 1 - first);
    try {
      std::size_t used = 0;
      const long long v = std::stoll(item, &used);
      if (used != item.size() || v < 0) throw std::invalid_argument(item);
      ids.push_back(v);
    } catch (const std::exception&) {
      throw Error(option + ": '" + item +
                  "' is not a token id (non-negative integers, comma separated)");
    }
  }
  if (ids.empty()) throw Error(option + ": no token ids given");
  return ids;
}

std::filesystem::path default_fixture_dir() {
  // An installed package carries the reference fixtures as a resource (packaging/CMakeLists.txt);
  // a build runs from its source tree's tests/fixtures.
  try {
    return find_resource("selftest");
  } catch (const Error&) {
  }
  return find_resource("t5/spiece.model").parent_path().parent_path().parent_path() / "tests" /
         "fixtures";
}

}  // namespace hwb::cli
