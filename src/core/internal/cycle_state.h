// Working state shared by the phases of one cycle (cycle.cc, backfill_pass.cc). Private to
// src/core.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "core/account_tree.h"
#include "core/cycle.h"
#include "core/limits.h"
#include "core/placement.h"

namespace fairway::core::internal {

// One (job, partition) pair of the queue.
struct QueuedPair {
  size_t job = 0;         // index into pending
  int32_t partition = 0;  // NodePool partition index
  uint32_t tier = 0;
  uint32_t priority = 0;
  int64_t submit_s = 0;  // copied from the job so sorting stays in cache
  uint64_t id = 0;
  std::optional<Seconds> time_limit;
  PriorityBreakdown breakdown;
};

// Per-job working state.
struct JobWork {
  std::optional<PendingReason> reason;
  PriorityBreakdown priority;
  const Qos* qos = nullptr;
  JobRef ref;  // account, user association and QoS resolved once
  // Requested partitions (pool indices, by tier then name): job_partitions[begin, begin+count).
  uint32_t partitions_begin = 0;
  uint32_t partitions_count = 0;
  bool started = false;
  bool evaluated = false;
  std::optional<Timestamp> expected_start;
};

struct CycleState {
  CycleState(const CycleInput& in, std::shared_ptr<const AccountContext> accounts_in);

  const CycleInput& in;
  const std::vector<Job>& jobs;
  const SchedulerConfig& config;
  std::shared_ptr<const AccountContext> accounts;
  const AccountTree& tree;
  const FairShareTable& fair_share;
  NodePool pool;
  LimitTracker limits;
  std::vector<QueuedPair> queue;  // sorted
  std::vector<JobWork> work;      // parallel to jobs
  std::vector<int32_t> job_partitions;  // flat storage of JobWork partition lists
  CycleResult result;

  // Records a start decision and updates the pool and limits.
  void Start(const QueuedPair& pair, const std::vector<int32_t>& nodes, bool backfilled);
};

// Phase 4: the backfill planner over the queue (backfill_pass.cc).
void RunBackfillPass(CycleState& state);

// The limit a running job holds its nodes under (its own, else its partition's), or nullopt.
std::optional<Seconds> RunningTimeLimit(const Job& job, const CycleState& state);

}  // namespace fairway::core::internal
