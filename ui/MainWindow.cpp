#include "ui/MainWindow.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDir>
#include <QDockWidget>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QFutureWatcher>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QProcess>
#include <QProgressBar>
#include <QPushButton>
#include <QRegularExpression>
#include <QSettings>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTabWidget>
#include <QTableView>
#include <QTimer>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

#include <nlohmann/json.hpp>

#include <signal.h>

#include "core/store/RunExport.h"
#include "core/store/RunStoreReader.h"
#include "core/study/StudyQueue.h"
#include "ui/AboutDialog.h"
#include "ui/ModelView.h"
#include "ui/WelcomeDialog.h"
#include "ui/compare/CompareView.h"
#include "ui/fetch/FetchDialog.h"
#include "ui/live/LiveView.h"
#include "ui/run/RunController.h"
#include "ui/run/RunErrorBanner.h"
#include "ui/run/RunListModel.h"
#include "ui/run/RunLogDialog.h"
#include "ui/run/StoreWatcher.h"
#include "ui/setup/SetupForm.h"
#include "ui/study/StudyView.h"
#include "ui/weights/WeightsView.h"

namespace hwb {
namespace {

QString duration_text(double seconds) {
  if (!(seconds >= 0) || seconds > 1e7) return QObject::tr("—");
  const auto s = static_cast<int64_t>(seconds);
  if (s >= 3600)
    return QString("%1:%2:%3")
        .arg(s / 3600)
        .arg(s / 60 % 60, 2, 10, QChar('0'))
        .arg(s % 60, 2, 10, QChar('0'));
  return QString("%1:%2").arg(s / 60).arg(s % 60, 2, 10, QChar('0'));
}

}  // namespace

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent) {
  setWindowTitle(tr("Hyperformer Workbench"));
  controller_ = new RunController(this);
  watcher_ = new StoreWatcher(this);
  runs_ = new RunListModel(this);

  setup_ = new SetupForm;
  live_ = new LiveView;
  weights_ = new WeightsView;
  compare_ = new CompareView;
  study_ = new StudyView;
  model_view_ = new ModelView;
  pages_ = new QTabWidget;
  pages_->setObjectName("pages");
  pages_->addTab(setup_, tr("Setup"));
  pages_->addTab(live_, tr("Live"));
  pages_->addTab(weights_, tr("Weights"));
  pages_->addTab(compare_, tr("Compare"));
  pages_->addTab(study_, tr("Study"));
  pages_->addTab(model_view_, tr("Backbone"));
  error_ = new RunErrorBanner;
  auto* central = new QWidget;
  auto* layout = new QVBoxLayout(central);
  layout->setContentsMargins(4, 4, 4, 0);
  layout->addWidget(error_);
  layout->addWidget(pages_, 1);
  setCentralWidget(central);

  auto* dock = new QDockWidget(tr("Runs"), this);
  dock->setObjectName("runs_dock");
  dock->setWidget(build_run_dock());
  addDockWidget(Qt::LeftDockWidgetArea, dock);
  resizeDocks({dock}, {300}, Qt::Horizontal);
  build_menus();
  build_status_bar();

  connect(setup_, &SetupForm::startRequested, this, [this](const ExperimentConfig& config) {
    error_->hide();
    controller_->enqueue(config);
  });
  connect(setup_, &SetupForm::message, this, &MainWindow::show_message);
  study_->setBase(setup_->config());
  connect(setup_, &SetupForm::configChanged, this, [this] { study_->setBase(setup_->config()); });
  connect(study_, &StudyView::startRequested, this, &MainWindow::start_study);
  connect(study_, &StudyView::stopWorkersRequested, this, [this] {
    if (study_workers_pid_ > 0) ::kill(static_cast<pid_t>(study_workers_pid_), SIGTERM);
    show_message(tr("Stopping the study's workers: each saves a checkpoint"));
  });
  command_line_path_ = QCoreApplication::applicationDirPath() + "/hyperformer";
  auto* workers_timer = new QTimer(this);
  connect(workers_timer, &QTimer::timeout, this, &MainWindow::update_workers_state);
  workers_timer->start(1000);
  connect(controller_, &RunController::runStarted, this, &MainWindow::on_run_started);
  connect(controller_, &RunController::runEnded, this, &MainWindow::on_run_ended);
  connect(controller_, &RunController::startFailed, this, &MainWindow::on_start_failed);
  connect(controller_, &RunController::stateChanged, this, &MainWindow::update_run_controls);
  connect(controller_, &RunController::queueChanged, this, &MainWindow::update_run_controls);
  connect(controller_, &RunController::progress, this, &MainWindow::update_progress);
  connect(controller_, &RunController::evaluated, this,
          [this](qint64 run, qint64 step, double average, bool best) {
            show_message(tr("Run %1, step %2: average score %3%4")
                             .arg(run)
                             .arg(step)
                             .arg(average, 0, 'f', 2)
                             .arg(best ? tr(" (best so far)") : QString()));
          });
  connect(watcher_, &StoreWatcher::changed, this, &MainWindow::on_store_changed);
  connect(pages_, &QTabWidget::currentChanged, this, &MainWindow::refresh_current_page);
  connect(error_, &RunErrorBanner::showLogRequested, this, [this] { show_log(error_run_); });
  connect(model_view_, &ModelView::model_loaded, this,
          [this](const QString& spec) { show_message(tr("Loaded %1").arg(spec)); });

  resize(1280, 820);
  restore_settings();
  update_run_controls();
}

