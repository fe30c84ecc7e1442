#include "core/train/ExperimentConfig.h"

#include <nlohmann/json.hpp>

#include <fstream>
#include <set>

#include "core/data/GlueTasks.h"
#include "core/train/ExperimentSettings.h"
#include "core/util/AtomicFileWriter.h"
#include "core/util/Error.h"
#include "core/util/JsonFields.h"

namespace hwb {

namespace {

std::string join_problems(const std::string& title, const std::vector<std::string>& problems) {
  std::string message = title;
  for (const std::string& p : problems) message += "\n  " + p;
  return message;
}

// A nested error message from PeftConfig / TaskDefinition, re-rooted at `path`.
void add_nested(std::vector<std::string>& problems, const std::string& path,
                const std::string& what) {
  problems.push_back(path + ": " + what);
}

void pretraining_problems(const ExperimentConfig& c, std::vector<std::string>& p) {
  const PretrainingConfig& pre = *c.pretraining;
  if (!c.backbone.empty()) {
    p.push_back(
        "backbone: a pretraining run starts from pretraining.architecture with fresh "
        "weights; leave backbone empty");
  }
  if (!c.tasks.empty()) {
    p.push_back(
        "data.tasks: a pretraining run has no tasks (its text is pretraining.corpora); "
        "remove them");
  }
  if (c.peft.variant != PeftVariant::kFullFinetune)
    p.push_back("variant.variant: a pretraining run trains the whole model: use full_finetune");
  if (pre.corpora.empty()) p.push_back("pretraining.corpora: give at least one text file");
  for (std::size_t i = 0; i < pre.corpora.size(); ++i) {
    const std::string path = "pretraining.corpora[" + std::to_string(i) + "]";
    if (pre.corpora[i].path.empty()) p.push_back(path + ".path: give a text file");
    if (!(pre.corpora[i].weight > 0))
      p.push_back(path + ".weight: must be positive, got " + std::to_string(pre.corpora[i].weight));
  }
  try {
    SpanCorruption check(pre.corruption, pre.architecture.vocab_size - 1);
  } catch (const std::exception& e) {
    p.push_back(std::string("pretraining: ") + e.what());
  }
  try {
    pre.architecture.validate();
  } catch (const std::exception& e) {
    add_nested(p, "pretraining.architecture", e.what());
  }
  if (pre.output.empty())
    p.push_back("pretraining.output: give the folder the pretrained model is written to");
}

nlohmann::json pretraining_to_json(const PretrainingConfig& pre) {
  nlohmann::json corpora = nlohmann::json::array();
  for (const CorpusSource& s : pre.corpora)
    corpora.push_back({{"path", s.path.string()}, {"weight", s.weight}});
  return {{"corpora", corpora},
          {"noise_density", pre.corruption.noise_density},
          {"mean_span_length", pre.corruption.mean_span_length},
          {"input_length", pre.corruption.input_length},
          {"validation_lines", pre.validation_lines},
          {"architecture", pre.architecture.to_json()},
          {"output", pre.output},
          {"output_bf16", pre.output_bf16}};
}

PretrainingConfig pretraining_from_json(const nlohmann::json& json, std::vector<std::string>& p) {
  PretrainingConfig pre;
  JsonFields f(json, "pretraining", p);
  if (const nlohmann::json* list = f.find("corpora")) {
    if (!list->is_array()) {
      p.push_back("pretraining.corpora: expected a list of {\"path\": ..., \"weight\": ...}");
    } else {
      for (std::size_t i = 0; i < list->size(); ++i) {
        CorpusSource s;
        std::string path;
        JsonFields cf((*list)[i], "pretraining.corpora[" + std::to_string(i) + "]", p);
        cf.read("path", path);
        cf.read("weight", s.weight);
        cf.finish();
        s.path = path;
        pre.corpora.push_back(s);
      }
    }
  }
  f.read("noise_density", pre.corruption.noise_density);
  f.read("mean_span_length", pre.corruption.mean_span_length);
  f.read("input_length", pre.corruption.input_length);
  f.read("validation_lines", pre.validation_lines);
  if (const nlohmann::json* arch = f.find("architecture")) {
    try {
      pre.architecture = T5Config::from_json(*arch, "pretraining.architecture");
    } catch (const std::exception& e) {
      p.push_back(e.what());
    }
  }
  f.read("output", pre.output);
  f.read("output_bf16", pre.output_bf16);
  f.finish();
  return pre;
}

}  // namespace

std::vector<std::string> ExperimentConfig::task_names() const {
  std::vector<std::string> names;
  if (pretraining) names.push_back(kSpanCorruptionTask);
  for (const ExperimentTask& t : tasks) names.push_back(t.name());
  return names;
}

std::vector<std::string> ExperimentConfig::problems() const {
  // Ranges and choices from the settings table; the variant's rows are checked below, with the
  // variant's own rules (a size matters only to the variants that have it).
  std::vector<std::string> p;
  for (const Setting<ExperimentConfig>& s : experiment_settings()) {
    if (s.path.rfind("variant.", 0) == 0) continue;
    std::string problem = setting_value_problem(s.path, s.kind, s.range, s.choices, s.get(*this));
    if (!problem.empty()) p.push_back(std::move(problem));
  }
  if (name.empty()) p.push_back("name: must not be empty");
  if (pretraining) {
    pretraining_problems(*this, p);
  } else {
    if (backbone.empty())
      p.push_back("backbone: give a T5 folder, builtin:tiny or builtin:t5-mini");
    if (tasks.empty()) p.push_back("data.tasks: choose at least one task");
  }
  std::set<std::string> seen;
  for (std::size_t i = 0; i < tasks.size(); ++i) {
    const ExperimentTask& t = tasks[i];
    const std::string path = "data.tasks[" + std::to_string(i) + "]";
    if (t.custom && !t.glue.empty()) {
      p.push_back(path + ": give either a GLUE task name or a custom definition, not both");
    } else if (!t.custom && !GlueTasks::contains(t.glue)) {
      std::string known;
      for (const auto& n : GlueTasks::names()) known += (known.empty() ? "" : ", ") + n;
      p.push_back(path + ".glue: '" + t.glue + "' is not a GLUE task (" + known + ")");
    } else if (t.custom) {
      try {
        t.custom->validate();
      } catch (const std::exception& e) {
        add_nested(p, path + ".custom", e.what());
      }
    }
    if (!seen.insert(t.name()).second)
      p.push_back(path + ": task '" + t.name() + "' is listed twice");
  }
  if (glue_dir.empty()) p.push_back("data.glue_dir: give GLUE's folder or builtin:demo");
  if (warmup_steps >= steps && steps > 0) {
    p.push_back("training.warmup_steps: must be fewer than training.steps (" +
                std::to_string(steps) + ")");
  }
  if (device != "cpu" && device.rfind("cuda", 0) != 0) {
    p.push_back("training.device: '" + device + "' is not cpu, cuda or cuda:N");
  }
  if (store.empty()) p.push_back("output.store: give the run store file (e.g. runs.db)");
  if (checkpoint_dir.empty()) p.push_back("output.checkpoint_dir: give a folder for checkpoints");

  PeftConfig with_tasks = peft;
  with_tasks.tasks = task_names();
  // A single-task config is one run per task: each model holds one of them.
  if (single_task && with_tasks.tasks.size() > 1) with_tasks.tasks.resize(1);
  if (!with_tasks.tasks.empty() && seen.size() == tasks.size() && !pretraining) {
    try {
      with_tasks.validate();
    } catch (const std::exception& e) {
      add_nested(p, "variant", e.what());
    }
  }
  return p;
}

void ExperimentConfig::validate() const {
  const auto p = problems();
  if (!p.empty()) throw Error(join_problems("The experiment '" + name + "' is not valid:", p));
}

nlohmann::json ExperimentConfig::to_json() const {
  nlohmann::json task_list = nlohmann::json::array();
  for (const ExperimentTask& t : tasks) {
    nlohmann::json j;
    if (t.custom) {
      j["custom"] = t.custom->to_json();
    } else {
      j["glue"] = t.glue;
    }
    if (t.max_train) j["max_train"] = t.max_train;
    if (t.max_validation) j["max_validation"] = t.max_validation;
    if (t.max_test) j["max_test"] = t.max_test;
    task_list.push_back(j);
  }
  nlohmann::json out = {{"schema_version", kSchemaVersion}};
  write_settings(experiment_settings(), *this, out);
  out["data"]["tasks"] = task_list;
  if (pretraining) out["pretraining"] = pretraining_to_json(*pretraining);
  return out;
}

ExperimentConfig ExperimentConfig::from_json(const nlohmann::json& json, std::string_view source) {
  ExperimentConfig c;
  std::vector<std::string> p;
  if (!json.is_object()) {
    throw Error(std::string(source) + " is not a valid experiment: expected a JSON object");
  }
  if (const auto version = json.find("schema_version"); version != json.end()) {
    if (!version->is_number_integer()) {
      p.push_back("schema_version: expected a whole number, got " + version->dump());
    } else if (version->get<int64_t>() > kSchemaVersion) {
      p.push_back("schema_version: " + version->dump() + " is newer than this program reads (" +
                  std::to_string(kSchemaVersion) + "); update Hyperformer Workbench");
    } else if (version->get<int64_t>() < 1) {
      p.push_back("schema_version: must be at least 1, got " + version->dump());
    }
  }
  const SettingsTable<ExperimentConfig>& table = experiment_settings();
  unknown_setting_keys(table, json, "",
                       {"schema_version", "variant", "data", "training", "output", "pretraining"},
                       p);
  for (const char* section : {"variant", "data", "training", "output"}) {
    const auto it = json.find(section);
    if (it == json.end()) continue;
    if (!it->is_object()) {
      p.push_back(std::string(section) + ": expected a JSON object, got " + it->dump());
    } else {
      unknown_setting_keys(table, *it, section, {"data.tasks"}, p);
    }
  }
  read_settings(table, json, c, p);
  if (const nlohmann::json* list = json_at_path(json, "data.tasks")) {
    if (!list->is_array()) {
      p.push_back("data.tasks: expected a list of tasks");
    } else {
      for (std::size_t i = 0; i < list->size(); ++i) {
        const std::string path = "data.tasks[" + std::to_string(i) + "]";
        ExperimentTask t;
        const nlohmann::json& item = (*list)[i];
        if (item.is_string()) {
          t.glue = item.get<std::string>();  // shorthand: "sst2"
        } else {
          JsonFields tf(item, path, p);
          tf.read("glue", t.glue);
          if (const nlohmann::json* custom = tf.find("custom")) {
            try {
              t.custom = TaskDefinition::from_json(*custom);
            } catch (const std::exception& e) {
              p.push_back(path + ".custom: " + e.what());
            }
          }
          // Caps as the table reads whole numbers: -1 or 2.5 is refused, not narrowed.
          for (auto [key, cap] : {std::pair{"max_train", &t.max_train},
                                  std::pair{"max_validation", &t.max_validation},
                                  std::pair{"max_test", &t.max_test}}) {
            const nlohmann::json* value = tf.find(key);
            if (!value) continue;
            std::string error;
            const auto v = setting_from_json(SettingKind::kUnsigned, SettingRange::non_negative(),
                                             {}, *value, error);
            if (v) {
              *cap = static_cast<std::size_t>(std::get<uint64_t>(*v));
            } else {
              p.push_back(path + "." + key + ": " + error);
            }
          }
          tf.finish();
        }
        c.tasks.push_back(std::move(t));
      }
    }
  }
  if (const auto pre = json.find("pretraining"); pre != json.end()) {
    c.pretraining = pretraining_from_json(*pre, p);
    // The backbone's default does not apply: a pretraining run makes its own.
    if (!json.contains("backbone")) c.backbone.clear();
  }
  if (p.empty()) {
    const auto more = c.problems();
    p.insert(p.end(), more.begin(), more.end());
  }
  if (!p.empty())
    throw Error(join_problems(std::string(source) + " is not a valid experiment:", p));
  return c;
}

ExperimentConfig ExperimentConfig::load(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) throw Error("Cannot read experiment config '" + file.string() + "'");
  nlohmann::json j;
  try {
    in >> j;
  } catch (const nlohmann::json::parse_error& e) {
    throw Error("'" + file.string() + "' is not valid JSON: " + e.what());
  }
  return from_json(j, "'" + file.string() + "'");
}

