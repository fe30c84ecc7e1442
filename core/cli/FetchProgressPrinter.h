#pragma once

#include <chrono>
#include <string>

#include "core/fetch/FetchProgress.h"

namespace hwb::cli {

// A fetch's progress on standard error (standard output stays for results): a bar redrawn in place
// on a terminal, otherwise a line when a file starts, every tenth of it and when it ends, so logs
// stay short. Says when a file resumes from an earlier partial download.
class FetchProgressPrinter {
 public:
  FetchProgressPrinter();
  // For FetchProgressFn; returns `keep_going`.
  bool report(const FetchProgress& p, bool keep_going);
  // Ends an open bar line (before an error or a result is printed).
  void finish();

 private:
  void start_file(const FetchProgress& p);

  bool tty_;
  bool bar_open_ = false;
  std::string item_;
  std::string file_;
  int last_tenth_ = -1;
  bool file_done_ = false;
};

}  // namespace hwb::cli
