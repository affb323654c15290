// Working state shared by the phases of one cycle (cycle.cc, backfill_pass.cc). Private to
// src/core.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <utility>
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

// Walks the pending task indices of an array record in order without copying them.
struct TaskCursor {
  size_t range = 0;     // index into ArrayTasks::pending
  uint64_t offset = 0;  // tasks taken from that range
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
  bool started = false;  // nothing of the job is left to start (an array: every task)
  bool evaluated = false;
  std::optional<Timestamp> expected_start;
  // Arrays: the next task to start and how many started this cycle.
  TaskCursor cursor;
  uint32_t tasks_started = 0;
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
  std::vector<QueuedPair> queue;        // sorted
  std::vector<JobWork> work;            // parallel to jobs
  std::vector<int32_t> job_partitions;  // flat storage of JobWork partition lists
  CycleResult result;

  // The array task that would start next, or nullopt when none is left; for a plain job, 0
  // until it starts.
  std::optional<uint32_t> NextTask(size_t job) const;
  // Why the job cannot start one more task now for reasons of its own (array throttle,
  // singleton), or nullopt.
  std::optional<PendingReason> TaskBlocker(size_t job) const;
  // Records a start decision (one task of an array) and updates the pool, limits and cursor.
  void Start(const QueuedPair& pair, const std::vector<int32_t>& nodes, bool backfilled);

  // (name, user) of running jobs and of jobs started this cycle: --dependency=singleton.
  std::set<std::pair<std::string, std::string>> running_names;
  // Running jobs already picked as victims in this cycle.
  std::vector<bool> victim_taken;
  // The QoS each running job runs under (LimitTracker::EffectiveQos), parallel to
  // in.cluster->running; nullptr when none applies.
  std::vector<const Qos*> running_qos;
};

// Phase 4: the backfill planner over the queue (backfill_pass.cc).
void RunBackfillPass(CycleState& state);

// Phase 5: expected starts of jobs held back by a limit on running jobs or GPUs: when running
// jobs ending free enough (limit_release_pass.cc).
void PublishLimitReleaseTimes(CycleState& state);

// During the main pass, for a job that does not fit for lack of resources (preemption_pass.cc):
// makes room by preemption, or finds the room its earlier victims are still freeing. Returns true
// when the job now holds nodes in the pool (it starts once its victims are gone).
bool TryPreemption(CycleState& state, const QueuedPair& pair);

// The limit in.cluster->running[running_index] holds its nodes under (its own, else its
// partition's, else its QoS's or account's MaxWall), or nullopt.
std::optional<Seconds> RunningTimeLimit(size_t running_index, const CycleState& state);

}  // namespace fairway::core::internal
