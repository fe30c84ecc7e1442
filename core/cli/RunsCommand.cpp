#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <ctime>
#include <iomanip>
#include <iostream>

#include "core/cli/Commands.h"
#include "core/store/RunExport.h"
#include "core/store/RunStore.h"
#include "core/store/RunStoreReader.h"
#include "core/study/ResultsTable.h"
#include "core/study/StudyQueue.h"
#include "core/util/AtomicFileWriter.h"
#include "core/util/Error.h"

namespace hwb::cli {

namespace {

std::string local_time(int64_t ms) {
  if (ms <= 0) return "-";
  const std::time_t t = static_cast<std::time_t>(ms / 1000);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M", std::localtime(&t));
  return buf;
}

RunInfo require_run(const RunStoreReader& reader, int64_t id) {
  auto info = reader.run(id);
  if (!info) {
    throw Error("Run " + std::to_string(id) + " is not in '" + reader.file().string() +
                "' (hyperformer runs list --store " + reader.file().string() + ")");
  }
  return *info;
}

void list_runs(const std::string& store) {
  const auto reader = RunStoreReader::open(store);
  const auto runs = reader->runs();
  if (runs.empty()) {
    std::cout << "no runs in " << store << "\n";
    return;
  }
  // Columns as wide as their longest entry: names and devices ("cuda (2 processes, nccl)") vary.
  std::size_t name_width = 4, device_width = 6;
  for (const RunInfo& r : runs) {
    name_width = std::max(name_width, r.name.size());
    device_width = std::max(device_width, r.device.size());
  }
  const auto name_column = static_cast<int>(name_width + 2);
  const auto device_column = static_cast<int>(device_width + 2);
  std::cout << std::left << std::setw(5) << "id" << std::setw(name_column) << "name"
            << std::setw(12) << "status" << std::setw(9) << "step" << std::setw(device_column)
            << "device" << std::setw(18) << "started"
            << "origin\n";
  for (const RunInfo& r : runs) {
    std::cout << std::left << std::setw(5) << r.id << std::setw(name_column) << r.name
              << std::setw(12) << r.status << std::setw(9) << r.last_step
              << std::setw(device_column) << r.device << std::setw(18)
              << local_time(r.started_at_ms) << r.origin << "\n";
  }
}

void show_run(const std::string& store, int64_t id) {
  const auto reader = RunStoreReader::open(store);
  const RunInfo r = require_run(*reader, id);
  std::cout << "run " << r.id << " \"" << r.name << "\": " << r.status
            << (r.message.empty() ? "" : " (" + r.message + ")") << ", step " << r.last_step << ", "
            << r.device << ", started " << local_time(r.started_at_ms) << "\n";
  // The latest value of each evaluation metric, per task.
  std::map<std::string, std::map<std::string, std::pair<int64_t, double>>> latest;
  for (const MetricPoint& m : reader->metric_series(id)) {
    latest[m.task.empty() ? "(run)" : m.task][m.split + " " + m.metric] = {m.step, m.value};
  }
  for (const auto& [task, metrics] : latest) {
    std::cout << "  " << task << ":";
    for (const auto& [name, v] : metrics) {
      std::cout << "  " << name << " " << std::fixed << std::setprecision(2) << v.second << " @"
                << v.first;
    }
    std::cout << "\n";
  }
  for (const CheckpointInfo& c : reader->checkpoints(id)) {
    std::cout << "  checkpoint step " << c.step << (c.best ? " (best)" : "") << ": " << c.path
              << "\n";
  }
  std::cout << "config:\n" << nlohmann::json::parse(r.config_json).dump(2) << "\n";
}

struct TableOptions {
  std::string study;
  std::vector<int64_t> runs;
  std::string split = "validation";
  std::string format = "markdown";
  std::string out;
};

// The paper's Table 1 over finished runs: a study's, chosen ones, or every run of the store.
void print_table(const std::string& store, const TableOptions& o) {
  const auto reader = RunStoreReader::open(store);
  const int64_t study = o.study.empty() ? 0 : find_study(*reader, o.study).id;
  for (int64_t id : o.runs) {
    if (!reader->run(id)) throw Error("Run " + std::to_string(id) + " is not in '" + store + "'");
  }
  std::vector<std::pair<const RunStoreReader*, RunInfo>> runs;
  for (RunInfo& r : reader->runs()) {
    if (study != 0 && r.study_id != study) continue;
    if (!o.runs.empty() && std::find(o.runs.begin(), o.runs.end(), r.id) == o.runs.end()) continue;
    runs.emplace_back(reader.get(), std::move(r));
  }
  const ResultsTable table = results_table_of(runs, o.split);
  if (table.rows.empty()) {
    std::string message = "No finished run with " + o.split + " scores to tabulate in " + store;
    for (const std::string& note : table.notes) message += "\n  " + note;
    throw Error(message);
  }
  const std::string text = o.format == "latex" ? results_latex(table)
                           : o.format == "csv" ? results_csv(table)
                                               : results_markdown(table);
  if (o.out.empty()) {
    std::cout << text;
  } else {
    AtomicFileWriter out(o.out);
    out.write(text);
    out.commit();
    std::cout << table.rows.size() << " row(s) written to " << o.out << "\n";
  }
  for (const std::string& note : table.notes) std::cerr << "note: " << note << "\n";
}

}  // namespace

void add_runs_command(CLI::App& app) {
  auto store = std::make_shared<std::string>("runs.db");
  auto run = std::make_shared<int64_t>(0);
  auto format = std::make_shared<std::string>("csv");
  auto out = std::make_shared<std::string>();
  auto source = std::make_shared<std::string>();
  CLI::App* runs = app.add_subcommand("runs", "List, show, export and import runs of a run store");
  runs->require_subcommand(1);
  runs->add_option("--store", *store, "Run store file")->capture_default_str();
  // `runs list --store F` as well as `runs --store F list`: the subcommands pass options they do
  // not know to `runs` (the README and the examples write it the first way).
  runs->fallthrough();

  runs->add_subcommand("list", "One line per run")->callback([store] { list_runs(*store); });

  CLI::App* show =
      runs->add_subcommand("show", "A run's status, latest metrics, checkpoints, config");
  show->add_option("--run", *run, "Run id")->required();
  show->callback([store, run] { show_run(*store, *run); });

  CLI::App* exp =
      runs->add_subcommand("export", "Write a run to CSV files (a folder) or one JSON file");
  exp->add_option("--run", *run, "Run id")->required();
  exp->add_option("--format", *format, "csv or json")
      ->check(CLI::IsMember({"csv", "json"}))
      ->capture_default_str();
  exp->add_option("--out", *out, "Folder (csv) or file (json)")->required();
  exp->callback([store, run, format, out] {
    const auto reader = RunStoreReader::open(*store);
    require_run(*reader, *run);
    if (*format == "csv") {
      export_run_csv(*reader, *run, *out);
    } else {
      export_run_json(*reader, *run, *out);
    }
    std::cout << "run " << *run << " written to " << *out << "\n";
  });

  auto table = std::make_shared<TableOptions>();
  CLI::App* tab = runs->add_subcommand(
      "table",
      "The paper's Table 1 over finished runs: one row per method (runs that differ only by "
      "seed, or a single-task method's runs), mean ± spread over seeds (docs/STUDIES.md)");
  tab->add_option("--study", table->study, "Only this study's runs (its name or id)");
  tab->add_option("--runs", table->runs, "Only these runs (ids)")->delimiter(',');
  tab->add_option("--split", table->split, "validation (the best evaluation) or test")
      ->check(CLI::IsMember({"validation", "test"}))
      ->capture_default_str();
  tab->add_option("--format", table->format, "markdown, latex (booktabs) or csv")
      ->check(CLI::IsMember({"markdown", "latex", "csv"}))
      ->capture_default_str();
  tab->add_option("--out", table->out, "Write to this file instead of printing");
  tab->callback([store, table] { print_table(*store, *table); });

  CLI::App* imp = runs->add_subcommand(
      "import", "Copy every run of another store file (a headless GPU run) into --store");
  imp->add_option("--from", *source, "Store file to import")->required();
  imp->callback([store, source] {
    const auto ids = import_store(*store, *source);
    std::cout << ids.size() << " run(s) imported into " << *store << ":";
    for (int64_t id : ids) std::cout << " " << id;
    std::cout << "\n";
  });
}

}  // namespace hwb::cli
