#pragma once

#include <cstddef>
#include <vector>

namespace hwb {

class TaskDataset;

// One rank's part of a data-parallel batch. Every rank draws the same global batch; each trains on
// its share and weights its loss so that the averaged gradients are those of one process with the
// whole batch.
struct RankShare {
  std::vector<std::size_t> rows;  // rows of the dataset, this rank's
  // What this rank's loss is multiplied by before backward. A loss averaged over this rank's
  // target tokens counts in proportion to all ranks' tokens (world * mine / all); a summed loss
  // counts once per rank (world), since the gradients are averaged over ranks.
  double loss_weight = 1.0;
};

// Rank `rank` of `world`'s share of `rows` (rows of `data`): the batch sorted by source length and
// dealt out in turn, so that every rank pads to about the same length and none waits long for the
// others at the all-reduce; the loss weight makes any split give the same update. Needs no
// communication: the token counts come from the data every rank has.
RankShare rank_share(const TaskDataset& data, const std::vector<std::size_t>& rows, int rank,
                     int world, bool sum_over_tokens);

}  // namespace hwb