MainWindow::~MainWindow() = default;

QWidget* MainWindow::build_run_dock() {
  auto* panel = new QWidget;
  run_table_ = new QTableView;
  run_table_->setObjectName("run_table");
  run_table_->setModel(runs_);
  run_table_->setSelectionBehavior(QAbstractItemView::SelectRows);
  run_table_->setSelectionMode(QAbstractItemView::SingleSelection);
  run_table_->verticalHeader()->hide();
  run_table_->horizontalHeader()->setStretchLastSection(true);
  run_table_->setMinimumWidth(240);
  run_table_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  use_config_ = new QPushButton(tr("Use config"));
  use_config_->setObjectName("use_config");
  use_config_->setToolTip(tr("Start from this run's config: it is loaded into Setup"));
  resume_run_ = new QPushButton(tr("Resume"));
  resume_run_->setObjectName("resume_run");
  resume_run_->setToolTip(tr("Continue a stopped or interrupted run from its last checkpoint"));
  show_log_ = new QPushButton(tr("Log"));
  show_log_->setObjectName("show_log");
  auto* buttons = new QHBoxLayout;
  buttons->addWidget(use_config_);
  buttons->addWidget(resume_run_);
  buttons->addWidget(show_log_);
  auto* layout = new QVBoxLayout(panel);
  layout->setContentsMargins(2, 2, 2, 2);
  layout->addWidget(run_table_, 1);
  layout->addLayout(buttons);
  connect(run_table_->selectionModel(), &QItemSelectionModel::selectionChanged, this,
          &MainWindow::on_selection_changed);
  connect(runs_, &QAbstractItemModel::modelReset, this, [this] {
    compare_->setAvailableRuns(runs_->allRuns());
    // Keep the shown run selected across a reload of the list.
    if (selected_.store) {
      const int row = runs_->rowOf(selected_.store.get(), selected_.run);
      if (row >= 0) run_table_->selectRow(row);
    }
  });
  connect(runs_, &QAbstractItemModel::dataChanged, this, &MainWindow::on_selection_changed);
  connect(use_config_, &QPushButton::clicked, this, &MainWindow::use_selected_config);
  connect(resume_run_, &QPushButton::clicked, this, &MainWindow::resume_selected);
  connect(show_log_, &QPushButton::clicked, this, [this] { show_log(selected_); });
  return panel;
}

