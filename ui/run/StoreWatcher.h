#pragma once

#include <QObject>

#include <cstdint>
#include <memory>

class QTimer;

namespace hwb {

class RunStoreReader;

// Polls a run store's data_version() on a timer and says when another connection (a local
// session, a CLI run writing the same file) committed something. Views reload on changed(), so a
// store someone else writes looks the same as a live run of this window.
class StoreWatcher : public QObject {
  Q_OBJECT

 public:
  explicit StoreWatcher(QObject* parent = nullptr);

  // Starts watching this reader (null: stops). The first poll reports a change.
  void setReader(std::shared_ptr<const RunStoreReader> reader);
  const std::shared_ptr<const RunStoreReader>& reader() const { return reader_; }
  void setInterval(int milliseconds);
  // Polls now (also what the timer does).
  void poll();

 Q_SIGNALS:
  void changed();

 private:
  std::shared_ptr<const RunStoreReader> reader_;
  QTimer* timer_;
  int64_t last_version_ = -1;
};

}  // namespace hwb
