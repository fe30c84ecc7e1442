#pragma once

// Small helpers shared by the test executables (header-only, Qt Test + nlohmann::json).
#include <QtTest/QtTest>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <functional>
#include <string>

namespace hwb::test {

// How long a test waits for something another thread does (a step, a pause taking hold) before it
// fails with the condition it waited for: generous, since CI's machine may be loaded, but well
// inside CTest's TIMEOUT, so a test fails with a message instead of hanging.
inline constexpr int kPatienceMs = 60'000;

inline std::filesystem::path data_dir() {
  return std::filesystem::path(HWB_TEST_DATA_DIR);
}

inline nlohmann::json read_json(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) qFatal("cannot open %s", path.c_str());
  return nlohmann::json::parse(in);
}

inline void write_text(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

// Runs `f`, expecting an exception whose message contains every one of `needles`.
template <typename F>
bool throws_with(F&& f, std::initializer_list<std::string> needles,
                 std::string* message = nullptr) {
  try {
    f();
  } catch (const std::exception& e) {
    const std::string what = e.what();
    if (message) *message = what;
    for (const auto& n : needles) {
      if (what.find(n) == std::string::npos) {
        qWarning("message lacks '%s': %s", n.c_str(), what.c_str());
        return false;
      }
    }
    return true;
  }
  qWarning("no exception thrown");
  return false;
}

}  // namespace hwb::test
