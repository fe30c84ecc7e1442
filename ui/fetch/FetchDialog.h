#pragma once

#include <QDialog>
#include <QList>
#include <QString>

#include <optional>
#include <vector>

#include "core/fetch/FetchCatalog.h"
#include "core/fetch/FetchProgress.h"
#include "ui/fetch/FetchJob.h"

class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QTableWidget;

namespace hwb {

// Models and data: the catalog's T5 checkpoints (and any Hub id added by hand) and the GLUE tasks,
// each with its state in the download folder (not downloaded, partial, ready) and its size. Rows
// are downloaded one after another on a worker (FetchJob) with a progress bar, bytes and speed;
// Cancel keeps the partial file, and the next Download resumes it. Errors are shown in the dialog
// as the engine words them. A ready model can be handed to Setup as the backbone, and the GLUE
// folder as the experiment's data folder. The download folder is remembered (QSettings).
class FetchDialog : public QDialog {
  Q_OBJECT

 public:
  explicit FetchDialog(QWidget* parent = nullptr);
  ~FetchDialog() override;

  QString dataDir() const;
  void setDataDir(const QString& dir);
  // The Hub and the GLUE host (default: HF_ENDPOINT or huggingface.co, HWB_GLUE_URL or the
  // catalog's); a mirror, or the tests' local server.
  void setEndpoints(const QString& hub, const QString& glue);
  // Adds a row for a Hub id that is not in the catalog; the reason when it is not a Hub id.
  QString addHubModel(const QString& repo);

  // Rows by their name ("t5-small", "sst2", or an added Hub id), -1 when there is none.
  int rowOf(const QString& name) const;
  QString stateOf(const QString& name) const;
  bool busy() const { return job_ != nullptr; }
  QString message() const;

 Q_SIGNALS:
  void useAsBackbone(const QString& folder);
  void useGlueDir(const QString& glue_dir);
  // After each row's download: ok, or why not (cancelled included).
  void downloadFinished(const QString& name, bool ok, const QString& message);

 private:
  struct Row {
    QString name;
    FetchRequest::Kind kind;
    std::string repo;  // kModel
    std::optional<GlueSource> glue;
    QString description;
    int64_t download_size = -1;  // GLUE: the catalog's; a model: known once its fetch began
  };

  void load_catalog();
  void add_row(Row row);
  // A row for a Hub model (remembered in the settings); the error for a malformed id. Leaves the
  // states to the caller's one refresh_states().
  QString add_hub_row(const QString& repo);
  void add_fetched_models();
  void refresh_states();
  void update_buttons();
  void download_selected();
  void start_next();
  void on_progress(const FetchProgress& p);
  void on_finished(bool ok, bool cancelled, const QString& message);
  void show_message(const QString& text, bool error);
  QList<int> selected_rows() const;
  QString folder_of(int row) const;
  FetchRequest request_for(int row) const;
  void choose_data_dir();

  std::optional<FetchCatalog> catalog_;
  std::vector<Row> rows_;
  QString hub_endpoint_;
  QString hub_token_;
  QString glue_url_;
  QList<int> queue_;
  int current_row_ = -1;
  FetchJob* job_ = nullptr;

  QLineEdit* data_dir_;
  QPushButton* browse_;
  QTableWidget* table_;
  QLineEdit* hub_id_;
  QPushButton* add_hub_id_;
  QPushButton* download_;
  QPushButton* cancel_;
  QPushButton* use_backbone_;
  QPushButton* use_glue_;
  QPushButton* open_folder_;
  QProgressBar* progress_;
  QLabel* progress_text_;
  QLabel* message_;
};

}  // namespace hwb
