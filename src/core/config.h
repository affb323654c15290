// Cluster-wide scheduler settings (DESIGN.md: one YAML file, loaded by src/config). Every option
// is commented and defaulted as Slurm defaults it, unless noted.
//
// Thread-safety: plain values.
#pragma once

#include <cstdint>
#include <string>

#include "common/status.h"
#include "core/types.h"

namespace fairway::core {

// PriorityWeight* (slurm.conf). All default 0 in Slurm: a factor matters only if weighted.
struct PriorityWeights {
  uint32_t age = 0;
  uint32_t fair_share = 0;
  uint32_t job_size = 0;
  uint32_t partition = 0;
  uint32_t qos = 0;
  uint32_t assoc = 0;
  double tres_gpu = 0;  // PriorityWeightTRES=GRES/gpu=...
  // Not in Slurm: the expansion factor, wait / (wait + planned run) (priority.h).
  uint32_t expansion = 0;
};

// How F_size is measured (slurm-semantics.md §1 leaves the GPU choice to us).
enum class JobSizeBasis {
  kNodesAndCpus,  // Slurm: (nodes/total_nodes + cpus/total_cpus) / 2
  kGpus,          // Fairway option: gpus/total_gpus
};

struct PriorityConfig {
  PriorityWeights weights;
  Seconds max_age{7 * 86400};  // PriorityMaxAge, default 7-0
  bool favor_small = false;    // PriorityFavorSmall
  JobSizeBasis job_size_basis = JobSizeBasis::kNodesAndCpus;
  bool accrue_always = false;  // PriorityFlags=ACCRUE_ALWAYS: age from submit time
  // PriorityCalcPeriod (Slurm default 5 min): priorities, age included, are those of the last
  // pass (PriorityPassTime: multiples of the period since the epoch); drivers that cache fair
  // share recompute it once per period too.
  Seconds calc_period{300};
};

enum class FairShareAlgorithm { kFairTree, kClassic };

// TRESBillingWeights: billing = sum(weight * count) over the allocation.
struct BillingWeights {
  double cpu_per_core = 0;  // Slurm's default is CPU=1; Fairway bills GPUs by default
  double memory_per_gib = 0;
  double gpu = 1.0;
};

struct FairShareConfig {
  FairShareAlgorithm algorithm = FairShareAlgorithm::kFairTree;
  Seconds decay_half_life{7 * 86400};  // PriorityDecayHalfLife; 0 = no decay
  double dampening_factor = 1.0;       // FairShareDampeningFactor (classic only)
  BillingWeights billing;
  // Count Slurm's automatic root/root user association (1 share, never any usage) as Slurm
  // does: Fair Tree factors become rank/(N+1) (e.g. 0.2/0.4 where they would be 0.25/0.5) and
  // top-level NormShares shrink by one share. false ranks only real users (fair_share.h).
  bool root_user_association = true;
};

// What the backfill planner plans a job's duration with (runtime_prediction.h).
enum class RuntimePrediction {
  kOff,          // the time limit, as Slurm
  kUserHistory,  // the mean of the user's last two run times, capped at the limit (Fairway)
};

// The order the backfill planner tries jobs in.
enum class BackfillOrder {
  kPriority,       // queue (priority) order, as Slurm
  kShortestFirst,  // reservations in priority order, then the rest shortest planned first
};

// The backfill planner (SchedulerType=sched/backfill; slurm-semantics.md §3). Defaults are
// Slurm's.
struct BackfillConfig {
  bool enabled = true;
  // bf_interval: how often the driver runs a cycle with the planner; cycles between run the main
  // pass only (the core itself plans whenever `enabled`; the driver sets it per cycle).
  Seconds interval{30};
  Seconds window{86400};        // bf_window: how far ahead reservations are planned (1440 min)
  Seconds resolution{60};       // bf_resolution: the time map's quantum
  uint32_t max_job_test = 500;  // bf_max_job_test: (job, partition) pairs tested per cycle
  uint32_t max_job_start = 0;   // bf_max_job_start: jobs started by backfill per cycle; 0 = no cap
  // bf_job_part_count_reserve: reservations per partition per cycle; 0 = every blocked job
  // reserves (conservative). 1 gives EASY backfilling (only the first blocked job reserves).
  uint32_t job_part_count_reserve = 0;
  uint32_t min_prio_reserve = 0;  // bf_min_prio_reserve: lower priorities only test "start now"
  // Slurm reserves whole nodes for planned jobs ("for speed"); false reserves only the job's
  // per-node request, letting other jobs share a planned node's remaining GPUs.
  bool reserve_whole_nodes = true;
  // Plan with predicted run times instead of limits (jobs are still killed at their limit).
  RuntimePrediction runtime_prediction = RuntimePrediction::kOff;
  // kShortestFirst matters only when reservations are limited (jobPartCountReserve > 0, EASY):
  // jobs past a partition's reservations are tried shortest planned duration first.
  BackfillOrder order = BackfillOrder::kPriority;
};

// Which preemption rules apply (slurm-semantics.md §8). Nothing is preempted unless a QoS lists
// QoSes it may preempt, or a lower-tier partition has a PreemptMode other than OFF.
struct PreemptionConfig {
  bool by_qos = true;             // preempt/qos: a QoS's `preempt` list
  bool by_partition_tier = true;  // preempt/partition_prio: higher PriorityTier preempts lower
};

struct SchedulerConfig {
  PriorityConfig priority;
  FairShareConfig fair_share;
  BackfillConfig backfill;
  PreemptionConfig preemption;
  // Jobs tried per main pass (default_queue_depth); 0 = unlimited. A count, never wall time, so
  // a trace replays identically.
  uint32_t main_queue_depth = 0;
};

// Checks ranges: max_age > 0, dampening_factor >= 1, weights finite, etc.
Status ValidateSchedulerConfig(const SchedulerConfig& config);

}  // namespace fairway::core
