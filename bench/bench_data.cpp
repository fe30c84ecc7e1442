// Time to read, format and tokenise GLUE training sets, cold (nothing cached) and cached.
//
//   bench_data [--data DIR] [--threads N] [--tasks sst2,qnli,mnli]
//
// DIR defaults to ../shared/data next to the source tree. SST-2 is the official English train
// set. English QNLI and MNLI are not in ../shared/data, so the benchmark writes inputs of their
// size and column layout into a temporary folder first (not timed): QNLI's 104,743 rows from
// PLUE's QNLI dev rows repeated; MNLI's 392,702 rows (12 columns with parse trees, as the official
// train.tsv) from SST-2 and PLUE sentence pairs repeated. Both say so in the output.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

#include "core/data/ExampleReader.h"
#include "core/data/GlueTasks.h"
#include "core/data/SentencePieceTokenizer.h"
#include "core/data/TaskLoader.h"
#include "core/data/TsvReader.h"
#include "core/util/Error.h"

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::size_t kQnliTrainRows = 104743;
constexpr std::size_t kMnliTrainRows = 392702;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::vector<std::vector<std::string>> tsv_rows(const fs::path& file, bool header) {
  std::vector<std::vector<std::string>> rows;
  hwb::TsvReader reader(file);
  hwb::TsvRow row;
  bool first = header;
  while (reader.next(row)) {
    if (first) {
      first = false;
      continue;
    }
    rows.emplace_back(row.fields.begin(), row.fields.end());
  }
  return rows;
}

std::string binary_parse(const std::string& sentence) {
  std::string out = "( ";
  std::istringstream words(sentence);
  for (std::string word; words >> word;) out += "( " + word + " ) ";
  return out + ")";
}

std::string parse_tree(const std::string& sentence) {
  std::string out = "(ROOT (S";
  std::istringstream words(sentence);
  for (std::string word; words >> word;) out += " (NN " + word + ")";
  return out + "))";
}

// QNLI's layout (index, question, sentence, label) at QNLI's training size.
void write_qnli_like(const fs::path& data, const fs::path& out) {
  const auto rows = tsv_rows(data / "plue/QNLI/dev.tsv", true);
  std::ofstream file(out, std::ios::binary);
  file << "index\tquestion\tsentence\tlabel\n";
  for (std::size_t i = 0; i < kQnliTrainRows; ++i) {
    const auto& r = rows[i % rows.size()];
    file << i << '\t' << r[1] << '\t' << r[2] << '\t' << r[3] << '\n';
  }
}

// MNLI train's 12-column layout at MNLI's training size, from real sentence pairs.
void write_mnli_like(const fs::path& data, const fs::path& out) {
  std::vector<std::pair<std::string, std::string>> pairs;
  for (const auto& r : tsv_rows(data / "plue/RTE/train.tsv", true)) pairs.emplace_back(r[1], r[2]);
  for (const auto& r : tsv_rows(data / "plue/MRPC/train.tsv", true)) pairs.emplace_back(r[3], r[4]);
  for (const auto& r : tsv_rows(data / "plue/STS-B/train.tsv", true))
    pairs.emplace_back(r[7], r[8]);
  for (const auto& r : tsv_rows(data / "plue/QNLI/dev.tsv", true)) pairs.emplace_back(r[1], r[2]);
  const auto sst = tsv_rows(data / "glue/SST-2/train.tsv", true);
  for (std::size_t i = 0; i + 1 < sst.size(); i += 2) pairs.emplace_back(sst[i][0], sst[i + 1][0]);

  static const char* kLabels[] = {"entailment", "neutral", "contradiction"};
  static const char* kGenres[] = {"government", "telephone", "fiction", "travel", "slate"};
  std::ofstream file(out, std::ios::binary);
  file << "index\tpromptID\tpairID\tgenre\tsentence1_binary_parse\tsentence2_binary_parse\t"
          "sentence1_parse\tsentence2_parse\tsentence1\tsentence2\tlabel1\tgold_label\n";
  for (std::size_t i = 0; i < kMnliTrainRows; ++i) {
    const auto& [s1, s2] = pairs[i % pairs.size()];
    const char* label = kLabels[i % 3];
    file << i << '\t' << 31193 + i << '\t' << 31193 + i << "n\t" << kGenres[i % 5] << '\t'
         << binary_parse(s1) << '\t' << binary_parse(s2) << '\t' << parse_tree(s1) << '\t'
         << parse_tree(s2) << '\t' << s1 << '\t' << s2 << '\t' << label << '\t' << label << '\n';
  }
}

