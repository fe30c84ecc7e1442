#pragma once

#include <QMainWindow>
#include <QString>

#include <cstdint>
#include <memory>

#include "ui/common/RunRef.h"

class QLabel;
class QProgressBar;
class QPushButton;
class QTabWidget;
class QTableView;

namespace hwb {

class CompareView;
class LiveView;
class ModelView;
class RunController;
class RunErrorBanner;
class RunListModel;
class RunStoreReader;
class SetupForm;
struct StudySpec;
class StudyView;
class StoreWatcher;
class WeightsView;
class WelcomeDialog;

// The workbench window: pages for experiment setup, the live monitor, generated weights and the
// backbone inspector; the runs of the open store (and of added store files) in a dock; run
// progress, pause / resume / stop and the queue in the status bar; a failed run's reason across
// the top with its log one click away. The layout, the last choices and the last store are
// remembered (QSettings).
class MainWindow : public QMainWindow {
  Q_OBJECT

 public:
  explicit MainWindow(QWidget* parent = nullptr);
  ~MainWindow() override;

  // Opens a run store as the window's store (its runs listed, watched for changes). Shows the
  // reason in the window and returns false when it cannot be opened.
  bool openStore(const QString& path);
  // Selects a run of the open store: the live and weights pages show it.
  void selectRun(int64_t run);
  // "setup", "live", "weights", "compare", "study", "backbone".
  void showPage(const QString& name);
  // Adds a store file beside the open one, read-only (a headless GPU run's store).
  bool addStoreFile(const QString& path);
  // Copies every run of a store file into the open store, on a worker; importFinished says when
  // (and why not). Without an open store the file is added read-only instead.
  void importStoreFile(const QString& path);
  // Loads the built-in demo experiment into Setup and starts it; its runs go to demo-runs.db in
  // the application's data folder (the current folder may not be writable, e.g. from a menu).
  void startDemo();
  // True on a first start: no store was ever opened and the welcome was never dismissed.
  static bool welcomeWanted();
  // Shows the welcome (non-modal, deleted on close); closing it in any way dismisses it for good.
  WelcomeDialog* showWelcome();

  SetupForm* setupForm() const { return setup_; }
  LiveView* liveView() const { return live_; }
  CompareView* compareView() const { return compare_; }
  WeightsView* weightsView() const { return weights_; }
  StudyView* studyView() const { return study_; }
  // The command-line program a study's worker processes run (default: `hyperformer` beside this
  // program); tests point it at the build's.
  void setCommandLinePath(const QString& path) { command_line_path_ = path; }
  ModelView* model_view() const { return model_view_; }
  RunController* runController() const { return controller_; }
  RunListModel* runList() const { return runs_; }
  RunErrorBanner* errorBanner() const { return error_; }
  // The run the pages show now (empty store when none).
  RunRef selectedRun() const { return selected_; }
  QString statusText() const;

 Q_SIGNALS:
  // error: empty when the runs were copied.
  void importFinished(const QString& path, const QString& error);
  // A study started from the Study page: its runs are queued (error empty), or why not.
  void studyQueued(const QString& name, const QString& error);

 protected:
  void closeEvent(QCloseEvent* event) override;

 private:
  void build_menus();
  QWidget* build_run_dock();
  void build_status_bar();
  void restore_settings();
  void save_settings();

  void on_store_changed();
  void refresh_current_page();
  void on_selection_changed();
  void on_run_started(int64_t run, const QString& store);
  void on_run_ended(int64_t run, const QString& outcome, const QString& message);
  void on_start_failed(const QString& message);
  void update_run_controls();
  void update_progress();
  void show_run(const RunRef& run);
  void show_log(const RunRef& run);
  void use_selected_config();
  void resume_selected();
  void choose_store();
  void choose_import();
  void choose_added_store();
  void new_experiment();
  // Queues the study's runs in its store (on a worker) and hands them to the run controller.
  void start_study(const StudySpec& spec);
  // Starts `hyperformer study` with the page's worker options, detached: the workers go on if the
  // window closes, and the page follows them through the store.
  void start_study_workers(const StudySpec& spec, const QStringList& options);
  void update_workers_state();
  void show_message(const QString& text);
  // Closing while a run trains: asks whether to stop it (with a checkpoint) and close.
  bool confirm_stop_to_close();

  SetupForm* setup_;
  LiveView* live_;
  WeightsView* weights_;
  StudyView* study_;
  QString command_line_path_;
  qint64 study_workers_pid_ = 0;
  QString study_workers_log_;
  CompareView* compare_;
  ModelView* model_view_;
  QTabWidget* pages_;
  RunErrorBanner* error_;
  RunRef error_run_;

  RunController* controller_;
  StoreWatcher* watcher_;
  RunListModel* runs_;
  QTableView* run_table_;
  QPushButton* use_config_;
  QPushButton* resume_run_;
  QPushButton* show_log_;
  RunRef selected_;

  QLabel* run_state_;
  QProgressBar* progress_;
  QLabel* run_numbers_;
  QPushButton* pause_;
  QPushButton* stop_;
  bool closing_ = false;
};

}  // namespace hwb
