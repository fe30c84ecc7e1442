#pragma once

#include <QAbstractTableModel>
#include <QString>

#include <memory>
#include <vector>

#include "core/store/StoreTypes.h"
#include "ui/common/RunRef.h"

namespace hwb {

class RunStoreReader;

// The runs of the open store and of any store files added beside it (a headless GPU run's file,
// opened read-only), one row each, newest first within each store. Rows hand out RunRefs for the
// views. refresh() re-reads every store; rows keep their order when nothing was added.
class RunListModel : public QAbstractTableModel {
  Q_OBJECT

 public:
  enum Column { kRun, kStatus, kStep, kDevice, kStarted, kStore, kColumnCount };

  explicit RunListModel(QObject* parent = nullptr);

  // The store new runs are written to; its runs come first and their labels carry no file name.
  void setLocalStore(std::shared_ptr<const RunStoreReader> reader);
  const std::shared_ptr<const RunStoreReader>& localStore() const { return local_; }
  // Adds another store (read-only). Adding the same file twice does nothing and returns false.
  bool addStore(std::shared_ptr<const RunStoreReader> reader);
  std::vector<std::shared_ptr<const RunStoreReader>> stores() const;
  void refresh();

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
  QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

  RunRef runRef(int row) const;
  const RunInfo& runInfo(int row) const { return rows_.at(static_cast<std::size_t>(row)).info; }
  // The row of a run, or -1.
  int rowOf(const RunStoreReader* store, int64_t run) const;
  std::vector<RunRef> allRuns() const;
  // The error of the last refresh of a store that could not be read, else empty.
  QString lastError() const { return last_error_; }

 private:
  struct Row {
    std::shared_ptr<const RunStoreReader> store;
    RunInfo info;
  };
  QString label_of(const Row& row) const;

  std::shared_ptr<const RunStoreReader> local_;
  std::vector<std::shared_ptr<const RunStoreReader>> extra_;
  std::vector<Row> rows_;
  QString last_error_;
};

}  // namespace hwb
