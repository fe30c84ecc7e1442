#pragma once

#include <QObject>

#include <cstdint>
#include <memory>
#include <vector>

class QTimer;

namespace hwb {

class RunStoreReader;

// Polls run stores' data_version() on a timer and says when another connection (a local
// session, a CLI run writing the same file) committed something. Views reload on changed(), so a
// store someone else writes looks the same as a live run of this window.
class StoreWatcher : public QObject {
  Q_OBJECT

 public:
  explicit StoreWatcher(QObject* parent = nullptr);

  // Watches only this reader (null: nothing). The first poll reports a change.
  void setReader(std::shared_ptr<const RunStoreReader> reader);
  // Watches this one too (a store file added beside the open one, which a CLI run may be
  // writing).
  void addReader(std::shared_ptr<const RunStoreReader> reader);
  void setInterval(int milliseconds);
  // Polls now (also what the timer does).
  void poll();

 Q_SIGNALS:
  void changed();

 private:
  struct Watched {
    std::shared_ptr<const RunStoreReader> reader;
    int64_t last_version = -1;
  };
  std::vector<Watched> watched_;
  QTimer* timer_;
};

}  // namespace hwb