void MainWindow::build_menus() {
  QMenu* file = menuBar()->addMenu(tr("&File"));
  file->addAction(tr("&New experiment"), QKeySequence::New, this, &MainWindow::new_experiment);
  file->addAction(tr("&Open run store…"), QKeySequence::Open, this, &MainWindow::choose_store);
  file->addAction(tr("&Import store file…"), this, &MainWindow::choose_import);
  file->addAction(tr("&Add store file (read-only)…"), this, &MainWindow::choose_added_store);
  file->addSeparator();
  file->addAction(tr("&Load preset…"), this, [this] {
    const QString f = QFileDialog::getOpenFileName(this, tr("Load a preset"), {},
                                                   tr("Experiment configs (*.json)"));
    if (!f.isEmpty() && setup_->loadPreset(f).isEmpty()) showPage("setup");
  });
  file->addAction(tr("&Save preset…"), QKeySequence::Save, this, [this] {
    const QString f = QFileDialog::getSaveFileName(this, tr("Save as preset"), {},
                                                   tr("Experiment configs (*.json)"));
    if (f.isEmpty()) return;
    const QString error = setup_->savePreset(f);
    show_message(error.isEmpty() ? tr("Saved %1").arg(f) : error);
    setup_->reloadPresetList();
  });
  file->addSeparator();
  file->addAction(tr("&Models and data…"), this, [this] {
    // One dialog for the window's life: closing it hides it and a download goes on.
    auto* dialog = findChild<FetchDialog*>();
    if (!dialog) {
      dialog = new FetchDialog(this);
      connect(dialog, &FetchDialog::useAsBackbone, this, [this](const QString& folder) {
        ExperimentConfig c = setup_->config();
        c.backbone = folder.toStdString();
        setup_->setConfig(c);
        showPage("setup");
      });
      connect(dialog, &FetchDialog::useGlueDir, this, [this](const QString& folder) {
        ExperimentConfig c = setup_->config();
        c.glue_dir = folder.toStdString();
        setup_->setConfig(c);
        showPage("setup");
      });
    }
    dialog->show();
    dialog->raise();
  });
  file->addSeparator();
  file->addAction(tr("&Quit"), QKeySequence::Quit, this, &QWidget::close);

  QMenu* run = menuBar()->addMenu(tr("&Run"));
  run->addAction(tr("&Start or queue the experiment"), QKeySequence(Qt::CTRL | Qt::Key_Return),
                 this, [this] {
                   if (setup_->canStart()) {
                     controller_->enqueue(setup_->config());
                   } else {
                     showPage("setup");
                     show_message(tr("Setup has problems to fix first"));
                   }
                 });
  run->addAction(tr("&Pause or resume"), QKeySequence(Qt::CTRL | Qt::Key_P), this, [this] {
    if (controller_->state() == RunController::State::kPaused) {
      controller_->resume();
    } else {
      controller_->pause();
    }
  });
  run->addAction(tr("S&top"), controller_, &RunController::stop);
  run->addAction(tr("&Clear the queue"), controller_, &RunController::clearQueue);

  // Window-wide, so that a page's own tabs (Compare's) or a plot with focus do not stop the cycle.
  QMenu* view = menuBar()->addMenu(tr("&View"));
  auto cycle = [this](int by) {
    pages_->setCurrentIndex((pages_->currentIndex() + by + pages_->count()) % pages_->count());
  };
  QAction* next = view->addAction(tr("&Next page"), QKeySequence(Qt::CTRL | Qt::Key_Tab), this,
                                  [cycle] { cycle(1); });
  QAction* previous =
      view->addAction(tr("&Previous page"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_Backtab),
                      this, [cycle] { cycle(-1); });
  for (QAction* a : {next, previous}) a->setShortcutContext(Qt::WindowShortcut);

  QMenu* help = menuBar()->addMenu(tr("&Help"));
  help->addAction(tr("&Welcome…"), this, &MainWindow::showWelcome);
  help->addSeparator();
  help->addAction(tr("&About Hyperformer Workbench"), this, [this] {
    auto* dialog = new AboutDialog(this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->show();
  });
  help->addAction(tr("About &Qt"), qApp, &QApplication::aboutQt);
}

void MainWindow::build_status_bar() {
  run_state_ = new QLabel(tr("Idle"));
  run_state_->setObjectName("run_state");
  progress_ = new QProgressBar;
  progress_->setObjectName("run_progress");
  progress_->setMaximumWidth(240);
  progress_->setFormat("%v / %m");
  run_numbers_ = new QLabel;
  run_numbers_->setObjectName("run_numbers");
  pause_ = new QPushButton(tr("Pause"));
  pause_->setObjectName("pause");
  stop_ = new QPushButton(tr("Stop"));
  stop_->setObjectName("stop");
  stop_->setToolTip(tr("End the run after this step, with a checkpoint it can resume from"));
  statusBar()->addPermanentWidget(run_state_);
  statusBar()->addPermanentWidget(progress_);
  statusBar()->addPermanentWidget(run_numbers_);
  statusBar()->addPermanentWidget(pause_);
  statusBar()->addPermanentWidget(stop_);
  connect(pause_, &QPushButton::clicked, this, [this] {
    if (controller_->state() == RunController::State::kPaused) {
      controller_->resume();
    } else {
      controller_->pause();
    }
  });
  connect(stop_, &QPushButton::clicked, controller_, &RunController::stop);
}

QString MainWindow::statusText() const {
  return run_state_->text();
}

void MainWindow::update_run_controls() {
  using State = RunController::State;
  const State state = controller_->state();
  const int queued = controller_->queuedCount();
  QString text;
  switch (state) {
    case State::kIdle:
      text = tr("Idle");
      break;
    case State::kStarting:
      text = tr("Starting…");
      break;
    case State::kRunning:
      text = tr("Running run %1").arg(controller_->currentRun());
      break;
    case State::kPaused:
      text = tr("Paused run %1").arg(controller_->currentRun());
      break;
    case State::kStopping:
      text = tr("Stopping…");
      break;
  }
  if (queued > 0) text += tr(" (%1 queued)").arg(queued);
  run_state_->setText(text);
  pause_->setEnabled(state == State::kRunning || state == State::kPaused);
  pause_->setText(state == State::kPaused ? tr("Resume") : tr("Pause"));
  stop_->setEnabled(state == State::kRunning || state == State::kPaused ||
                    state == State::kStarting);
  progress_->setVisible(state != State::kIdle);
  run_numbers_->setVisible(state != State::kIdle);
  setup_->setStartText(state == State::kIdle ? tr("Start") : tr("Queue"));
  if (state == State::kIdle && closing_) close();
}

void MainWindow::update_progress() {
  const TrainingProgress& p = controller_->lastProgress();
  progress_->setMaximum(static_cast<int>(std::max<int64_t>(p.total_steps, 1)));
  progress_->setValue(static_cast<int>(p.step));
  if (p.paused) {
    // A held run has no speed, time left or fresh loss to show, only where it stands.
    run_numbers_->setText(tr("paused at step %1 of %2").arg(p.step).arg(p.total_steps));
    return;
  }
  QStringList parts;
  parts << tr("ETA %1").arg(duration_text(p.eta_seconds));
  parts << tr("%1 examples/s").arg(p.examples_per_second, 0, 'f', 1);
  if (p.memory_bytes > 0) {
    parts << tr("%1 MiB").arg(static_cast<double>(p.memory_bytes) / (1024.0 * 1024.0), 0, 'f', 0);
  }
  parts << tr("loss %1").arg(p.loss, 0, 'g', 4);
  run_numbers_->setText(parts.join(" · "));
}

bool MainWindow::openStore(const QString& path) {
  std::shared_ptr<const RunStoreReader> reader;
  try {
    reader = RunStoreReader::open(path.toStdString());
  } catch (const std::exception& e) {
    error_run_ = {};
    error_->showError(tr("Could not open the run store %1").arg(path),
                      QString::fromStdString(e.what()), false);
    return false;
  }
  selected_ = {};
  runs_->setLocalStore(reader);
  study_->setStore(reader);
  watcher_->setReader(nullptr);
  for (const auto& store : runs_->stores()) watcher_->addReader(store);
  setWindowTitle(tr("Hyperformer Workbench — %1").arg(QFileInfo(path).fileName()));
  QSettings().setValue("store/last", QFileInfo(path).absoluteFilePath());
  return true;
}

bool MainWindow::addStoreFile(const QString& path) {
  try {
    std::shared_ptr<const RunStoreReader> reader = RunStoreReader::open(path.toStdString());
    if (runs_->addStore(reader)) watcher_->addReader(reader);
  } catch (const std::exception& e) {
    error_run_ = {};
    error_->showError(tr("Could not open the store file %1").arg(path),
                      QString::fromStdString(e.what()), false);
    return false;
  }
  show_message(tr("Added the runs of %1").arg(path));
  return true;
}

void MainWindow::importStoreFile(const QString& path) {
  const auto& local = runs_->localStore();
  if (!local) {
    addStoreFile(path);  // nothing to copy into: show it where it is
    return;
  }
  // A store of long runs holds millions of rows: copied on a worker, the window stays usable.
  const std::filesystem::path target = local->file();
  show_message(tr("Importing %1…").arg(path));
  auto* watcher = new QFutureWatcher<QString>(this);
  connect(watcher, &QFutureWatcher<QString>::finished, this, [this, watcher, path] {
    const QString error = watcher->result();
    watcher->deleteLater();
    if (!error.isEmpty()) {
      error_run_ = {};
      error_->showError(tr("Could not import %1").arg(path), error, false);
    } else {
      runs_->refresh();
    }
    Q_EMIT importFinished(path, error);
  });
  watcher->setFuture(QtConcurrent::run([target, path]() -> QString {
    try {
      import_store(target, path.toStdString());
    } catch (const std::exception& e) {
      return QString::fromStdString(e.what());
    }
    return {};
  }));
}

void MainWindow::startDemo() {
  ExperimentConfig demo = ExperimentConfig::demo();
  const QString folder = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
  QDir().mkpath(folder);
  demo.store = QDir(folder).filePath("demo-runs.db").toStdString();
  setup_->setConfig(demo);
  error_->hide();
  controller_->enqueue(demo);  // the live page opens when the run has started
}

void MainWindow::start_study(const StudySpec& spec) {
  const QStringList workers = study_->workerOptions();
  if (!workers.isEmpty()) {
    start_study_workers(spec, workers);
    return;
  }
  error_->hide();
  show_message(tr("Queueing the study '%1'…").arg(QString::fromStdString(spec.name)));
  struct Queued {
    QString store;
    std::vector<std::pair<int64_t, StudyAction>> runs;
    QString error;
  };
  // Expanding and recording the grid is file work: on a worker, the window stays usable.
  auto* watcher = new QFutureWatcher<Queued>(this);
  const QString name = QString::fromStdString(spec.name);
  connect(watcher, &QFutureWatcher<Queued>::finished, this, [this, watcher, name] {
    const Queued queued = watcher->result();
    watcher->deleteLater();
    if (!queued.error.isEmpty()) {
      error_run_ = {};
      error_->showError(tr("Could not start the study '%1'").arg(name), queued.error, false);
      Q_EMIT studyQueued(name, queued.error);
      return;
    }
    const auto& local = runs_->localStore();
    const bool same_store = local && QFileInfo(QString::fromStdString(local->file().string())) ==
                                         QFileInfo(queued.store);
    if (!same_store) openStore(queued.store);
    int started = 0, done = 0;
    for (const auto& [run, action] : queued.runs) {
      if (action == StudyAction::kStart) {
        controller_->enqueueQueued(queued.store, run);
        ++started;
      } else if (action == StudyAction::kResume) {
        controller_->enqueueResume(queued.store, run);
        ++started;
      } else if (action == StudyAction::kDone) {
        ++done;
      }
    }
    study_->showStudy(name);
    show_message(
        tr("Study '%1': %2 run(s) queued, %3 finished before").arg(name).arg(started).arg(done));
    Q_EMIT studyQueued(name, {});
  });
  watcher->setFuture(QtConcurrent::run([spec]() {
    Queued out;
    try {
      const StudyState state = queue_study(spec, spec.base.store);
      out.store = QString::fromStdString(state.store.string());
      for (const StudyEntry& e : state.entries)
        out.runs.emplace_back(e.run.id, study_action(e.run));
    } catch (const std::exception& e) {
      out.error = QString::fromStdString(e.what());
    }
    return out;
  }));
}

void MainWindow::start_study_workers(const StudySpec& spec, const QStringList& options) {
  error_->hide();
  const QString name = QString::fromStdString(spec.name);
  if (study_workers_pid_ > 0 && ::kill(static_cast<pid_t>(study_workers_pid_), 0) == 0) {
    error_->showError(tr("A study's workers are still running"),
                      tr("Stop them first (Stop workers), or wait for them to finish."), false);
    Q_EMIT studyQueued(name, tr("workers already running"));
    return;
  }
  // The study as a file the command line reads, its base written out in full: later edits of the
  // Setup page do not reach the workers.
  const QString folder =
      QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) + "/studies";
  QDir().mkpath(folder);
  QString file_name = name;
  file_name.replace(QRegularExpression("[^A-Za-z0-9_.-]"), "_");
  const QString spec_file = QDir(folder).filePath(file_name + ".json");
  QFile out(spec_file);
  const QByteArray json = QByteArray::fromStdString(spec.to_json().dump(2) + "\n");
  if (!out.open(QIODevice::WriteOnly | QIODevice::Truncate) || out.write(json) != json.size()) {
    error_->showError(tr("Could not start the study '%1'").arg(name),
                      tr("Could not write %1: %2").arg(spec_file, out.errorString()), false);
    Q_EMIT studyQueued(name, out.errorString());
    return;
  }
  out.close();
  const QString store = QFileInfo(QString::fromStdString(spec.base.store)).absoluteFilePath();
  study_workers_log_ = store + ".study.log";
  QProcess process;
  process.setProgram(command_line_path_);
  process.setArguments(QStringList{"study", "--config", spec_file, "--store", store, "--yes"} +
                       options);
  process.setWorkingDirectory(QDir::currentPath());
  process.setStandardOutputFile(study_workers_log_, QIODevice::Append);
  process.setStandardErrorFile(study_workers_log_, QIODevice::Append);
  qint64 pid = 0;
  if (!process.startDetached(&pid)) {
    error_->showError(tr("Could not start the study '%1'").arg(name),
                      tr("Could not run %1: %2").arg(command_line_path_, process.errorString()),
                      false);
    Q_EMIT studyQueued(name, process.errorString());
    return;
  }
  study_workers_pid_ = pid;
  show_message(tr("Study '%1': workers started (%2)").arg(name, options.join(' ')));
  update_workers_state();
  // The command line makes the store when it queues the study: opened as soon as it is there.
  auto* open_timer = new QTimer(this);
  auto tries = std::make_shared<int>(0);
  connect(open_timer, &QTimer::timeout, this, [this, open_timer, tries, store, name] {
    const auto& local = runs_->localStore();
    const bool open =
        local && QFileInfo(QString::fromStdString(local->file().string())) == QFileInfo(store);
    if (!open && QFileInfo::exists(store)) openStore(store);
    bool listed = false;
    if (const auto& now = runs_->localStore()) {
      try {
        find_study(*now, name.toStdString());
        listed = true;
      } catch (const std::exception&) {
        // Not recorded yet.
      }
    }
    if (listed) study_->showStudy(name);
    if (listed || ++*tries > 60) {
      open_timer->deleteLater();
      Q_EMIT studyQueued(name, listed ? QString() : tr("the workers did not record the study"));
    }
  });
  open_timer->start(500);
}

