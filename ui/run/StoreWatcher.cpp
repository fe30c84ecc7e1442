#include "ui/run/StoreWatcher.h"

#include <QTimer>

#include "core/store/RunStoreReader.h"

namespace hwb {

StoreWatcher::StoreWatcher(QObject* parent) : QObject(parent), timer_(new QTimer(this)) {
  timer_->setInterval(500);
  connect(timer_, &QTimer::timeout, this, &StoreWatcher::poll);
}

void StoreWatcher::setReader(std::shared_ptr<const RunStoreReader> reader) {
  watched_.clear();
  timer_->stop();
  if (reader) addReader(std::move(reader));
}

void StoreWatcher::addReader(std::shared_ptr<const RunStoreReader> reader) {
  if (!reader) return;
  watched_.push_back({std::move(reader), -1});
  timer_->start();
  poll();
}

void StoreWatcher::setInterval(int milliseconds) {
  timer_->setInterval(milliseconds);
}

void StoreWatcher::poll() {
  bool changed_any = false;
  for (Watched& w : watched_) {
    int64_t version = 0;
    try {
      version = w.reader->data_version();
    } catch (const std::exception&) {
      continue;  // busy or briefly unreadable: the next poll tries again
    }
    if (version == w.last_version) continue;
    w.last_version = version;
    changed_any = true;
  }
  if (changed_any) Q_EMIT changed();
}

}  // namespace hwb
