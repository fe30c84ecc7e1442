#include "core/study/ResultsTable.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <limits>
#include <set>

#include "core/store/RunStoreReader.h"
#include "core/train/ExperimentSettings.h"
#include "core/util/SettingsTable.h"

namespace hwb {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Settings that say where and how visibly a run ran, not what it learned: set aside when runs are
// grouped, and never named in a row's method.
const std::set<std::string>& incidental_paths() {
  static const std::set<std::string> paths = {"name",
                                              "training.seed",
                                              "data.data_seed",
                                              "training.device",
                                              "training.cuda_graphs",
                                              "training.log_every",
                                              "training.eval_batch_size",
                                              "training.test_at_end",
                                              "data.cache_dir",
                                              "output.store",
                                              "output.checkpoint_dir"};
  return paths;
}

// What makes runs one row: the config without incidental settings (and without the task list for
// a single-task method, whose row is all its tasks).
std::string group_key(const ExperimentConfig& config) {
  nlohmann::json json = config.to_json();
  for (const std::string& path : incidental_paths()) {
    const auto dot = path.find('.');
    if (dot == std::string::npos) {
      json.erase(path);
    } else if (json.contains(path.substr(0, dot))) {
      json[path.substr(0, dot)].erase(path.substr(dot + 1));
    }
  }
  if (config.single_task) json["data"].erase("tasks");
  return json.dump();
}

// "Hyperformer++ (one hypernetwork per stack)" -> "Hyperformer++".
std::string variant_name(const ExperimentConfig& config) {
  const auto* row = find_setting(experiment_settings(), "variant.variant");
  std::string label = setting_text(row->get(config));
  for (const SettingChoice& choice : row->choices) {
    if (choice.value == label) label = choice.label;
  }
  const auto paren = label.find(" (");
  return paren == std::string::npos ? label : label.substr(0, paren);
}

struct Group {
  std::vector<const RunScores*> runs;
  // Replicate key -> the runs of one seed (several for a single-task method).
  std::map<std::string, std::vector<const RunScores*>> replicates;
};

std::string replicate_key(const RunScores& run) {
  if (!run.config.single_task) return "run " + std::to_string(run.info.id);
  return std::to_string(run.config.seed) + "/" + std::to_string(run.config.data_seed);
}

// The settings (by path) whose values differ between the groups' first configs: what names a row
// besides its variant.
std::vector<std::string> distinguishing_paths(const std::vector<const ExperimentConfig*>& firsts) {
  std::vector<std::string> out;
  if (firsts.size() < 2) return out;
  for (const Setting<ExperimentConfig>& s : experiment_settings()) {
    if (incidental_paths().count(s.path) || s.path == "variant.variant" ||
        s.path == "data.single_task") {
      continue;
    }
    std::set<std::string> values;
    for (const ExperimentConfig* c : firsts) values.insert(setting_text(s.get(*c)));
    if (values.size() > 1) out.push_back(s.path);
  }
  return out;
}

std::string method_name(const ExperimentConfig& config, const std::vector<std::string>& paths) {
  std::string name = variant_name(config);
  if (config.single_task) name += ", single-task";
  std::string details;
  for (const std::string& path : paths) {
    const auto* s = find_setting(experiment_settings(), path);
    details += (details.empty() ? "" : ", ") + s->key() + " " + setting_text(s->get(config));
  }
  return details.empty() ? name : name + " (" + details + ")";
}

std::string format_count(int64_t n) {
  char buf[32];
  const double v = static_cast<double>(n);
  if (n < 1000) {
    std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(n));
  } else if (n < 1000000) {
    std::snprintf(buf, sizeof buf, "%.1fK", v / 1e3);
  } else if (n < 1000000000) {
    std::snprintf(buf, sizeof buf, "%.2fM", v / 1e6);
  } else {
    std::snprintf(buf, sizeof buf, "%.2fB", v / 1e9);
  }
  return buf;
}

std::string fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

// Unrounded, for CSV: empty for NaN.
std::string exact(double v) {
  if (!std::isfinite(v)) return "";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.10g", v);
  return buf;
}

