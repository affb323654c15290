// The free resources of one node as a step function of time: the node-time availability map
// behind backfill (Slurm's node_space_map_t, per node and per resource).
//
//   times_[0] = now < times_[1] < ... ;  free_[i] holds over [times_[i], times_[i+1])
//   the last step holds until kForever.
//
// Thread-safety: thread-compatible.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "core/types.h"

namespace fairway::core {

class NodeTimeline {
 public:
  // "Never" for end times: jobs without a time limit, pods of other schedulers.
  static constexpr int64_t kForever = INT64_MAX / 4;

  NodeTimeline(int64_t now, const Resources& free_now);

  // Resources come back at `t` (a running job ends then): free grows from t on.
  void Release(int64_t t, const Resources& r);
  // Resources are taken over [from, to).
  void Take(int64_t from, int64_t to, const Resources& r);
  // Everything free is taken over [from, to): a whole-node reservation.
  void TakeAll(int64_t from, int64_t to);

  Resources FreeAt(int64_t t) const;
  // The most of each resource free at any step starting at or before `t` (component-wise).
  Resources MaxFreeUntil(int64_t t) const;

  // Appends the closed intervals [a, b] of start times t >= now at which `request` stays free
  // for all of [t, t + duration), those with a <= `latest_start` only. With `exclusive`, the
  // node must be entirely free (`full`) instead. b may be kForever.
  void FeasibleStarts(const Resources& request, int64_t duration, bool exclusive,
                      const Resources& full, int64_t latest_start,
                      std::vector<std::pair<int64_t, int64_t>>* out) const;

  size_t step_count() const { return times_.size(); }

 private:
  // Makes `t` a step boundary; returns the index of the step starting at t.
  size_t SplitAt(int64_t t);

  std::vector<int64_t> times_;
  std::vector<Resources> free_;
};

}  // namespace fairway::core
