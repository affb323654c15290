#include "core/job_state.h"

#include <array>
#include <utility>

namespace fairway::core {
namespace {

struct StateNames {
  JobState state;
  std::string_view name;
  std::string_view code;
};

constexpr std::array<StateNames, 10> kStates = {{
    {JobState::kPending, "PENDING", "PD"},
    {JobState::kRunning, "RUNNING", "R"},
    {JobState::kCompleted, "COMPLETED", "CD"},
    {JobState::kCancelled, "CANCELLED", "CA"},
    {JobState::kFailed, "FAILED", "F"},
    {JobState::kTimeout, "TIMEOUT", "TO"},
    {JobState::kNodeFail, "NODE_FAIL", "NF"},
    {JobState::kPreempted, "PREEMPTED", "PR"},
    {JobState::kOutOfMemory, "OUT_OF_MEMORY", "OOM"},
    {JobState::kRequeued, "REQUEUED", "RQ"},
}};

constexpr std::array<std::pair<PendingReason, std::string_view>, 34> kReasons = {{
    {PendingReason::kNone, "None"},
    {PendingReason::kPriority, "Priority"},
    {PendingReason::kResources, "Resources"},
    {PendingReason::kNodesReservedForHigherPriority,
     "Nodes required for job are DOWN, DRAINED or reserved for jobs in higher priority "
     "partitions"},
    {PendingReason::kDependency, "Dependency"},
    {PendingReason::kDependencyNeverSatisfied, "DependencyNeverSatisfied"},
    {PendingReason::kBeginTime, "BeginTime"},
    {PendingReason::kJobHeldUser, "JobHeldUser"},
    {PendingReason::kJobHeldAdmin, "JobHeldAdmin"},
    {PendingReason::kPartitionDown, "PartitionDown"},
    {PendingReason::kPartitionInactive, "PartitionInactive"},
    {PendingReason::kPartitionTimeLimit, "PartitionTimeLimit"},
    {PendingReason::kPartitionNodeLimit, "PartitionNodeLimit"},
    {PendingReason::kPartitionConfig, "PartitionConfig"},
    {PendingReason::kAccountNotAllowed, "AccountNotAllowed"},
    {PendingReason::kQosNotAllowed, "QOSNotAllowed"},
    {PendingReason::kInvalidAccount, "InvalidAccount"},
    {PendingReason::kInvalidQos, "InvalidQOS"},
    {PendingReason::kBadConstraints, "BadConstraints"},
    {PendingReason::kNodeDown, "NodeDown"},
    {PendingReason::kJobArrayTaskLimit, "JobArrayTaskLimit"},
    {PendingReason::kAssocGrpGres, "AssocGrpGRES"},
    {PendingReason::kAssocGrpJobsLimit, "AssocGrpJobsLimit"},
    {PendingReason::kAssocGrpSubmitJobsLimit, "AssocGrpSubmitJobsLimit"},
    {PendingReason::kAssocMaxJobsLimit, "AssocMaxJobsLimit"},
    {PendingReason::kAssocMaxSubmitJobsLimit, "AssocMaxSubmitJobLimit"},
    {PendingReason::kAssocMaxWallDurationPerJobLimit, "AssocMaxWallDurationPerJobLimit"},
    {PendingReason::kQosGrpGres, "QOSGrpGRES"},
    {PendingReason::kQosGrpJobsLimit, "QOSGrpJobsLimit"},
    {PendingReason::kQosGrpSubmitJobsLimit, "QOSGrpSubmitJobsLimit"},
    {PendingReason::kQosMaxJobsPerUserLimit, "QOSMaxJobsPerUserLimit"},
    {PendingReason::kQosMaxSubmitJobsPerUserLimit, "QOSMaxSubmitJobPerUserLimit"},
    {PendingReason::kQosMaxGresPerUser, "QOSMaxGRESPerUser"},
    {PendingReason::kQosMaxWallDurationPerJobLimit, "QOSMaxWallDurationPerJobLimit"},
}};

}  // namespace

std::string_view JobStateName(JobState state) {
  for (const auto& s : kStates) {
    if (s.state == state) return s.name;
  }
  return "UNKNOWN";
}

std::string_view JobStateCode(JobState state) {
  for (const auto& s : kStates) {
    if (s.state == state) return s.code;
  }
  return "?";
}

std::optional<JobState> ParseJobState(std::string_view name) {
  for (const auto& s : kStates) {
    if (s.name == name || s.code == name) return s.state;
  }
  return std::nullopt;
}

bool IsTerminal(JobState state) {
  switch (state) {
    case JobState::kPending:
    case JobState::kRunning:
    case JobState::kRequeued:
      return false;
    default:
      return true;
  }
}

std::string_view PendingReasonName(PendingReason reason) {
  for (const auto& [r, name] : kReasons) {
    if (r == reason) return name;
  }
  return "None";
}

std::optional<PendingReason> ParsePendingReason(std::string_view name) {
  for (const auto& [r, n] : kReasons) {
    if (n == name) return r;
  }
  return std::nullopt;
}

bool IsJobSpecificReason(PendingReason reason) {
  switch (reason) {
    case PendingReason::kNone:
    case PendingReason::kPriority:
    case PendingReason::kResources:
    case PendingReason::kNodesReservedForHigherPriority:
      return false;
    default:
      return true;
  }
}

}  // namespace fairway::core
