#include "ui/run/StoreWatcher.h"

#include <QTimer>

#include "core/store/RunStoreReader.h"

namespace hwb {

StoreWatcher::StoreWatcher(QObject* parent) : QObject(parent), timer_(new QTimer(this)) {
  timer_->setInterval(500);
  connect(timer_, &QTimer::timeout, this, &StoreWatcher::poll);
}

void StoreWatcher::setReader(std::shared_ptr<const RunStoreReader> reader) {
  reader_ = std::move(reader);
  last_version_ = -1;
  if (reader_) {
    timer_->start();
    poll();
  } else {
    timer_->stop();
  }
}

void StoreWatcher::setInterval(int milliseconds) {
  timer_->setInterval(milliseconds);
}

void StoreWatcher::poll() {
  if (!reader_) return;
  int64_t version = 0;
  try {
    version = reader_->data_version();
  } catch (const std::exception&) {
    return;  // busy or briefly unreadable: the next poll tries again
  }
  if (version == last_version_) return;
  last_version_ = version;
  Q_EMIT changed();
}

}  // namespace hwb
