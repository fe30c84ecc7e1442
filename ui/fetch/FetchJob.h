#pragma once

#include <QFuture>
#include <QObject>
#include <QString>

#include <atomic>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/fetch/FetchCatalog.h"
#include "core/fetch/FetchProgress.h"

namespace hwb {

// What one job fetches and with which settings; copied to the worker, so a later edit of the
// dialog never reaches a running download.
struct FetchRequest {
  enum class Kind { kModel, kGlue };
  Kind kind = Kind::kModel;
  std::string repo;  // kModel: the Hub id
  GlueSource glue;   // kGlue
  std::filesystem::path data_dir;
  std::string hub_endpoint;
  std::string hub_token;
  std::string glue_url;
  std::vector<std::string> known_repos;  // for spelling suggestions

  // Where the fetch puts its files: models/<org>--<name> or glue/<TASK> under data_dir.
  std::filesystem::path folder() const;
};

// One download (a Hub model or a GLUE task) on a worker thread (QtConcurrent); progress and the
// outcome reach the GUI thread as queued signals, so the dialog never blocks. Cancel stops the
// transfer within a fraction of a second and keeps the partial file for the next download.
class FetchJob : public QObject {
  Q_OBJECT

 public:
  explicit FetchJob(FetchRequest request, QObject* parent = nullptr);
  // Cancels a running download and waits for its worker (a second at most).
  ~FetchJob() override;

  void start();
  void cancel();
  bool running() const { return future_.isRunning(); }
  const FetchRequest& request() const { return request_; }

 Q_SIGNALS:
  void progressed(const hwb::FetchProgress& progress);
  // ok: the folder is complete. cancelled: stopped by cancel(). message: the error, or a summary.
  void finished(bool ok, bool cancelled, const QString& message);

 private:
  FetchRequest request_;
  std::shared_ptr<std::atomic<bool>> cancel_;
  QFuture<void> future_;
};

}  // namespace hwb

Q_DECLARE_METATYPE(hwb::FetchProgress)
