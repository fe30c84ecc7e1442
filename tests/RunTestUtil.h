#pragma once

// Helpers for tests that train real runs and read them back from the store (header-only, Qt Test).
#include <QtTest/QtTest>

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <thread>

#include "core/store/RunStoreReader.h"

namespace hwb::test {

// A run's curve by step; a step recorded twice is reported (resume must not duplicate steps).
inline std::map<int64_t, double> curve(const RunStoreReader& reader, int64_t run,
                                       const std::string& tag) {
  std::map<int64_t, double> out;
  for (const ScalarPoint& p : reader.scalar_series(run, tag)) {
    if (!out.emplace(p.step, p.value).second)
      qWarning("step %lld recorded twice", static_cast<long long>(p.step));
  }
  return out;
}

inline std::map<int64_t, double> curve(const std::filesystem::path& store, int64_t run,
                                       const std::string& tag) {
  return curve(*RunStoreReader::open(store), run, tag);
}

// Polls `done` until it holds or the time is up (the caller checks what it waited for).
inline void wait_until(const std::function<bool()>& done, int timeout_ms = 180000) {
  QElapsedTimer timer;
  timer.start();
  while (!done() && timer.elapsed() < timeout_ms)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
}

}  // namespace hwb::test
