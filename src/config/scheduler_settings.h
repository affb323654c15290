// The scheduler settings file (YAML) -> core::SchedulerConfig. One file configures the operator
// (a ConfigMap) and the simulator alike. Every key is optional; an unknown key, a wrong type or
// an out-of-range value is an error naming the key, so a typo never silently falls back to a
// default. Durations use Slurm time formats ("7-0", "14-00:00:00", "30" minutes).
//
//   priority:
//     weights: {age: 1000, fairShare: 10000, jobSize: 500, partition: 1000, qos: 2000, tresGpu: 0,
//               expansion: 0}   # expansion: Fairway's (wait / (wait + run)) factor, priority.h
//     maxAge: 7-0                 # PriorityMaxAge
//     favorSmall: false           # PriorityFavorSmall
//     jobSizeBasis: nodesAndCpus  # or gpus
//     accrueAlways: false         # PriorityFlags=ACCRUE_ALWAYS
//     calcPeriod: 5               # PriorityCalcPeriod (minutes, Slurm time format)
//   fairShare:
//     algorithm: fairTree         # or classic
//     decayHalfLife: 7-0          # PriorityDecayHalfLife; 0 disables decay
//     dampeningFactor: 1          # FairShareDampeningFactor (classic)
//     billing: {cpu: 0, memoryGiB: 0, gpu: 1}   # TRESBillingWeights
//   backfill:
//     enabled: true               # SchedulerType=sched/backfill (false: sched/builtin)
//     interval: 30                # bf_interval, seconds
//     window: 1-0                 # bf_window
//     resolution: 60              # bf_resolution, seconds
//     maxJobTest: 500             # bf_max_job_test
//     maxJobStart: 0              # bf_max_job_start; 0 = no cap
//     mode: conservative          # or easy (= jobPartCountReserve: 1)
//     jobPartCountReserve: 0      # bf_job_part_count_reserve; 0 = every blocked job reserves
//     minPrioReserve: 0           # bf_min_prio_reserve
//     reserveWholeNodes: true     # Slurm reserves whole nodes; false reserves only the request
//     runtimePrediction: off      # or userHistory: plan with the mean of the user's last two
//                                 # run times (core/runtime_prediction.h); still killed at limits
//     order: priority             # or shortestFirst: past the reservations (easy), backfill
//                                 # the shortest planned jobs first
//   preemption:
//     qos: true                   # preempt/qos: QoS `preempt` lists
//     partitionPriority: true     # preempt/partition_prio: higher PriorityTier preempts
//   scheduler:
//     mainQueueDepth: 0           # default_queue_depth; 0 = unlimited
//   admission: {...}              # read by ParseAdmissionSettings (admission_settings.h)
//   limits: {...}                 # read by ParseAdmissionSettings (admission_settings.h)
//   directory: {...}              # read by ParseDirectorySettings (directory_settings.h)
//   interactive: {...}            # read by ParseInteractiveSettings (interactive_settings.h)
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"
#include "core/config.h"

namespace fairway::config {

// Parses settings text. An empty document gives the defaults.
StatusOr<core::SchedulerConfig> ParseSchedulerSettings(std::string_view yaml_text);

// Reads and parses a settings file; errors name the file.
StatusOr<core::SchedulerConfig> LoadSchedulerSettingsFile(const std::string& path);

// Settings with the name reports give them: the `name:` key (empty when absent in text; from a
// file, the file name without its extension, "sim/settings/fcfs-easy.yaml" -> "fcfs-easy").
struct NamedSchedulerSettings {
  std::string name;
  core::SchedulerConfig config;
};
StatusOr<NamedSchedulerSettings> ParseNamedSchedulerSettings(std::string_view yaml_text);
StatusOr<NamedSchedulerSettings> LoadNamedSchedulerSettingsFile(const std::string& path);

}  // namespace fairway::config