struct Figures {
  double cold = 0.0;
  double cached = 0.0;
  double read_format = 0.0;
  std::size_t examples = 0;
  double mean_source_ids = 0.0;
  std::size_t truncated = 0;
};

Figures measure(const hwb::TaskDefinition& definition, const hwb::Tokenizer& tokenizer,
                const fs::path& cache_dir, unsigned threads) {
  Figures f;
  // The loader wants a validation file: give it the train file's first rows, which cost nothing
  // next to the train file itself.
  const fs::path train = definition.files.at("train");
  const fs::path validation = cache_dir.parent_path() / ("validation-" + definition.name + ".tsv");
  {
    std::ifstream in(train, std::ios::binary);
    std::ofstream out(validation, std::ios::binary);
    std::string line;
    for (int i = 0; i < 4 && std::getline(in, line); ++i) out << line << '\n';
  }
  hwb::TaskDefinition train_only = definition;
  train_only.files = {{"train", train}, {"validation", validation}};
  train_only.split = hwb::SplitScheme::kGiven;

  // Reading and formatting alone, for the breakdown (the cold load below does it again).
  Clock::time_point start = Clock::now();
  const hwb::ExampleReader reader(train_only);
  f.examples =
      reader.read(train_only.files.at("train"), hwb::BadRowPolicy::kRefuse).examples.size();
  f.read_format = seconds_since(start);
  std::error_code ec;
  fs::remove_all(cache_dir, ec);
  hwb::TaskLoadOptions options;
  options.cache_dir = cache_dir;
  options.threads = threads;
  const hwb::TaskLoader loader(tokenizer, options);

  start = Clock::now();
  hwb::LoadedTask cold = loader.load(train_only);
  f.cold = seconds_since(start);
  if (cold.files.at(0).from_cache) throw hwb::Error("cold run hit the cache");

  start = Clock::now();
  hwb::LoadedTask cached = loader.load(train_only);
  f.cached = seconds_since(start);
  if (!cached.files.at(0).from_cache) throw hwb::Error("second run missed the cache");

  const hwb::TaskDataset& data = *cached.train.data;
  std::size_t ids = 0;
  for (std::size_t i = 0; i < data.size(); ++i) {
    ids += data.source_ids(i).size();
    f.truncated += data.source_ids(i).size() == 128 ? 1 : 0;
  }
  f.mean_source_ids = static_cast<double>(ids) / static_cast<double>(data.size());
  return f;
}

}  // namespace