void MainWindow::update_workers_state() {
  if (study_workers_pid_ <= 0) return;
  if (::kill(static_cast<pid_t>(study_workers_pid_), 0) == 0) {
    study_->setWorkersText(tr("Worker processes running (process %1); their output: %2")
                               .arg(study_workers_pid_)
                               .arg(study_workers_log_),
                           true);
  } else {
    study_->setWorkersText(tr("The workers have ended; their output: %1").arg(study_workers_log_),
                           false);
    study_workers_pid_ = 0;
    on_store_changed();
  }
}

bool MainWindow::welcomeWanted() {
  const QSettings settings;
  return !settings.contains("store/last") && !settings.value("welcome/dismissed").toBool();
}

WelcomeDialog* MainWindow::showWelcome() {
  auto* welcome = new WelcomeDialog(this);
  welcome->setAttribute(Qt::WA_DeleteOnClose);
  connect(welcome, &QDialog::finished, this,
          [] { QSettings().setValue("welcome/dismissed", true); });
  connect(welcome, &WelcomeDialog::demoRequested, this, &MainWindow::startDemo);
  // Queued: the file dialog opens after the welcome has closed, not inside its click.
  connect(welcome, &WelcomeDialog::openStoreRequested, this, &MainWindow::choose_store,
          Qt::QueuedConnection);
  connect(welcome, &WelcomeDialog::newExperimentRequested, this, &MainWindow::new_experiment);
  welcome->show();
  return welcome;
}

