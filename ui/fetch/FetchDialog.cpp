#include "ui/fetch/FetchDialog.h"

#include <QDesktopServices>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSettings>
#include <QTableWidget>
#include <QUrl>
#include <QVBoxLayout>

#include <algorithm>

#include "core/fetch/DataDirs.h"
#include "core/fetch/FileOps.h"
#include "core/fetch/GlueFetcher.h"
#include "core/fetch/HubClient.h"
#include "core/fetch/LocalInventory.h"
#include "core/fetch/ModelManifest.h"
#include "core/util/Paths.h"

namespace hwb {
namespace fs = std::filesystem;

namespace {

enum Column { kName, kSource, kState, kOnDisk, kDownload, kAbout, kColumns };

QString bytes_text(int64_t bytes) {
  return bytes < 0 ? QStringLiteral("—") : QString::fromStdString(fetch_files::format_bytes(bytes));
}

QStringList added_models() {
  return QSettings().value("fetch/added_models").toStringList();
}

}  // namespace

FetchDialog::FetchDialog(QWidget* parent) : QDialog(parent) {
  setWindowTitle(tr("Models and data"));
  qRegisterMetaType<hwb::FetchProgress>();

  data_dir_ = new QLineEdit;
  data_dir_->setObjectName("data_dir");
  data_dir_->setToolTip(tr("Models go to models/<org>--<name>, GLUE tasks to glue/<TASK> in it"));
  browse_ = new QPushButton(tr("Browse…"));
  auto* folder_row = new QHBoxLayout;
  folder_row->addWidget(new QLabel(tr("Download folder")));
  folder_row->addWidget(data_dir_, 1);
  folder_row->addWidget(browse_);

  table_ = new QTableWidget(0, kColumns);
  table_->setObjectName("catalog_table");
  table_->setHorizontalHeaderLabels(
      {tr("Name"), tr("Source"), tr("State"), tr("On disk"), tr("Download"), tr("About")});
  table_->setSelectionBehavior(QAbstractItemView::SelectRows);
  table_->setSelectionMode(QAbstractItemView::ExtendedSelection);
  table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  table_->verticalHeader()->hide();
  table_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  table_->horizontalHeader()->setStretchLastSection(true);

  hub_id_ = new QLineEdit;
  hub_id_->setObjectName("hub_id");
  hub_id_->setPlaceholderText(tr("Another Hub model id, for example google/flan-t5-xl"));
  add_hub_id_ = new QPushButton(tr("Add"));
  auto* hub_row = new QHBoxLayout;
  hub_row->addWidget(hub_id_, 1);
  hub_row->addWidget(add_hub_id_);

  download_ = new QPushButton(tr("Download"));
  download_->setObjectName("download");
  download_->setToolTip(tr("Download the selected rows; a partial download resumes"));
  cancel_ = new QPushButton(tr("Cancel"));
  cancel_->setObjectName("cancel");
  cancel_->setToolTip(tr("Stop; what was downloaded is kept and the next download resumes it"));
  use_backbone_ = new QPushButton(tr("Use as backbone"));
  use_backbone_->setObjectName("use_backbone");
  use_glue_ = new QPushButton(tr("Use GLUE folder"));
  use_glue_->setObjectName("use_glue");
  open_folder_ = new QPushButton(tr("Open folder"));
  open_folder_->setObjectName("open_folder");
  auto* buttons = new QHBoxLayout;
  buttons->addWidget(download_);
  buttons->addWidget(cancel_);
  buttons->addStretch(1);
  buttons->addWidget(use_backbone_);
  buttons->addWidget(use_glue_);
  buttons->addWidget(open_folder_);

  progress_ = new QProgressBar;
  progress_->setObjectName("progress");
  progress_->setRange(0, 1000);
  progress_->setValue(0);
  progress_text_ = new QLabel;
  progress_text_->setObjectName("progress_text");
  message_ = new QLabel;
  message_->setObjectName("message");
  message_->setWordWrap(true);
  message_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  auto* close = new QDialogButtonBox(QDialogButtonBox::Close);

  auto* layout = new QVBoxLayout(this);
  layout->addLayout(folder_row);
  layout->addWidget(table_, 1);
  layout->addLayout(hub_row);
  layout->addLayout(buttons);
  layout->addWidget(progress_);
  layout->addWidget(progress_text_);
  layout->addWidget(message_);
  layout->addWidget(close);
  resize(900, 520);

  connect(browse_, &QPushButton::clicked, this, &FetchDialog::choose_data_dir);
  connect(data_dir_, &QLineEdit::editingFinished, this, [this] { setDataDir(data_dir_->text()); });
  connect(add_hub_id_, &QPushButton::clicked, this, [this] {
    const QString error = addHubModel(hub_id_->text().trimmed());
    if (error.isEmpty()) hub_id_->clear();
    show_message(error, true);
  });
  connect(download_, &QPushButton::clicked, this, &FetchDialog::download_selected);
  connect(cancel_, &QPushButton::clicked, this, [this] {
    queue_.clear();
    if (job_) job_->cancel();
  });
  connect(use_backbone_, &QPushButton::clicked, this, [this] {
    const QList<int> rows = selected_rows();
    if (rows.size() == 1) Q_EMIT useAsBackbone(folder_of(rows.front()));
  });
  connect(use_glue_, &QPushButton::clicked, this, [this] {
    Q_EMIT useGlueDir(QString::fromStdString(DataDirs::glue(dataDir().toStdString()).string()));
  });
  connect(open_folder_, &QPushButton::clicked, this, [this] {
    const QList<int> rows = selected_rows();
    if (rows.size() == 1) QDesktopServices::openUrl(QUrl::fromLocalFile(folder_of(rows.front())));
  });
  connect(table_, &QTableWidget::itemSelectionChanged, this, &FetchDialog::update_buttons);
  connect(close, &QDialogButtonBox::rejected, this, &QDialog::reject);

  load_catalog();
  QString dir = QSettings().value("fetch/data_dir").toString();
  if (dir.isEmpty()) {
    try {
      dir = QString::fromStdString(DataDirs::default_root().string());
    } catch (const std::exception& e) {
      show_message(QString::fromStdString(e.what()), true);
    }
  }
  setDataDir(dir);
}

FetchDialog::~FetchDialog() = default;

void FetchDialog::load_catalog() {
  const HubOptions hub = HubOptions::from_environment();
  hub_endpoint_ = QString::fromStdString(hub.endpoint);
  hub_token_ = QString::fromStdString(hub.token);
  try {
    catalog_ = FetchCatalog::load(find_resource("catalog/models.json"),
                                  find_resource("catalog/glue.json"));
  } catch (const std::exception& e) {
    show_message(QString::fromStdString(e.what()), true);
    return;
  }
  glue_url_ = QString::fromStdString(
      GlueFetchOptions::base_url_from_environment(catalog_->glue_base_url()));
  for (const CatalogModel& m : catalog_->models()) {
    add_row({QString::fromStdString(m.name), FetchRequest::Kind::kModel, m.repo, std::nullopt,
             QString::fromStdString(m.description)});
  }
  for (const GlueSource& g : catalog_->glue()) {
    add_row({QString::fromStdString(g.task),
             FetchRequest::Kind::kGlue,
             {},
             g,
             tr("GLUE task (%1 in GLUE's layout)").arg(QString::fromStdString(g.folder)),
             g.download_size()});
  }
  for (const QString& repo : added_models()) add_hub_row(repo);
}

void FetchDialog::add_row(Row row) {
  const int r = table_->rowCount();
  table_->insertRow(r);
  const QString source = row.kind == FetchRequest::Kind::kModel
                             ? QString::fromStdString(row.repo)
                             : QString::fromStdString(row.glue->folder);
  const QStringList texts = {
      row.name, source, QString(), QString(), bytes_text(row.download_size), row.description};
  for (int c = 0; c < kColumns; ++c) table_->setItem(r, c, new QTableWidgetItem(texts[c]));
  rows_.push_back(std::move(row));
}

QString FetchDialog::addHubModel(const QString& repo) {
  const QString error = add_hub_row(repo);
  if (error.isEmpty()) refresh_states();
  return error;
}

QString FetchDialog::add_hub_row(const QString& repo) {
  try {
    HubClient::check_repo_id(repo.toStdString());
  } catch (const std::exception& e) {
    return QString::fromStdString(e.what());
  }
  if (rowOf(repo) >= 0) return {};
  for (const Row& r : rows_) {
    if (r.kind == FetchRequest::Kind::kModel && QString::fromStdString(r.repo) == repo) return {};
  }
  add_row({repo, FetchRequest::Kind::kModel, repo.toStdString(), std::nullopt, tr("Hub model")});
  QStringList added = added_models();
  if (!added.contains(repo)) {
    added << repo;
    QSettings().setValue("fetch/added_models", added);
  }
  return {};
}

// Models fetched elsewhere (the command line, another Hub id) show up as rows too.
void FetchDialog::add_fetched_models() {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(DataDirs::models(dataDir().toStdString()), ec)) {
    const auto manifest = ModelManifest::load(entry.path());
    if (manifest) add_hub_row(QString::fromStdString(manifest->repo));
  }
}

