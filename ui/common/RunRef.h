#pragma once

#include <QString>

#include <cstdint>
#include <memory>

namespace hwb {

class RunStoreReader;

// One run as the views see it: the store it lives in (the local one or an imported file) and its
// id there. Views read everything else through the reader.
struct RunRef {
  std::shared_ptr<const RunStoreReader> store;
  int64_t run = 0;
  QString label;  // "name #id" plus the store's file name when it is not the local store

  bool operator==(const RunRef& other) const { return store == other.store && run == other.run; }
};

}  // namespace hwb
