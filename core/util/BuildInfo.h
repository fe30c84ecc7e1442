#pragma once

#include <string>

namespace hwb {

// The program's version and the versions of the libraries it was built with and runs on, for
// `--version`, the workbench's About dialog and each run's record. Torch-free, so the UI can
// include it.
struct BuildInfo {
  std::string program;             // this project's version, "0.1.0"
  std::string libtorch;            // TORCH_VERSION of the LibTorch headers built against, "1.13.1"
  std::string sqlite;              // sqlite3_libversion() of the SQLite library loaded now
  std::string sentencepiece;       // pkg-config's version of the SentencePiece the module links
  bool libtorch_has_cuda = false;  // this LibTorch was built with CUDA (the GPU machine's)
};

BuildInfo build_info();

}  // namespace hwb
