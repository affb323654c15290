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
};

struct SchedulerConfig {
  PriorityConfig priority;
  FairShareConfig fair_share;
  // Jobs tried per main pass (default_queue_depth); 0 = unlimited. A count, never wall time, so
  // a trace replays identically.
  uint32_t main_queue_depth = 0;
};

// Checks ranges: max_age > 0, dampening_factor >= 1, weights finite, etc.
Status ValidateSchedulerConfig(const SchedulerConfig& config);

}  // namespace fairway::core
