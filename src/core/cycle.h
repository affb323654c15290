// One scheduling cycle as a function call (STYLE.md §6): RunCycle(input) -> decisions.
//
// The main pass, as Slurm's main scheduler (slurm-semantics.md §3):
//   1. Build the account tree, fair-share factors, node pool and priority normalisers.
//   2. For every pending job: held -> JobHeld*, begin time ahead -> BeginTime, bad account/QoS ->
//      InvalidAccount/InvalidQOS; else one (job, partition) pair per requested partition that
//      passes the partition checks (state, access, node count, time limit), each with its own
//      priority.
//   3. Sort the pairs: PriorityTier desc, priority desc, submit time asc, job id asc, key asc.
//   4. Walk them: a job whose partition is blocked gets Priority; one over a limit gets the
//      limit's reason (and does not block); one that fits starts now (best-fit nodes); the first
//      one that does not fit for lack of resources gets Resources and blocks its partition.
//   5. Backfill (backfill.h): walk the queue again over a node-time map; blocked jobs get
//      reservations and expected start times, later jobs start now where they delay none.
//   6. Expected starts that need no reservation (slurm-semantics.md §11): a job waiting for its
//      begin time (or a requeue delay) expects the begin time, as in Slurm; a job held back by
//      a limit on running jobs or GPUs expects the end of the running job that frees enough
//      (a Fairway addition: limit_release_pass.cc).
//
// Nothing here reads a clock or does I/O; the same input gives the same result.
// Thread-safety: RunCycle is a pure function of its input.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "core/account_context.h"
#include "core/config.h"
#include "core/fair_share.h"
#include "core/model.h"
#include "core/priority.h"
#include "core/runtime_prediction.h"
#include "core/usage_ledger.h"

namespace fairway::core {

struct CycleInput {
  Timestamp now{};
  // Not owned; must outlive the call.
  const ClusterState* cluster = nullptr;
  const std::vector<Job>* pending = nullptr;  // jobs in state PENDING
  const SchedulerConfig* config = nullptr;
  const UsageLedger* usage = nullptr;  // may be null: no usage yet
  // The account tree and fair-share table to use (see account_context.h); null: built from
  // `cluster->accounts` and `usage` for this cycle.
  std::shared_ptr<const AccountContext> accounts;
  // Run times of ended jobs, for backfill.runtime_prediction; null: no history (limits used).
  const RuntimeHistory* history = nullptr;
};

// Start `pending[pending_index]` (or, for an array, its task `array_task`) now on `nodes` in
// `partition`. An array record may get several start decisions in one cycle.
struct StartDecision {
  size_t pending_index = 0;
  JobId id;
  PartitionName partition;
  std::vector<NodeName> nodes;        // one per pod, rank order
  std::optional<Seconds> time_limit;  // the limit the job runs under; nullopt = unlimited
  QosName qos;                        // the QoS it runs under (EffectiveQosName: "" = none)
  PriorityBreakdown priority;
  bool backfilled = false;  // started by the backfill planner, not the main pass
  // For a job array: the task index started (the driver splits it off as its own job record).
  std::optional<uint32_t> array_task;
};

// Running jobs to preempt so that `pending[pending_index]` can start once they are gone.
struct PreemptVictim {
  size_t running_index = 0;  // into ClusterState::running
  JobId id;
  PreemptMode mode = PreemptMode::kCancel;  // kRequeue only for requeue-able jobs
  Seconds grace_period{0};                  // SIGTERM, then kill after this
};
struct PreemptDecision {
  size_t pending_index = 0;
  JobId preemptor;
  std::vector<PreemptVictim> victims;
};

// A running job that reached its time limit: end it as TIMEOUT.
struct TimeoutDecision {
  size_t running_index = 0;  // into ClusterState::running
  JobId id;
  Timestamp limit_reached{};
};

// Why `pending[pending_index]` stays pending (for an array: its tasks not started).
struct PendingDecision {
  size_t pending_index = 0;
  JobId id;
  PendingReason reason = PendingReason::kNone;
  PriorityBreakdown priority;  // in its best partition
  // Partitions it is queued in, by PriorityTier (desc) then name, as squeue shows them:
  // CycleResult::PartitionsOf(decision). (Stored flat: no allocation per pending job.)
  uint32_t partitions_begin = 0;
  uint32_t partitions_count = 0;
  bool evaluated = true;  // false when the queue depth cut the pass short
  // When it is expected to start (squeue --start): its backfill reservation, its begin time, or
  // when a limit on running jobs will allow it; nullopt when none of these applies.
  std::optional<Timestamp> expected_start;
};

struct CycleStats {
  int64_t pairs = 0;        // (job, partition) pairs queued
  int64_t pairs_tried = 0;  // pairs that reached the limit and placement checks
  int64_t started = 0;
  int64_t backfill_tested = 0;   // pairs the backfill planner tested
  int64_t backfill_started = 0;  // jobs it started
  int64_t reservations = 0;      // reservations it made
};

struct CycleResult {
  std::vector<StartDecision> started;          // in start order
  std::vector<PendingDecision> pending;        // every job not started, in input order
  std::vector<PartitionName> partition_names;  // the cluster's partitions, by index
  std::vector<int32_t> pending_partitions;     // flat lists of partition indices

  std::vector<PartitionName> PartitionsOf(const PendingDecision& d) const;
  std::vector<TimeoutDecision> timed_out;
  std::vector<PreemptDecision> preemptions;
  std::shared_ptr<const AccountContext> accounts;  // the tree and fair share the cycle used
  CycleStats stats;
};

CycleResult RunCycle(const CycleInput& input);

}  // namespace fairway::core