void ExperimentConfig::save(const std::filesystem::path& file) const {
  AtomicFileWriter out(file);
  out.write(to_json().dump(2) + "\n");
  out.commit();
}

ExperimentConfig ExperimentConfig::pretraining_recipe() {
  ExperimentConfig c;
  c.name = "pretrain-t5-mini";
  c.backbone.clear();
  PretrainingConfig pre;
  // docs/PRETRAINING.md: the dictionaries' prose, and the GLUE training sentences at a quarter of
  // the chunks (they are few, and repeat the more the higher their weight).
  pre.corpora = {{"build-corpus/dictionary.txt", 3.0}, {"build-corpus/glue.txt", 1.0}};
  pre.corruption = {0.15, 3.0, 128};
  pre.validation_lines = 1000;
  // About 9.1M parameters, 18 MB in bf16 with T5's whole vocabulary (the embedding is two
  // thirds of it): the most model that ships within 20 MB. A gated-GELU feed-forward as in T5
  // v1.1 (d_ff 512 costs what relu's 768 did): docs/PRETRAINING.md, "Choosing the recipe".
  T5Config& a = pre.architecture;
  a.vocab_size = 32128;
  a.d_model = 192;
  a.d_kv = 32;
  a.num_heads = 6;
  a.d_ff = 512;
  a.num_layers = 4;
  a.num_decoder_layers = 2;
  a.feed_forward_proj = "gated-gelu";
  a.tie_word_embeddings = true;
  a.dropout_rate = 0.0;  // T5 v1.1 pretrains without dropout
  pre.output = "t5-mini";
  pre.output_bf16 = true;
  c.pretraining = pre;
  c.peft.variant = PeftVariant::kFullFinetune;
  // 18000 steps of 128 chunks: about 24 passes over the corpus's 13.4M training tokens. The
  // learning rate and the weight decay decide whether the result can be fine-tuned at all: 2e-3
  // with decay 0.01 gave a backbone worse than random weights (docs/PRETRAINING.md).
  c.steps = 18000;
  c.batch_size = 128;
  c.learning_rate = 1e-3;
  c.warmup_steps = 1000;
  c.weight_decay = 0.1;
  c.max_grad_norm = 1.0;
  c.label_smoothing = 0.0;
  c.log_every = 50;
  c.eval_every = 1000;
  c.eval_batch_size = 256;
  c.device = "cuda";
  c.store = "pretrain-runs.db";
  c.checkpoint_dir = "pretrain-checkpoints";
  return c;
}

