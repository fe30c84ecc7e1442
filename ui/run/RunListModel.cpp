#include "ui/run/RunListModel.h"

#include <QDateTime>
#include <QFileInfo>

#include <algorithm>

#include "core/store/RunStoreReader.h"

namespace hwb {

RunListModel::RunListModel(QObject* parent) : QAbstractTableModel(parent) {}

void RunListModel::setLocalStore(std::shared_ptr<const RunStoreReader> reader) {
  local_ = std::move(reader);
  refresh();
}

bool RunListModel::addStore(std::shared_ptr<const RunStoreReader> reader) {
  for (const auto& s : stores()) {
    std::error_code error;
    if (std::filesystem::equivalent(s->file(), reader->file(), error)) return false;
  }
  extra_.push_back(std::move(reader));
  refresh();
  return true;
}

std::vector<std::shared_ptr<const RunStoreReader>> RunListModel::stores() const {
  std::vector<std::shared_ptr<const RunStoreReader>> out;
  if (local_) out.push_back(local_);
  out.insert(out.end(), extra_.begin(), extra_.end());
  return out;
}

void RunListModel::refresh() {
  std::vector<Row> rows;
  last_error_.clear();
  for (const auto& store : stores()) {
    std::vector<RunInfo> runs;
    try {
      runs = store->runs();
    } catch (const std::exception& e) {
      last_error_ = QString::fromStdString(e.what());
      continue;
    }
    std::reverse(runs.begin(), runs.end());  // newest first
    for (RunInfo& info : runs) rows.push_back({store, std::move(info)});
  }
  const bool same_rows =
      rows.size() == rows_.size() &&
      std::equal(rows.begin(), rows.end(), rows_.begin(), [](const Row& a, const Row& b) {
        return a.store == b.store && a.info.id == b.info.id;
      });
  if (same_rows) {
    rows_ = std::move(rows);
    if (!rows_.empty()) Q_EMIT dataChanged(index(0, 0), index(rowCount() - 1, kColumnCount - 1));
    return;
  }
  beginResetModel();
  rows_ = std::move(rows);
  endResetModel();
}

int RunListModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : static_cast<int>(rows_.size());
}

int RunListModel::columnCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : kColumnCount;
}

QString RunListModel::label_of(const Row& row) const {
  QString label = QString::fromStdString(row.info.name) + " #" + QString::number(row.info.id);
  if (row.store != local_) {
    label += " (" + QFileInfo(QString::fromStdString(row.store->file().string())).fileName() + ")";
  }
  return label;
}

QVariant RunListModel::data(const QModelIndex& index, int role) const {
  if (!index.isValid() || index.row() >= rowCount()) return {};
  const Row& row = rows_[static_cast<std::size_t>(index.row())];
  const RunInfo& info = row.info;
  if (role == Qt::ToolTipRole && !info.message.empty()) return QString::fromStdString(info.message);
  if (role != Qt::DisplayRole) return {};
  switch (index.column()) {
    case kRun:
      return label_of(row);
    case kStatus:
      return QString::fromStdString(info.status);
    case kStep:
      return QVariant::fromValue<qlonglong>(info.last_step);
    case kDevice:
      return QString::fromStdString(info.device);
    case kStarted:
      return QDateTime::fromMSecsSinceEpoch(info.started_at_ms).toString("yyyy-MM-dd hh:mm");
    case kStore:
      return QFileInfo(QString::fromStdString(row.store->file().string())).fileName();
    default:
      return {};
  }
}

QVariant RunListModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
  switch (section) {
    case kRun:
      return tr("Run");
    case kStatus:
      return tr("Status");
    case kStep:
      return tr("Step");
    case kDevice:
      return tr("Device");
    case kStarted:
      return tr("Started");
    case kStore:
      return tr("Store");
    default:
      return {};
  }
}

RunRef RunListModel::runRef(int row) const {
  const Row& r = rows_.at(static_cast<std::size_t>(row));
  return {r.store, r.info.id, label_of(r)};
}

int RunListModel::rowOf(const RunStoreReader* store, int64_t run) const {
  for (std::size_t i = 0; i < rows_.size(); ++i) {
    if (rows_[i].store.get() == store && rows_[i].info.id == run) return static_cast<int>(i);
  }
  return -1;
}

std::vector<RunRef> RunListModel::allRuns() const {
  std::vector<RunRef> out;
  for (int i = 0; i < rowCount(); ++i) out.push_back(runRef(i));
  return out;
}

}  // namespace hwb
