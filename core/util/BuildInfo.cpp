#include "core/util/BuildInfo.h"

#include <sqlite3.h>
#include <torch/version.h>

// Set by core/CMakeLists.txt on this file only (pkg-config's version at configure time): the
// SentencePiece library is loaded at run time by the tokenizer module and has no version call.
#ifndef HWB_SENTENCEPIECE_VERSION
#error "HWB_SENTENCEPIECE_VERSION must be defined by the build"
#endif

namespace hwb {

BuildInfo build_info() {
  BuildInfo info;
  info.program = HWB_VERSION;
  info.libtorch = TORCH_VERSION;
  info.sqlite = sqlite3_libversion();
  info.sentencepiece = HWB_SENTENCEPIECE_VERSION;
#ifdef HWB_WITH_CUDA
  info.libtorch_has_cuda = true;
#endif
  return info;
}

}  // namespace hwb