std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\n") == std::string::npos) return text;
  std::string out = "\"";
  for (char c : text) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

struct Style {
  std::string plus_minus, times, percent, missing;
};

std::string score_text(const SeedSummary& s, const Style& style) {
  if (s.count == 0) return style.missing;
  std::string out = fixed(s.mean, 1);
  if (s.count > 1) out += " " + style.plus_minus + " " + fixed(s.spread, 1);
  return out;
}

std::string total_text(const ResultsRow& row, const Style& style) {
  if (row.total_parameters == 0) return style.missing;
  return format_count(row.total_parameters) + " (" + fixed(row.total_relative, 2) + style.times +
         ")";
}

std::string per_task_text(const ResultsRow& row, const Style& style) {
  if (row.trained_per_task == 0) return style.missing;
  return format_count(static_cast<int64_t>(std::llround(row.trained_per_task))) + " (" +
         fixed(row.trained_per_task_percent, 2) + style.percent + ")";
}

std::string column_title(const ResultsTable& t, std::size_t i) {
  return t.tasks[i] + (t.task_metrics[i].empty() ? "" : " (" + t.task_metrics[i] + ")");
}

std::string latex_escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '_':
      case '%':
      case '&':
      case '#':
      case '$':
      case '{':
      case '}':
        out += '\\';
        out += c;
        break;
      default:
        out += c;
    }
  }
  // The dagger of "Adapters†" as LaTeX draws it.
  for (std::size_t at; (at = out.find("\xE2\x80\xA0")) != std::string::npos;)
    out.replace(at, 3, "$^\\dagger$");
  return out;
}

}  // namespace

SeedSummary summarise(const std::vector<double>& values) {
  SeedSummary s;
  s.count = static_cast<int>(values.size());
  if (values.empty()) {
    s.mean = s.spread = kNaN;
    return s;
  }
  double sum = 0;
  for (double v : values) sum += v;
  s.mean = sum / static_cast<double>(values.size());
  if (values.size() < 2) {
    s.spread = kNaN;
    return s;
  }
  double squares = 0;
  for (double v : values) squares += (v - s.mean) * (v - s.mean);
  s.spread = std::sqrt(squares / static_cast<double>(values.size() - 1));
  return s;
}

RunScores read_run_scores(const RunStoreReader& reader, const RunInfo& run,
                          const std::string& split) {
  RunScores out;
  out.info = run;
  out.config = ExperimentConfig::from_json(nlohmann::json::parse(run.config_json),
                                           "the config of run " + std::to_string(run.id));
  if (!run.parameters_json.empty()) {
    const nlohmann::json p = nlohmann::json::parse(run.parameters_json);
    out.backbone = p.value("backbone", int64_t{0});
    out.added = p.value("added", int64_t{0});
    out.trainable = p.value("trainable", int64_t{0});
    out.trainable_backbone = p.value("trainable_backbone", int64_t{0});
    out.num_tasks = p.value("num_tasks", int64_t{0});
  }
  const std::vector<MetricPoint> metrics = reader.metric_series(run.id);
  int64_t step = -1;
  if (split == "validation") {
    for (const CheckpointInfo& c : reader.checkpoints(run.id)) {
      if (c.best) step = c.step;
    }
  }
  if (step < 0) {
    for (const MetricPoint& m : metrics) {
      if (m.split == split) step = std::max(step, m.step);
    }
  }
  if (step < 0) return out;
  out.step = step;
  for (const MetricPoint& m : metrics) {
    if (m.split != split || m.step != step || m.task.empty()) continue;
    if (m.metric == "score") {
      out.task_scores[m.task] = m.value;
    } else {
      std::string& names = out.task_metrics[m.task];
      names += (names.empty() ? "" : "/") + m.metric;
    }
  }
  return out;
}

RunGrouping group_runs(const std::vector<ExperimentConfig>& configs) {
  RunGrouping out;
  std::map<std::string, std::size_t> index;
  std::vector<const ExperimentConfig*> firsts;
  for (const ExperimentConfig& c : configs) {
    auto [it, added] = index.emplace(group_key(c), firsts.size());
    if (added) firsts.push_back(&c);
    out.group_of.push_back(it->second);
  }
  const std::vector<std::string> paths = distinguishing_paths(firsts);
  for (const ExperimentConfig* c : firsts) out.names.push_back(method_name(*c, paths));
  return out;
}

