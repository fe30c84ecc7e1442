#pragma once

#include <filesystem>

namespace hwb {

// GLUE does not host MRPC; its download script builds the task folder from Microsoft's two files
// (as SentEval hosts them) and GLUE's list of the pairs that make the dev set. This does the same:
// train.tsv and dev.tsv (header "Quality  #1 ID  #2 ID  #1 String  #2 String", the train rows
// split by the dev pairs) and test.tsv (an index column instead of the label), in `dest`.
class MrpcFiles {
 public:
  // Throws hwb::Error naming the file and line of a row that is not five tab-separated fields,
  // and when dev pairs are missing from the train file.
  static void build(const std::filesystem::path& msr_train, const std::filesystem::path& msr_test,
                    const std::filesystem::path& dev_ids, const std::filesystem::path& dest);
};

}  // namespace hwb
