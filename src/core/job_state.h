// Slurm job states and pending reasons, with their exact Slurm spellings
// (slurm-semantics.md §5, §8).
#pragma once

#include <optional>
#include <string_view>

namespace fairway::core {

enum class JobState {
  kPending,
  kRunning,
  kCompleted,
  kCancelled,
  kFailed,
  kTimeout,
  kNodeFail,
  kPreempted,
  kOutOfMemory,
  kRequeued,  // transient flag state between a requeue and the next PENDING
};

// "PENDING", "RUNNING", ...
std::string_view JobStateName(JobState state);
// squeue's compact code: "PD", "R", "CD", "CA", "F", "TO", "NF", "PR", "OOM", "RQ".
std::string_view JobStateCode(JobState state);
std::optional<JobState> ParseJobState(std::string_view name);
bool IsTerminal(JobState state);

enum class PendingReason {
  kNone,
  kPriority,
  kResources,
  // Slurm's text for a job whose nodes are held back for a blocked higher-priority job of
  // another partition that shares them: "Nodes required for job are DOWN, DRAINED or reserved
  // for jobs in higher priority partitions". Blocks its partition like Resources.
  kNodesReservedForHigherPriority,
  kDependency,
  kDependencyNeverSatisfied,
  kBeginTime,
  kJobHeldUser,
  kJobHeldAdmin,
  kPartitionDown,
  kPartitionInactive,
  kPartitionTimeLimit,
  kPartitionNodeLimit,
  kPartitionConfig,
  kAccountNotAllowed,
  kQosNotAllowed,
  kInvalidAccount,
  kInvalidQos,
  kBadConstraints,
  kNodeDown,
  kJobArrayTaskLimit,
  // Association (account/user) limits.
  kAssocGrpGres,
  kAssocGrpJobsLimit,
  kAssocGrpSubmitJobsLimit,
  kAssocMaxJobsLimit,
  kAssocMaxSubmitJobsLimit,
  kAssocMaxWallDurationPerJobLimit,
  // QoS limits.
  kQosGrpGres,
  kQosGrpJobsLimit,
  kQosGrpSubmitJobsLimit,
  kQosMaxJobsPerUserLimit,
  kQosMaxSubmitJobsPerUserLimit,
  kQosMaxGresPerUser,
  kQosMaxWallDurationPerJobLimit,
};

// The exact Slurm spelling ("Resources", "AssocGrpGRES", "QOSMaxGRESPerUser", ...).
std::string_view PendingReasonName(PendingReason reason);
std::optional<PendingReason> ParsePendingReason(std::string_view name);

// True for reasons caused by the job itself or its limits rather than by higher-priority jobs or
// busy resources: such a job does not block its partition in the main scheduler pass.
bool IsJobSpecificReason(PendingReason reason);

}  // namespace fairway::core