void MainWindow::selectRun(int64_t run) {
  const auto& local = runs_->localStore();
  if (!local) return;
  runs_->refresh();
  const int row = runs_->rowOf(local.get(), run);
  if (row < 0) return;
  run_table_->selectRow(row);
  show_run(runs_->runRef(row));
}

void MainWindow::showPage(const QString& name) {
  const QHash<QString, QWidget*> pages = {{"setup", setup_},     {"live", live_},
                                          {"weights", weights_}, {"compare", compare_},
                                          {"study", study_},     {"backbone", model_view_}};
  if (QWidget* page = pages.value(name.toLower())) pages_->setCurrentWidget(page);
}

void MainWindow::show_run(const RunRef& run) {
  if (run == selected_) return;
  selected_ = run;
  live_->showRun(run);
  weights_->showRun(run);
}

void MainWindow::on_selection_changed() {
  const QModelIndexList rows = run_table_->selectionModel()->selectedRows();
  const bool any = !rows.isEmpty();
  use_config_->setEnabled(any);
  show_log_->setEnabled(any);
  // Only a run that ended early resumes, and only into the store this window writes (an added
  // store file stays read-only).
  bool resumable = false;
  if (any) {
    const RunRef ref = runs_->runRef(rows.front().row());
    const std::string& status = runs_->runInfo(rows.front().row()).status;
    resumable = ref.store == runs_->localStore() &&
                (status == "stopped" || status == "interrupted" || status == "failed");
  }
  resume_run_->setEnabled(resumable);
  if (any) show_run(runs_->runRef(rows.front().row()));
}

