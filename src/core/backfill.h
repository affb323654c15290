// The backfill planner (slurm-semantics.md §3; STYLE.md §6, §11): after the main pass, walk the
// pending (job, partition) pairs in priority order over a node-time availability map; give each
// blocked job a reservation at its earliest start; start a lower-priority job now only if it fits
// without touching any reservation.
//
// Steps, one function each:
//   BackfillPlanner(...)      build the map: per node, free resources now, growing back exactly
//                             when running jobs reach start + time limit
//   EarliestStart(job, p)     the first candidate time t (now, or a time when resources come back)
//                             within now + window at which `nodes` nodes of the partition can
//                             each hold the job for [t, t + limit); best fit among them
//   Reserve(job, plan)        take the planned nodes over [start, end), both rounded down to the
//                             resolution as Slurm's map does (so a later job may be planned up to
//                             resolution - 1 s before the reserved job ends): whole nodes (Slurm's
//                             choice) or only the job's request
//   StartNow(job, plan)       take the job's request from now until its limit
//
// Matches real Slurm 22.05 (tools/slurm-lab, scenarios a and f): planned starts are the exact end
// times of running jobs (start + limit), reservation ends are rounded down, every planned job is
// protected (conservative) unless job_part_count_reserve limits reservations.
//
// Unlike Slurm, nothing here reads a clock or yields: work is bounded by counts (max_job_test),
// and the planner works on a snapshot, so a trace replays identically.
//
// Thread-safety: thread-compatible; one planner per cycle.
#pragma once

#include <cstdint>
#include <optional>
#include <tuple>
#include <vector>

#include "core/config.h"
#include "core/node_timeline.h"
#include "core/placement.h"

namespace fairway::core {

// Resources a job holds on some nodes until `end_s` (kForever without a limit).
struct Occupation {
  std::vector<int32_t> nodes;  // NodePool indices
  Resources per_node;
  int64_t end_s = NodeTimeline::kForever;
};

struct BackfillPlan {
  int64_t start_s = 0;
  std::vector<int32_t> nodes;
};

class BackfillPlanner {
 public:
  // `pool` gives each node's free resources now (after the main pass); `occupations` are the
  // running jobs and the main pass's starts, which give their resources back at their end.
  BackfillPlanner(const NodePool& pool, const std::vector<Occupation>& occupations, int64_t now,
                  const BackfillConfig& config);

  // Earliest start of `job` in partition `p` for `duration_s` (kForever: no limit); nullopt when
  // it cannot start within the window.
  std::optional<BackfillPlan> EarliestStart(const Job& job, int32_t p, int64_t duration_s);

  void Reserve(const Job& job, const BackfillPlan& plan, int64_t duration_s);
  void StartNow(const Job& job, const BackfillPlan& plan, int64_t duration_s);

  int64_t now() const { return now_; }

 private:
  int64_t RoundDown(int64_t t) const { return t / resolution_s_ * resolution_s_; }
  // Adds a time at which resources come back to the sorted candidate list.
  void AddCandidate(int64_t t);

  const NodePool& pool_;
  const BackfillConfig& config_;
  int64_t now_;
  int64_t resolution_s_;
  int64_t horizon_;  // now + window: the latest start considered
  std::vector<NodeTimeline> timelines_;
  // Sorted, unique: now, then every time a node's free resources grow (candidate starts).
  std::vector<int64_t> candidates_;
  // Scratch buffers reused across jobs.
  std::vector<std::pair<int64_t, int64_t>> intervals_;
  std::vector<std::pair<int32_t, std::pair<int64_t, int64_t>>> node_intervals_;
  std::vector<int32_t> coverage_;
  std::vector<std::tuple<int64_t, int64_t, int64_t, int32_t>> fits_;
};

}  // namespace fairway::core
