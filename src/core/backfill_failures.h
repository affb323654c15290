// Requests the backfill planner already found no start for within its window, so that the same
// or a larger request is refused without another scan of every node.
//
// Why this is exact: within one planning pass the node-time map only loses free resources
// (reservations and starts take, nothing gives back), and every time at which a node's free
// resources grow is a candidate start. So if no `k` nodes could each hold request `r` for `d`
// seconds from a common candidate time before the horizon, no later state lets `k' >= k` nodes
// hold `r' >= r` for `d' >= d` either, on the same (or a smaller) set of eligible nodes.
// The eligible nodes are fixed by the partition and the job's node filters, which form the key;
// jobs with tolerations are not remembered (their filter would need the taint rules in the key).
//
// Thread-safety: thread-compatible; owned by one planner.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "core/model.h"

namespace fairway::core {

class BackfillFailures {
 public:
  // True when a request no larger than `job`'s (per node, node count) and no longer than
  // `duration_s`, with the same filters in partition `p`, already failed.
  bool Covers(const Job& job, int32_t p, int64_t duration_s) const;
  // Remembers that `job` found no start in partition `p` for `duration_s`.
  void Add(const Job& job, int32_t p, int64_t duration_s);

 private:
  struct Failure {
    Resources per_node;
    int64_t duration_s = 0;
    int32_t node_count = 0;
  };
  // Partition, exclusive, GPU type (when the job asks for GPUs), constraint labels.
  using Key = std::tuple<int32_t, bool, std::string, Labels>;
  static bool Rememberable(const Job& job) { return job.tolerations.empty(); }
  static Key KeyOf(const Job& job, int32_t p);

  // Per key, failures none of which is covered by another.
  std::map<Key, std::vector<Failure>> failures_;
};

}  // namespace fairway::core
