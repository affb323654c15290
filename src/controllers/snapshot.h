// SnapshotBuilder: the Kubernetes objects the informers hold -> one cycle's core::ClusterState
// and pending queue (DESIGN.md "Contracts that matter"; kubernetes-api.md §6).
//
//   nodes      -> core::Node (allocatable cpu/memory/nvidia.com/gpu, GPU type label, taints,
//                 Ready, cordon)
//   pods       -> every pod with spec.nodeName and a non-terminal phase holds its request
//                 (max(sum containers, max init) + overhead) on its node, whatever its scheduler;
//                 pods of a running Fairway job instance are that job's allocation (counted
//                 once, through ClusterState::running), all others go to used_by_other_pods.
//   Jobs       -> running instances (status RUNNING, array tasks RUNNING in status.array.tasks)
//                 and pending records (a job; an array as one record whose ArrayTasks lists the
//                 indices not started yet, with its %M throttle and running count). Dependencies
//                 are evaluated here (core::Job::dependency); a lone "singleton" is left to the
//                 core. Jobs without a jobID yet are skipped; jobs whose spec does not convert
//                 are listed in `held_back` (the driver marks them FAILED with the message).
//   marks      -> preemption marks (job_status.h): a marked running instance gets
//                 core::Job::preempted_by; a job requeued by a preemption whose preemptor still
//                 waits is not eligible yet (BeginTime, one second ahead), so it cannot take the
//                 room back before its preemptor starts (Slurm's requeue delay plays this part).
//   assumed    -> placements decided by earlier cycles whose status write the informer has not
//                 delivered yet: treated as running, so no GPU is handed out twice.
//
// Array tasks: each task is its own core::Job. Task job ids come from a block the array
// reserves at submission: the array's jobID N covers N..N+count-1; the task at position p (in
// index order) gets N+1+p, the last task gets N (as Slurm, where the array's own record becomes
// the last task).
//
// Thread-safety: pure functions over their inputs.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "api/account_types.h"
#include "api/array_spec.h"
#include "api/job_types.h"
#include "api/partition_types.h"
#include "api/qos_types.h"
#include "controllers/cycle_job.h"
#include "controllers/shared_object.h"
#include "core/job_state.h"
#include "core/model.h"

namespace fairway::controllers {

// Everything the informers hold, decoded where Fairway owns the kind.
struct ClusterObjects {
  std::vector<core::Node> nodes;   // decoded (NodeFromJson)
  std::vector<SharedObject> pods;  // shared with the informer's cache
  std::vector<CycleJob> jobs;      // by key (namespace/name)
  std::vector<api::PartitionObject> partitions;
  std::vector<api::AccountObject> accounts;
  std::vector<api::QosObject> qos;
};

// One schedulable unit: a job, or one task of an array job.
struct InstanceRef {
  size_t job = 0;                       // index into ClusterObjects::jobs
  std::optional<uint32_t> array_index;  // set for array tasks
  auto operator<=>(const InstanceRef&) const = default;
};

// A start decided by an earlier cycle, not yet visible in the informer's Job.
struct AssumedStart {
  std::string job_key;  // "namespace/name"
  std::optional<uint32_t> array_index;
  core::JobId id;
  core::PartitionName partition;
  std::vector<core::NodeName> nodes;
  core::Timestamp start_time{};
  std::optional<core::Seconds> time_limit;
};

struct HeldBack {
  size_t job = 0;
  core::PendingReason reason = core::PendingReason::kNone;
  std::string message;   // for invalid specs: the validation error
  bool invalid = false;  // the spec cannot run: FAILED (not retried)
};

struct Snapshot {
  core::ClusterState cluster;
  std::vector<InstanceRef> running_refs;  // parallel to cluster.running
  std::vector<core::Job> pending;
  std::vector<InstanceRef> pending_refs;  // parallel to pending
  std::vector<HeldBack> held_back;
  // Objects skipped because they do not decode (partitions, accounts, QoS), for events/logs.
  std::vector<std::string> warnings;
};

struct SnapshotOptions {
  core::Timestamp now{};
};

Snapshot BuildSnapshot(const ClusterObjects& objects, const std::vector<AssumedStart>& assumed,
                       const SnapshotOptions& options);

// Array task helpers.
uint64_t ArrayTaskJobId(const api::ArraySpec& spec, uint64_t array_job_id, uint32_t index);
// The state of every index that is not PENDING: task records, and the taskIndices lists of
// ended tasks without one.
std::map<uint32_t, core::JobState> ArrayTaskStates(const api::ArrayStatus& status);
// The core view of one array task (id, key "ns/name_<index>", name).
core::Job ArrayTaskJob(const core::Job& array_job, const api::ArraySpec& spec, uint32_t index);

// The jobIDs of jobs still waiting to start (state PENDING, a jobID assigned).
std::set<uint64_t> PendingJobIds(const ClusterObjects& objects);

// PendingJobIds, computed on the first question: only Jobs with preemption marks ask, and the
// answer walks every Job (100,000 set insertions per cycle at scale for nothing otherwise).
class LazyPendingJobIds {
 public:
  // REQUIRES: `objects` outlives this and does not change while it is asked.
  explicit LazyPendingJobIds(const ClusterObjects& objects) : objects_(objects) {}
  bool Contains(uint64_t id) {
    if (!ids_.has_value()) ids_ = PendingJobIds(objects_);
    return ids_->count(id) > 0;
  }

 private:
  const ClusterObjects& objects_;
  std::optional<std::set<uint64_t>> ids_;
};

enum class DependencyState { kSatisfied, kWaiting, kNever };
// Evaluates job.spec.dependency against the other jobs (slurm-semantics.md §6).
DependencyState EvaluateDependency(const api::JobObject& job, const std::vector<CycleJob>& jobs,
                                   core::Timestamp now);

}  // namespace fairway::controllers
