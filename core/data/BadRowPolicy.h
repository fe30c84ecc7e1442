#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace hwb {

// What to do with a row that cannot become an example: wrong number of columns, an unknown label,
// a score that is not a number, a line that is not UTF-8. Never guessed into an example.
enum class BadRowPolicy {
  kRefuse,  // the task is refused with the first bad row's file and line (the default)
  kSkip,    // the row is dropped and counted, so the run can record how many
};

// Rows dropped under BadRowPolicy::kSkip.
struct SkippedRows {
  static constexpr std::size_t kMaxMessages = 20;

  std::size_t count = 0;
  // "file:line: reason" for the first kMaxMessages rows; `count` has them all.
  std::vector<std::string> messages;

  void add(std::string message) {
    ++count;
    if (messages.size() < kMaxMessages) messages.push_back(std::move(message));
  }
  void merge(const SkippedRows& other) {
    count += other.count;
    for (const std::string& message : other.messages) {
      if (messages.size() < kMaxMessages) messages.push_back(message);
    }
  }
};

}  // namespace hwb