QString FetchDialog::dataDir() const {
  return data_dir_->text().trimmed();
}

void FetchDialog::setDataDir(const QString& dir) {
  data_dir_->setText(dir);
  if (!dir.isEmpty()) QSettings().setValue("fetch/data_dir", dir);
  add_fetched_models();
  refresh_states();
}

void FetchDialog::setEndpoints(const QString& hub, const QString& glue) {
  hub_endpoint_ = hub;
  glue_url_ = glue;
}

int FetchDialog::rowOf(const QString& name) const {
  for (std::size_t i = 0; i < rows_.size(); ++i) {
    if (rows_[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

QString FetchDialog::stateOf(const QString& name) const {
  const int row = rowOf(name);
  return row < 0 ? QString() : table_->item(row, kState)->text();
}

QString FetchDialog::message() const {
  return message_->text();
}

QString FetchDialog::folder_of(int row) const {
  return QString::fromStdString(request_for(row).folder().string());
}

FetchRequest FetchDialog::request_for(int row) const {
  const Row& r = rows_[static_cast<std::size_t>(row)];
  FetchRequest request;
  request.kind = r.kind;
  request.repo = r.repo;
  if (r.glue) request.glue = *r.glue;
  request.data_dir = dataDir().toStdString();
  request.hub_endpoint = hub_endpoint_.toStdString();
  request.hub_token = hub_token_.toStdString();
  request.glue_url = glue_url_.toStdString();
  if (catalog_) {
    for (const CatalogModel& m : catalog_->models()) request.known_repos.push_back(m.repo);
  }
  return request;
}

void FetchDialog::refresh_states() {
  const fs::path root = dataDir().toStdString();
  for (std::size_t i = 0; i < rows_.size(); ++i) {
    const Row& r = rows_[i];
    const int row = static_cast<int>(i);
    LocalStatus status;
    if (!root.empty()) {
      status = r.kind == FetchRequest::Kind::kModel
                   ? LocalInventory::model(DataDirs::model_folder(root, r.repo))
                   : LocalInventory::glue(DataDirs::glue(root), *r.glue);
    }
    if (row == current_row_) {
      table_->item(row, kState)->setText(tr("downloading"));
    } else {
      table_->item(row, kState)->setText(LocalInventory::describe(status.state));
    }
    table_->item(row, kOnDisk)
        ->setText(status.state == LocalState::kAbsent ? QStringLiteral("—")
                                                      : bytes_text(status.bytes));
    table_->item(row, kDownload)->setText(bytes_text(r.download_size));
  }
  update_buttons();
}

QList<int> FetchDialog::selected_rows() const {
  QList<int> rows;
  for (const QModelIndex& index : table_->selectionModel()->selectedRows()) rows << index.row();
  std::sort(rows.begin(), rows.end());
  return rows;
}

void FetchDialog::update_buttons() {
  const QList<int> rows = selected_rows();
  const bool idle = !busy();
  download_->setEnabled(idle && !rows.isEmpty() && !dataDir().isEmpty());
  cancel_->setEnabled(!idle);
  data_dir_->setEnabled(idle);
  browse_->setEnabled(idle);
  auto ready = [this](int row) { return table_->item(row, kState)->text() == "ready"; };
  const bool one_model = rows.size() == 1 && rows_[static_cast<std::size_t>(rows.front())].kind ==
                                                 FetchRequest::Kind::kModel;
  use_backbone_->setEnabled(one_model && ready(rows.front()));
  bool any_glue_ready = false;
  for (int row : rows) {
    any_glue_ready |=
        rows_[static_cast<std::size_t>(row)].kind == FetchRequest::Kind::kGlue && ready(row);
  }
  use_glue_->setEnabled(any_glue_ready);
  open_folder_->setEnabled(rows.size() == 1 && QFileInfo::exists(folder_of(rows.front())));
}

void FetchDialog::download_selected() {
  if (busy()) return;
  queue_.clear();
  for (int row : selected_rows()) {
    if (table_->item(row, kState)->text() != "ready") queue_ << row;
  }
  if (queue_.isEmpty()) {
    show_message(tr("Everything selected is downloaded already."), false);
    return;
  }
  show_message({}, false);
  start_next();
}

void FetchDialog::start_next() {
  if (queue_.isEmpty()) return;
  current_row_ = queue_.takeFirst();
  job_ = new FetchJob(request_for(current_row_), this);
  connect(job_, &FetchJob::progressed, this, &FetchDialog::on_progress);
  connect(job_, &FetchJob::finished, this, &FetchDialog::on_finished);
  progress_->setValue(0);
  progress_text_->setText(
      tr("%1: connecting…").arg(rows_[static_cast<std::size_t>(current_row_)].name));
  job_->start();
  refresh_states();
}

void FetchDialog::on_progress(const FetchProgress& p) {
  if (current_row_ < 0) return;
  Row& row = rows_[static_cast<std::size_t>(current_row_)];
  if (row.kind == FetchRequest::Kind::kModel && p.item_total > 0) {
    row.download_size = p.item_total;
    table_->item(current_row_, kDownload)->setText(bytes_text(p.item_total));
  }
  const int64_t done = p.item_total > 0 ? p.item_done : p.file_done;
  const int64_t total = p.item_total > 0 ? p.item_total : p.file_total;
  if (total > 0) {
    progress_->setValue(
        static_cast<int>(1000.0 * static_cast<double>(done) / static_cast<double>(total)));
  }
  QString text = tr("%1 · %2 (%3/%4): %5 of %6 · %7/s")
                     .arg(row.name, QString::fromStdString(p.file))
                     .arg(p.file_index)
                     .arg(p.file_count)
                     .arg(bytes_text(p.file_done), bytes_text(p.file_total),
                          bytes_text(static_cast<int64_t>(p.bytes_per_second)));
  if (p.resumed_from > 0) text += tr(" · resumed at %1").arg(bytes_text(p.resumed_from));
  progress_text_->setText(text);
}

void FetchDialog::on_finished(bool ok, bool cancelled, const QString& message) {
  const int row = current_row_;
  const QString name = rows_[static_cast<std::size_t>(row)].name;
  const bool model = rows_[static_cast<std::size_t>(row)].kind == FetchRequest::Kind::kModel;
  job_->deleteLater();
  job_ = nullptr;
  current_row_ = -1;
  if (ok) {
    progress_->setValue(1000);
  } else {
    queue_.clear();  // the rest would meet the same problem (offline, a full disk)
  }
  progress_text_->clear();
  show_message(ok && model ? message + tr(". Use as backbone puts it into Setup.") : message,
               !ok && !cancelled);
  refresh_states();
  // The last one done is selected, so Use as backbone (or Use GLUE folder) is one click away.
  if (ok && queue_.isEmpty()) table_->selectRow(row);
  Q_EMIT downloadFinished(name, ok, message);
  start_next();
}

void FetchDialog::show_message(const QString& text, bool error) {
  message_->setText(text);
  message_->setStyleSheet(error ? QStringLiteral("color: #b00020;") : QString());
}

void FetchDialog::choose_data_dir() {
  const QString dir = QFileDialog::getExistingDirectory(this, tr("Download folder"), dataDir());
  if (!dir.isEmpty()) setDataDir(dir);
}

}  // namespace hwb
