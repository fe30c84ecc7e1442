#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "core/util/Error.h"

namespace hwb {

// Where a fetch stands, reported to the CLI's progress line and the workbench's progress bar.
struct FetchProgress {
  std::string item;    // "google-t5/t5-small", "SST-2"
  std::string file;    // the file being transferred now: "model.safetensors"
  int file_index = 0;  // 1-based, of file_count
  int file_count = 0;
  int64_t file_done = 0;        // bytes of `file` on disk, a resumed part included
  int64_t file_total = -1;      // -1 while the server has not said
  int64_t resumed_from = 0;     // bytes of `file` that were already there when this transfer began
  int64_t item_done = 0;        // bytes of the whole item on disk
  int64_t item_total = -1;      // -1 when some file's size is not known yet
  double bytes_per_second = 0;  // of this transfer, since it began
};

// Called at most every 100 ms and once at the end of each file. Returning false cancels the fetch:
// it throws FetchCancelled and the partial file stays for the next fetch to resume.
using FetchProgressFn = std::function<bool(const FetchProgress&)>;

// A fetch stopped because its progress callback asked it to (Cancel in the workbench, Ctrl-C).
class FetchCancelled : public Error {
 public:
  using Error::Error;
};

}  // namespace hwb