ResultsTable build_results_table(const std::vector<RunScores>& runs, const std::string& split) {
  ResultsTable table;
  table.split = split;
  std::vector<const RunScores*> scored;
  std::vector<ExperimentConfig> configs;
  for (const RunScores& run : runs) {
    if (run.task_scores.empty()) {
      table.notes.push_back("run " + std::to_string(run.info.id) + " (" + run.info.name +
                            ") has no " + split + " scores: left out");
      continue;
    }
    scored.push_back(&run);
    configs.push_back(run.config);
  }
  const RunGrouping grouping = group_runs(configs);
  std::vector<Group> groups(grouping.names.size());
  for (std::size_t i = 0; i < scored.size(); ++i) {
    const RunScores& run = *scored[i];
    Group& g = groups[grouping.group_of[i]];
    g.runs.push_back(&run);
    g.replicates[replicate_key(run)].push_back(&run);
    // Columns in the configs' task order.
    for (const std::string& task : run.config.task_names()) {
      if (!run.task_scores.count(task)) continue;
      if (std::find(table.tasks.begin(), table.tasks.end(), task) == table.tasks.end()) {
        table.tasks.push_back(task);
        const auto metric = run.task_metrics.find(task);
        table.task_metrics.push_back(metric == run.task_metrics.end() ? "" : metric->second);
      }
    }
  }
  for (std::size_t gi = 0; gi < groups.size(); ++gi) {
    const Group& g = groups[gi];
    ResultsRow row;
    row.method = grouping.names[gi];
    for (const RunScores* r : g.runs) row.runs.push_back(r->info.id);
    row.replicates = static_cast<int>(g.replicates.size());
    std::set<std::string> row_tasks;
    for (const RunScores* r : g.runs) {
      for (const auto& [task, score] : r->task_scores) row_tasks.insert(task);
    }
    std::vector<std::vector<double>> per_task(table.tasks.size());
    std::vector<double> averages;
    bool counted_parameters = false;
    for (const auto& [key, members] : g.replicates) {
      std::map<std::string, std::vector<double>> scores;
      for (const RunScores* r : members) {
        for (const auto& [task, score] : r->task_scores) scores[task].push_back(score);
      }
      double sum = 0;
      for (std::size_t c = 0; c < table.tasks.size(); ++c) {
        const auto found = scores.find(table.tasks[c]);
        if (found == scores.end()) continue;
        const double score = summarise(found->second).mean;
        per_task[c].push_back(score);
        sum += score;
      }
      if (scores.size() == row_tasks.size()) {
        averages.push_back(sum / static_cast<double>(row_tasks.size()));
        // Every replicate has the same models; the first complete one counts them. The frozen
        // backbone is one copy for all; what a run trains or adds is its own.
        if (!counted_parameters && members.front()->backbone > 0) {
          counted_parameters = true;
          const RunScores& first = *members.front();
          int64_t total = first.backbone - first.trainable_backbone;
          int64_t trained = 0, tasks = 0;
          for (const RunScores* r : members) {
            total += r->trainable_backbone + r->added;
            trained += r->trainable;
            tasks += r->num_tasks;
          }
          row.total_parameters = total;
          row.total_relative = static_cast<double>(total) / static_cast<double>(first.backbone);
          row.trained_per_task =
              tasks > 0 ? static_cast<double>(trained) / static_cast<double>(tasks) : 0;
          row.trained_per_task_percent =
              100.0 * row.trained_per_task / static_cast<double>(first.backbone);
        }
      }
    }
    for (const auto& values : per_task) row.tasks.push_back(summarise(values));
    row.average = summarise(averages);
    table.rows.push_back(std::move(row));
  }
  return table;
}