void MainWindow::on_store_changed() {
  runs_->refresh();
  refresh_current_page();
}

// Only the page in view re-reads the store on every change; the others catch up when shown.
void MainWindow::refresh_current_page() {
  QWidget* page = pages_->currentWidget();
  if (page == live_) {
    live_->refresh();
  } else if (page == weights_) {
    weights_->refresh();
  } else if (page == compare_) {
    compare_->refresh();
  } else if (page == study_) {
    study_->refresh();
  }
}

void MainWindow::on_run_started(int64_t run, const QString& store) {
  const auto& local = runs_->localStore();
  const bool same_store =
      local && QFileInfo(QString::fromStdString(local->file().string())) == QFileInfo(store);
  if (!same_store && !openStore(store)) return;
  selectRun(run);
  showPage("live");
  show_message(tr("Run %1 started").arg(run));
}

void MainWindow::on_run_ended(int64_t run, const QString& outcome, const QString& message) {
  on_store_changed();
  if (outcome == "failed") {
    const auto& local = runs_->localStore();
    const int row = local ? runs_->rowOf(local.get(), run) : -1;
    error_run_ = row >= 0 ? runs_->runRef(row) : RunRef{};
    error_->showError(tr("Run %1 failed").arg(run), message, row >= 0);
  } else {
    show_message(tr("Run %1 %2").arg(run).arg(outcome));
  }
}

