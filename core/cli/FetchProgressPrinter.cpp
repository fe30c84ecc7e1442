#include "core/cli/FetchProgressPrinter.h"

#include <unistd.h>

#include <cstdio>

#include "core/fetch/FileOps.h"

namespace hwb::cli {

using fetch_files::format_bytes;

namespace {

std::string rate(double bytes_per_second) {
  return bytes_per_second > 0 ? format_bytes(static_cast<int64_t>(bytes_per_second)) + "/s"
                              : std::string("-");
}

}  // namespace

FetchProgressPrinter::FetchProgressPrinter() : tty_(isatty(STDERR_FILENO) != 0) {}

void FetchProgressPrinter::finish() {
  if (bar_open_) std::fprintf(stderr, "\n");
  bar_open_ = false;
  std::fflush(stderr);
}

void FetchProgressPrinter::start_file(const FetchProgress& p) {
  finish();
  item_ = p.item;
  file_ = p.file;
  last_tenth_ = -1;
  file_done_ = false;
  if (p.resumed_from > 0) {
    std::fprintf(stderr, "%s: resuming %s at %s of %s\n", p.item.c_str(), p.file.c_str(),
                 format_bytes(p.resumed_from).c_str(), format_bytes(p.file_total).c_str());
  }
}

bool FetchProgressPrinter::report(const FetchProgress& p, bool keep_going) {
  if (p.item != item_ || p.file != file_) start_file(p);
  if (file_done_) return keep_going;
  // Nothing to show while connecting (and nothing at all when the host cannot be reached).
  if (p.file_done == 0 && p.bytes_per_second == 0 && p.file_total != 0) return keep_going;
  const bool known = p.file_total > 0;
  const double fraction =
      known ? static_cast<double>(p.file_done) / static_cast<double>(p.file_total) : 0.0;
  const bool complete = known && p.file_done >= p.file_total;
  if (tty_) {
    constexpr int kWidth = 24;
    std::string bar(static_cast<std::size_t>(fraction * kWidth), '#');
    bar.resize(kWidth, '.');
    std::fprintf(stderr, "\r[%s] %5.1f%% %s of %s  %s  %s (%d/%d)   ", bar.c_str(),
                 100.0 * fraction, format_bytes(p.file_done).c_str(),
                 format_bytes(p.file_total).c_str(), rate(p.bytes_per_second).c_str(),
                 p.file.c_str(), p.file_index, p.file_count);
    bar_open_ = true;
  } else {
    const int tenth = static_cast<int>(fraction * 10);
    if (tenth != last_tenth_ || complete) {
      last_tenth_ = tenth;
      std::fprintf(stderr, "%s: %s (%d/%d) %s of %s, %s\n", p.item.c_str(), p.file.c_str(),
                   p.file_index, p.file_count, format_bytes(p.file_done).c_str(),
                   format_bytes(p.file_total).c_str(), rate(p.bytes_per_second).c_str());
    }
  }
  if (complete) {
    file_done_ = true;
    finish();
  }
  std::fflush(stderr);
  return keep_going;
}

}  // namespace hwb::cli
