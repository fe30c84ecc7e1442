#include "ui/fetch/FetchJob.h"

#include <QtConcurrent/QtConcurrentRun>

#include "core/fetch/DataDirs.h"
#include "core/fetch/FileOps.h"
#include "core/fetch/GlueFetcher.h"
#include "core/fetch/HttpClient.h"
#include "core/fetch/ModelFetcher.h"

namespace hwb {

std::filesystem::path FetchRequest::folder() const {
  return kind == Kind::kModel ? DataDirs::model_folder(data_dir, repo)
                              : DataDirs::glue(data_dir) / glue.folder;
}

FetchJob::FetchJob(FetchRequest request, QObject* parent)
    : QObject(parent),
      request_(std::move(request)),
      cancel_(std::make_shared<std::atomic<bool>>(false)) {}

FetchJob::~FetchJob() {
  cancel();
  future_.waitForFinished();
}

void FetchJob::cancel() {
  *cancel_ = true;
}

void FetchJob::start() {
  if (running()) return;
  *cancel_ = false;
  // The worker touches nothing of the dialog: it has its copy of the request, and `this` outlives
  // it (the destructor waits), so signals emitted from it are safe and arrive queued.
  future_ = QtConcurrent::run([this, request = request_, cancel = cancel_] {
    const FetchProgressFn progress = [this, cancel](const FetchProgress& p) {
      Q_EMIT progressed(p);
      return !*cancel;
    };
    try {
      HttpClient http;
      http.set_interrupt([cancel] { return cancel->load(); });
      QString summary;
      if (request.kind == FetchRequest::Kind::kModel) {
        ModelFetchOptions options;
        options.hub.endpoint = request.hub_endpoint;
        options.hub.token = request.hub_token;
        options.folder = request.folder();
        options.known_repos = request.known_repos;
        const ModelFetchResult r = ModelFetcher(http, options).fetch(request.repo, progress);
        summary = tr("%1 is ready in %2 (%3 files, %4)")
                      .arg(QString::fromStdString(request.repo),
                           QString::fromStdString(r.folder.string()))
                      .arg(r.files.size())
                      .arg(QString::fromStdString(fetch_files::format_bytes(r.bytes)));
      } else {
        const GlueFetchResult r =
            GlueFetcher(http, {request.glue_url, DataDirs::glue(request.data_dir)})
                .fetch(request.glue, progress);
        summary = tr("GLUE %1 is ready in %2")
                      .arg(QString::fromStdString(request.glue.folder),
                           QString::fromStdString(r.folder.string()));
        if (!r.moved_aside.empty()) {
          summary += tr("; the incomplete folder that was there is now %1")
                         .arg(QString::fromStdString(r.moved_aside.string()));
        }
      }
      Q_EMIT finished(true, false, summary);
    } catch (const FetchCancelled& e) {
      Q_EMIT finished(false, true, QString::fromStdString(e.what()));
    } catch (const std::exception& e) {
      Q_EMIT finished(false, false, QString::fromStdString(e.what()));
    }
  });
}

}  // namespace hwb