void MainWindow::on_start_failed(const QString& message) {
  error_run_ = {};
  error_->showError(tr("The run could not start"), message, false);
  showPage("setup");
}

void MainWindow::show_log(const RunRef& run) {
  if (!run.store) return;
  auto* dialog = new RunLogDialog(run, this);
  dialog->setAttribute(Qt::WA_DeleteOnClose);
  connect(watcher_, &StoreWatcher::changed, dialog, &RunLogDialog::refresh);
  dialog->show();
}

void MainWindow::use_selected_config() {
  if (!selected_.store) return;
  try {
    const auto info = selected_.store->run(selected_.run);
    if (!info) return;
    ExperimentConfig config = ExperimentConfig::from_json(
        nlohmann::json::parse(info->config_json), "the config of " + selected_.label.toStdString());
    setup_->setConfig(config);
    showPage("setup");
    show_message(tr("Setup now holds the config of %1").arg(selected_.label));
  } catch (const std::exception& e) {
    error_run_ = selected_;
    error_->showError(tr("Could not read the config of %1").arg(selected_.label),
                      QString::fromStdString(e.what()), true);
  }
}

void MainWindow::resume_selected() {
  if (!selected_.store) return;
  error_->hide();
  controller_->enqueueResume(QString::fromStdString(selected_.store->file().string()),
                             selected_.run);
}