ResultsTable results_table_of(const std::vector<std::pair<const RunStoreReader*, RunInfo>>& runs,
                              const std::string& split) {
  std::vector<RunScores> scores;
  std::vector<std::string> notes;
  for (const auto& [reader, run] : runs) {
    const std::string who = "run " + std::to_string(run.id) + " (" + run.name + ")";
    if (run.status != "finished") {
      notes.push_back(who + " is " + run.status + ": left out");
      continue;
    }
    try {
      scores.push_back(read_run_scores(*reader, run, split));
    } catch (const std::exception& e) {
      notes.push_back(who + ": " + e.what());
    }
  }
  ResultsTable table = build_results_table(scores, split);
  table.notes.insert(table.notes.begin(), notes.begin(), notes.end());
  return table;
}

namespace {

const Style kPlainStyle{"±", "×", "%", "–"};
const Style kLatexStyle{"$\\pm$", "$\\times$", "\\%", "--"};

std::vector<std::vector<std::string>> cells(const ResultsTable& t, const Style& style,
                                            const std::function<std::string(std::string)>& text) {
  std::vector<std::string> header = {"Method", "Seeds", "Total params", "Trained params / task"};
  for (std::size_t i = 0; i < t.tasks.size(); ++i) header.push_back(text(column_title(t, i)));
  header.push_back("Average");
  std::vector<std::vector<std::string>> out = {header};
  for (const ResultsRow& row : t.rows) {
    std::vector<std::string> line = {text(row.method), std::to_string(row.replicates),
                                     total_text(row, style), per_task_text(row, style)};
    for (const SeedSummary& s : row.tasks) line.push_back(score_text(s, style));
    line.push_back(score_text(row.average, style));
    out.push_back(std::move(line));
  }
  return out;
}

std::string as_is(std::string text) {
  return text;
}

}  // namespace

std::vector<std::vector<std::string>> results_cells(const ResultsTable& table) {
  return cells(table, kPlainStyle, as_is);
}

std::string results_markdown(const ResultsTable& t) {
  const auto rows = results_cells(t);
  std::string out;
  for (std::size_t r = 0; r < rows.size(); ++r) {
    out += "|";
    for (const std::string& cell : rows[r]) out += " " + cell + " |";
    out += "\n";
    if (r == 0) {
      out += "| --- |";
      for (std::size_t c = 1; c < rows[r].size(); ++c) out += " ---: |";
      out += "\n";
    }
  }
  return out;
}

std::string results_latex(const ResultsTable& t) {
  const auto rows = cells(t, kLatexStyle, latex_escape);
  std::string out = "\\begin{tabular}{l" + std::string(rows[0].size() - 1, 'r') + "}\n\\toprule\n";
  for (std::size_t r = 0; r < rows.size(); ++r) {
    for (std::size_t c = 0; c < rows[r].size(); ++c) out += (c ? " & " : "") + rows[r][c];
    out += " \\\\\n";
    if (r == 0) out += "\\midrule\n";
  }
  out += "\\bottomrule\n\\end{tabular}\n";
  return out;
}

std::string results_csv(const ResultsTable& t) {
  std::string out =
      "method,runs,seeds,total_parameters,total_relative,trained_per_task,"
      "trained_per_task_percent";
  for (const std::string& task : t.tasks) {
    out += "," + csv_field(task + "_mean") + "," + csv_field(task + "_spread") + "," +
           csv_field(task + "_n");
  }
  out += ",average_mean,average_spread,average_n\n";
  for (const ResultsRow& row : t.rows) {
    std::string runs;
    for (int64_t id : row.runs) runs += (runs.empty() ? "" : " ") + std::to_string(id);
    out += csv_field(row.method) + "," + runs + "," + std::to_string(row.replicates) + "," +
           std::to_string(row.total_parameters) + "," + exact(row.total_relative) + "," +
           exact(row.trained_per_task) + "," + exact(row.trained_per_task_percent);
    for (const SeedSummary& s : row.tasks) {
      out += "," + exact(s.mean) + "," + exact(s.spread) + "," + std::to_string(s.count);
    }
    out += "," + exact(row.average.mean) + "," + exact(row.average.spread) + "," +
           std::to_string(row.average.count) + "\n";
  }
  return out;
}

}  // namespace hwb