int main(int argc, char** argv) {
  fs::path data = fs::path(HWB_SOURCE_DIR).parent_path() / "shared" / "data";
  unsigned threads = 0;
  std::string tasks = "sst2,qnli,mnli";
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--data") {
      data = argv[i + 1];
    } else if (flag == "--threads") {
      threads = static_cast<unsigned>(std::stoul(argv[i + 1]));
    } else if (flag == "--tasks") {
      tasks = argv[i + 1];
    } else {
      std::cerr << "usage: bench_data [--data DIR] [--threads N] [--tasks sst2,qnli,mnli]\n";
      return 2;
    }
  }
  if (!fs::is_directory(data / "glue" / "SST-2")) {
    std::cout << "skipped: ../shared/data not found (looked in " << data.string() << ")\n";
    return 0;
  }
  data = fs::canonical(data);
  const fs::path work =
      fs::temp_directory_path() / ("hwb-bench-data-" + std::to_string(::getpid()));
  try {
    std::cout << "data: " << data.string() << " (present)\n";
    std::unique_ptr<hwb::SentencePieceTokenizer> tokenizer;
    try {
      tokenizer = hwb::SentencePieceTokenizer::load_t5();
    } catch (const hwb::Error&) {
      tokenizer = hwb::SentencePieceTokenizer::load(data / "t5" / "spiece.model");
    }
    std::cout << "tokenizer: " << tokenizer->model_path().string() << " ("
              << tokenizer->fingerprint() << ")\nthreads: "
              << (threads ? threads : std::max(1u, std::thread::hardware_concurrency()))
              << "\nwork folder: " << work.string() << "\n\n";

    fs::create_directories(work / "glue" / "QNLI");
    fs::create_directories(work / "glue" / "MNLI");
    const fs::path sst2_train = data / "glue" / "SST-2" / "train.tsv";
    const fs::path qnli_train = work / "glue" / "QNLI" / "train.tsv";
    const fs::path mnli_train = work / "glue" / "MNLI" / "train.tsv";
    if (tasks.find("qnli") != std::string::npos) write_qnli_like(data, qnli_train);
    if (tasks.find("mnli") != std::string::npos) write_mnli_like(data, mnli_train);

    std::printf("%-5s %-62s %8s %9s %11s %9s %12s %9s %10s %6s\n", "task", "input", "MB",
                "examples", "read+fmt s", "cold s", "cold ex/s", "cached s", "cached ex/s", "ids");
    bool ok = true;
    for (const std::string name : {"sst2", "qnli", "mnli"}) {
      if (tasks.find(name) == std::string::npos) continue;
      hwb::TaskDefinition d = hwb::GlueTasks::definition(name, data / "glue");
      std::string input;
      if (name == "sst2") {
        d.files = {{"train", sst2_train}};
        input = "glue/SST-2/train.tsv (official)";
      } else if (name == "qnli") {
        d.files = {{"train", qnli_train}};
        input = "QNLI layout, PLUE QNLI dev rows repeated (generated)";
      } else {
        d.files = {{"train", mnli_train}};
        input = "MNLI 12-col layout, SST-2+PLUE pairs repeated (generated)";
      }
      const double megabytes = static_cast<double>(fs::file_size(d.files.at("train"))) / 1e6;
      const Figures f = measure(d, *tokenizer, work / "cache", threads);
      std::printf("%-5s %-62s %8.1f %9zu %11.2f %9.2f %12.0f %9.2f %11.0f %6.1f\n", name.c_str(),
                  input.c_str(), megabytes, f.examples, f.read_format, f.cold,
                  static_cast<double>(f.examples) / f.cold, f.cached,
                  static_cast<double>(f.examples) / f.cached, f.mean_source_ids);
      if (name == "mnli") {
        const bool cold_ok = f.cold < 60.0;
        const bool cached_ok = f.cached < 3.0;
        std::printf("\nmnli targets: cold %.2f s < 60 s: %s; cached %.2f s < 3 s: %s\n", f.cold,
                    cold_ok ? "met" : "MISSED", f.cached, cached_ok ? "met" : "MISSED");
        std::printf("mnli sources cut at 128 ids: %zu of %zu\n", f.truncated, f.examples);
        ok = cold_ok && cached_ok;
      }
    }
    std::cout << "\ncold = read + format + tokenise + write the cache; cached = hash the file + "
                 "read the cache; neither includes writing the generated inputs.\n";
    fs::remove_all(work);
    return ok ? 0 : 1;
  } catch (const std::exception& error) {
    std::cerr << "bench_data: " << error.what() << "\n";
    std::error_code ec;
    fs::remove_all(work, ec);
    return 1;
  }
}