ExperimentConfig ExperimentConfig::demo() {
  ExperimentConfig c;
  c.name = "demo";
  c.backbone = std::string(kBuiltinPretrainedBackbone);
  c.glue_dir = std::string(kBuiltinDemoData);
  ExperimentTask sst2;
  sst2.glue = "sst2";
  sst2.max_validation = 500;  // evaluation by generation is the slow part on a CPU
  ExperimentTask rte;
  rte.glue = "rte";
  c.tasks = {sst2, rte};
  // Hyperformer++ as the paper trains it: the pretrained backbone frozen, only the hypernetworks,
  // the task embeddings and the layer norms learn (docs/PRETRAINING.md has the demo's figures).
  c.peft.variant = PeftVariant::kHyperformerPP;
  c.peft.reduction_factor = 8;
  c.peft.task_embedding_dim = 16;
  c.peft.projector_hidden_dim = 32;
  c.peft.projected_task_dim = 16;
  c.max_source_length = 64;
  // 1500 steps: about 8 minutes on two CPU cores, and past 75% on SST-2's dev set (1200 steps
  // ended at 73.6%; docs/PRETRAINING.md, "What the backbone is worth").
  c.steps = 1500;
  c.batch_size = 32;
  c.learning_rate = 1e-3;
  c.warmup_steps = 100;
  c.label_smoothing = 0.0;
  c.temperature = 1.0;
  c.log_every = 10;
  c.eval_every = 300;
  c.eval_batch_size = 128;
  c.device = "cpu";
  c.store = "demo-runs.db";
  c.checkpoint_dir = "demo-checkpoints";
  return c;
}

}  // namespace hwb
