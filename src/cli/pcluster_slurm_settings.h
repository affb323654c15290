// slurm.conf parameters from a ParallelCluster configuration's CustomSlurmSettings, mapped to
// what Fairway has for them (import_pcluster.h): cluster-wide parameters to keys of the settings
// file (src/config/scheduler_settings.h, admission_settings.h), a queue's partition parameters
// to Partition spec fields. A parameter without a Fairway equivalent, or with a value Fairway
// would refuse, is reported with the reason instead, never dropped silently.
//
//   PriorityWeight{Age,Fairshare,JobSize,Partition,QOS,Assoc}  priority.weights.*
//   PriorityWeightTRES=GRES/gpu=N   priority.weights.tresGpu
//   PriorityMaxAge, PriorityCalcPeriod, PriorityFavorSmall       priority.*
//   PriorityFlags=ACCRUE_ALWAYS,NO_FAIR_TREE                       priority.accrueAlways,
//   fairShare.algorithm PriorityDecayHalfLife, FairShareDampeningFactor               fairShare.*
//   SchedulerType=sched/backfill|sched/builtin                    backfill.enabled
//   SchedulerParameters=bf_interval=..,bf_window=..,bf_resolution=..,bf_max_job_test=..,
//     bf_max_job_start=..,bf_job_part_count_reserve=..,bf_min_prio_reserve=..,
//     default_queue_depth=..                                      backfill.*,
//     scheduler.mainQueueDepth
//   PreemptType=preempt/qos|preempt/partition_prio|preempt/none  preemption.*
//   MaxArraySize                                                  limits.maxArraySize
// Partition parameters: MaxTime, DefaultTime, MaxNodes, AllowAccounts, DenyAccounts, AllowGroups,
// AllowQos, PriorityJobFactor, PriorityTier, PreemptMode, State, Default.
//
// Thread-safety: pure functions.
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>
#include <vector>

namespace fairway::cli {

// Something of the ParallelCluster file that the import did not carry over, and why.
struct Unmapped {
  std::string path;  // "Scheduling.SlurmQueues[0].ComputeResources[1].Efa"
  std::string reason;
};

// Maps the cluster-wide parameter `key=value` (found at `path`) into `settings`, a mapping in
// the settings file's layout; adds to `unmapped` what has no equivalent.
void MapClusterParameter(const std::string& path, const std::string& key, const std::string& value,
                         YAML::Node settings, std::vector<Unmapped>* unmapped);

// Maps the partition parameter `key=value` of a queue into `spec`, the Partition's spec.
void MapPartitionParameter(const std::string& path, const std::string& key,
                           const std::string& value, YAML::Node spec,
                           std::vector<Unmapped>* unmapped);

}  // namespace fairway::cli
