#include "core/data/GlueTasks.h"

#include <algorithm>

#include "core/util/Error.h"

namespace hwb {
namespace {

// Target texts are short numbers ("0", "3.8"): a handful of pieces plus EOS.
constexpr int kGlueMaxTargetLength = 8;

TaskDefinition base(std::string name, SplitScheme split) {
  TaskDefinition d;
  d.name = std::move(name);
  d.format = TaskFileFormat::kTsv;
  d.split = split;
  d.max_source_length = 128;
  d.max_target_length = kGlueMaxTargetLength;
  return d;
}

}  // namespace

const std::vector<std::string>& GlueTasks::names() {
  static const std::vector<std::string> kNames = {"cola", "sst2", "mrpc", "qqp",
                                                  "stsb", "mnli", "qnli", "rte"};
  return kNames;
}

bool GlueTasks::contains(std::string_view name) {
  const auto& all = names();
  return std::find(all.begin(), all.end(), name) != all.end();
}

std::string GlueTasks::folder(std::string_view name) {
  if (name == "cola") return "CoLA";
  if (name == "sst2") return "SST-2";
  if (name == "mrpc") return "MRPC";
  if (name == "qqp") return "QQP";
  if (name == "stsb") return "STS-B";
  if (name == "mnli") return "MNLI";
  if (name == "qnli") return "QNLI";
  if (name == "rte") return "RTE";
  throw Error("\"" + std::string(name) +
              "\" is not a GLUE task (cola, sst2, mrpc, qqp, stsb, mnli, qnli, rte)");
}

TaskDefinition GlueTasks::definition(std::string_view name, const std::filesystem::path& glue_dir,
                                     const GlueOptions& options) {
  const std::filesystem::path dir = glue_dir / folder(name);
  TaskDefinition d;
  // Column layouts are GLUE's official files. Labels are found from the end where files of one
  // task differ in width (MNLI train has 12 columns, its dev files 16).
  if (name == "cola") {
    // No header: source, label, original mark, sentence.
    d = base("cola", SplitScheme::kHalveDev);
    d.has_header = false;
    d.columns = 4;
    d.fields = {{"sentence", 3}};
    d.label_column = 1;
    d.input_template = "cola sentence: {sentence}";
    d.labels = {"0", "1"};
    d.metrics = {"mcc"};
  } else if (name == "sst2") {
    // sentence, label
    d = base("sst2", SplitScheme::kHoldoutTrain);
    d.fields = {{"sentence", 0}};
    d.label_column = 1;
    d.input_template = "sst2 sentence: {sentence}";
    d.labels = {"0", "1"};
    d.metrics = {"accuracy"};
  } else if (name == "mrpc") {
    // Quality, #1 ID, #2 ID, #1 String, #2 String
    d = base("mrpc", SplitScheme::kHalveDev);
    d.fields = {{"sentence1", 3}, {"sentence2", 4}};
    d.label_column = 0;
    d.input_template = "mrpc sentence1: {sentence1} sentence2: {sentence2}";
    d.labels = {"0", "1"};
    d.metrics = {"f1", "accuracy"};
  } else if (name == "qqp") {
    // id, qid1, qid2, question1, question2, is_duplicate
    d = base("qqp", SplitScheme::kHoldoutTrain);
    d.fields = {{"question1", 3}, {"question2", 4}};
    d.label_column = 5;
    d.input_template = "qqp question1: {question1} question2: {question2}";
    d.labels = {"0", "1"};
    d.metrics = {"f1", "accuracy"};
  } else if (name == "stsb") {
    // index, genre, filename, year, old_index, source1, source2, sentence1, sentence2, score
    d = base("stsb", SplitScheme::kHalveDev);
    d.fields = {{"sentence1", 7}, {"sentence2", 8}};
    d.label_column = -1;
    d.input_template = "stsb sentence1: {sentence1} sentence2: {sentence2}";
    d.regression = RegressionTarget{0.0, 5.0, options.reference_compatible ? 0.1 : 0.2, 1};
    d.metrics = {"pearson", "spearman"};
  } else if (name == "mnli") {
    // index, promptID, pairID, genre, 4 parses, sentence1, sentence2, [label1..5,] gold_label
    d = base("mnli", SplitScheme::kGiven);
    d.fields = {{"premise", 8}, {"hypothesis", 9}};
    d.label_column = -1;
    d.input_template = options.reference_compatible
                           ? "mnli premise: {premise} hypothesis {hypothesis}"
                           : "mnli premise: {premise} hypothesis: {hypothesis}";
    d.labels = {"entailment", "neutral", "contradiction"};
    d.targets = {"0", "1", "2"};
    d.metrics = {"accuracy"};
  } else if (name == "qnli") {
    // index, question, sentence, label
    d = base("qnli", SplitScheme::kHoldoutTrain);
    d.fields = {{"question", 1}, {"sentence", 2}};
    d.label_column = -1;
    d.input_template = "qnli question: {question} sentence: {sentence}";
    d.labels = {"entailment", "not_entailment"};
    d.targets = {"0", "1"};
    d.metrics = {"accuracy"};
  } else if (name == "rte") {
    // index, sentence1, sentence2, label
    d = base("rte", SplitScheme::kHalveDev);
    d.fields = {{"sentence1", 1}, {"sentence2", 2}};
    d.label_column = -1;
    d.input_template = "rte sentence1: {sentence1} sentence2: {sentence2}";
    d.labels = {"entailment", "not_entailment"};
    d.targets = {"0", "1"};
    d.metrics = {"accuracy"};
  } else {
    folder(name);  // throws the error that lists the tasks
  }
  if (d.name == "mnli") {
    // The reference code's split: mismatched for validation, matched for test, all of train.
    d.files = {{"train", dir / "train.tsv"},
               {"validation", dir / "dev_mismatched.tsv"},
               {"test", dir / "dev_matched.tsv"}};
  } else {
    d.files = {{"train", dir / "train.tsv"}, {"dev", dir / "dev.tsv"}};
  }
  return d;
}

}  // namespace hwb
