#include "core/fetch/MrpcFiles.h"

#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "core/fetch/FileOps.h"
#include "core/util/Error.h"

namespace hwb {
namespace fs = std::filesystem;

namespace {

// The file's lines without a UTF-8 byte order mark and without \r\n or \n endings; empty lines
// are dropped, as GLUE's script never sees them (Python's line iteration, then strip()).
std::vector<std::string> read_lines(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw Error("cannot read '" + file.string() + "'");
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) {
    if (lines.empty() && line.rfind("\xEF\xBB\xBF", 0) == 0) line.erase(0, 3);
    while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.pop_back();
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

std::vector<std::string> fields_of(const std::string& line, const fs::path& file,
                                   std::size_t number, std::size_t expected) {
  std::vector<std::string> fields;
  std::stringstream in(line);
  std::string field;
  while (std::getline(in, field, '\t')) fields.push_back(field);
  if (!line.empty() && line.back() == '\t') fields.emplace_back();
  if (fields.size() != expected) {
    throw Error(file.string() + ":" + std::to_string(number) + ": expected " +
                std::to_string(expected) + " tab-separated fields, found " +
                std::to_string(fields.size()));
  }
  return fields;
}

}  // namespace

void MrpcFiles::build(const fs::path& msr_train, const fs::path& msr_test, const fs::path& dev_ids,
                      const fs::path& dest) {
  std::set<std::pair<std::string, std::string>> dev_pairs;
  const std::vector<std::string> id_lines = read_lines(dev_ids);
  for (std::size_t i = 0; i < id_lines.size(); ++i) {
    const auto f = fields_of(id_lines[i], dev_ids, i + 1, 2);
    dev_pairs.insert({f[0], f[1]});
  }
  if (dev_pairs.empty()) throw Error("'" + dev_ids.string() + "' lists no dev pairs");

  const std::vector<std::string> train = read_lines(msr_train);
  if (train.empty()) throw Error("'" + msr_train.string() + "' is empty");
  const std::string header = "Quality\t#1 ID\t#2 ID\t#1 String\t#2 String\n";
  std::string train_tsv = header, dev_tsv = header;
  std::size_t dev_rows = 0;
  for (std::size_t i = 1; i < train.size(); ++i) {
    const auto f = fields_of(train[i], msr_train, i + 1, 5);
    const std::string row = f[0] + "\t" + f[1] + "\t" + f[2] + "\t" + f[3] + "\t" + f[4] + "\n";
    if (dev_pairs.count({f[1], f[2]})) {
      dev_tsv += row;
      ++dev_rows;
    } else {
      train_tsv += row;
    }
  }
  if (dev_rows != dev_pairs.size()) {
    throw Error(std::to_string(dev_pairs.size() - dev_rows) + " of the " +
                std::to_string(dev_pairs.size()) + " dev pairs of '" + dev_ids.string() +
                "' are not in '" + msr_train.string() +
                "'; these are not the files GLUE's MRPC "
                "is made from");
  }

  const std::vector<std::string> test = read_lines(msr_test);
  if (test.empty()) throw Error("'" + msr_test.string() + "' is empty");
  std::string test_tsv = "index\t#1 ID\t#2 ID\t#1 String\t#2 String\n";
  for (std::size_t i = 1; i < test.size(); ++i) {
    const auto f = fields_of(test[i], msr_test, i + 1, 5);
    test_tsv +=
        std::to_string(i - 1) + "\t" + f[1] + "\t" + f[2] + "\t" + f[3] + "\t" + f[4] + "\n";
  }

  fetch_files::ensure_folder(dest, "choose another folder for the data");
  fetch_files::write_text_atomically(dest / "train.tsv", train_tsv);
  fetch_files::write_text_atomically(dest / "dev.tsv", dev_tsv);
  fetch_files::write_text_atomically(dest / "test.tsv", test_tsv);
}

}  // namespace hwb