void MainWindow::choose_store() {
  const QString f = QFileDialog::getOpenFileName(this, tr("Open a run store"), {},
                                                 tr("Run stores (*.db);;All files (*)"));
  if (!f.isEmpty()) openStore(f);
}

void MainWindow::choose_import() {
  const QString f = QFileDialog::getOpenFileName(this, tr("Import the runs of a store file"), {},
                                                 tr("Run stores (*.db);;All files (*)"));
  if (!f.isEmpty()) importStoreFile(f);
}

void MainWindow::choose_added_store() {
  const QString f = QFileDialog::getOpenFileName(this, tr("Add a store file (read-only)"), {},
                                                 tr("Run stores (*.db);;All files (*)"));
  if (!f.isEmpty()) addStoreFile(f);
}

void MainWindow::new_experiment() {
  setup_->setConfig(ExperimentConfig::demo());
  showPage("setup");
}

void MainWindow::show_message(const QString& text) {
  statusBar()->showMessage(text, 8000);
}

void MainWindow::restore_settings() {
  QSettings settings;
  restoreGeometry(settings.value("main_window/geometry").toByteArray());
  restoreState(settings.value("main_window/state").toByteArray());
  const QString config = settings.value("setup/config").toString();
  if (!config.isEmpty()) {
    try {
      setup_->setConfig(ExperimentConfig::from_json(nlohmann::json::parse(config.toStdString())));
    } catch (const std::exception&) {
      // A config from another version: the form keeps its defaults.
    }
  }
  live_->setSmoothingPercent(settings.value("live/smoothing", live_->smoothingPercent()).toInt());
  live_->setLogLoss(settings.value("live/log_loss", false).toBool());
  const QString store = settings.value("store/last").toString();
  if (!store.isEmpty() && QFileInfo::exists(store)) openStore(store);
  pages_->setCurrentIndex(settings.value("main_window/page", 0).toInt());
}

void MainWindow::save_settings() {
  QSettings settings;
  settings.setValue("main_window/geometry", saveGeometry());
  settings.setValue("main_window/state", saveState());
  settings.setValue("main_window/page", pages_->currentIndex());
  settings.setValue("live/smoothing", live_->smoothingPercent());
  settings.setValue("live/log_loss", live_->logLoss());
  settings.setValue("setup/config", QString::fromStdString(setup_->config().to_json().dump()));
}

bool MainWindow::confirm_stop_to_close() {
  QMessageBox box(QMessageBox::Question, tr("A run is training"),
                  tr("A run is training in this window. Stop it and close?"), QMessageBox::NoButton,
                  this);
  box.setObjectName("close_question");
  box.setInformativeText(
      tr("The run saves a checkpoint first; Resume under the runs continues it from there, on the "
         "same curves. Runs started from the command line or by study workers go on."));
  QPushButton* stop = box.addButton(tr("Stop and close"), QMessageBox::AcceptRole);
  stop->setObjectName("close_stop");
  QPushButton* cancel = box.addButton(QMessageBox::Cancel);
  cancel->setObjectName("close_cancel");
  box.setDefaultButton(cancel);
  box.exec();
  return box.clickedButton() == stop;
}

void MainWindow::closeEvent(QCloseEvent* event) {
  save_settings();
  if (controller_->busy()) {
    if (!closing_ && !confirm_stop_to_close()) {
      event->ignore();
      return;
    }
    // The run saves a checkpoint first; the window closes when it has ended, and stays usable
    // meanwhile (no waiting in the GUI thread).
    closing_ = true;
    controller_->clearQueue();
    controller_->stop();
    show_message(tr("Stopping the run; the window closes once its checkpoint is saved"));
    event->ignore();
    return;
  }
  QMainWindow::closeEvent(event);
}

}  // namespace hwb
