#include "core/train/RankShare.h"

#include <algorithm>

#include "core/data/TaskDataset.h"
#include "core/util/Error.h"

namespace hwb {

RankShare rank_share(const TaskDataset& data, const std::vector<std::size_t>& rows, int rank,
                     int world, bool sum_over_tokens) {
  if (world < 1 || rank < 0 || rank >= world) {
    throw Error("rank " + std::to_string(rank) + " of " + std::to_string(world) +
                " processes does not exist");
  }
  std::vector<std::size_t> by_length = rows;
  std::stable_sort(by_length.begin(), by_length.end(), [&](std::size_t a, std::size_t b) {
    return data.source_ids(a).size() > data.source_ids(b).size();
  });
  RankShare share;
  for (std::size_t i = static_cast<std::size_t>(rank); i < by_length.size();
       i += static_cast<std::size_t>(world))
    share.rows.push_back(by_length[i]);

  const double ranks = static_cast<double>(world);
  if (sum_over_tokens) {
    share.loss_weight = ranks;
    return share;
  }
  const auto tokens = [&](const std::vector<std::size_t>& of) {
    std::size_t n = 0;
    for (std::size_t r : of) n += data.target_ids(r).size();
    return static_cast<double>(n);
  };
  share.loss_weight = tokens(share.rows) * ranks / std::max(1.0, tokens(rows));
  return share;
}

}  // namespace hwb
