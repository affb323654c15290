// The names Fairway's controllers put on Kubernetes objects (DESIGN.md "Names", "Contracts that
// matter"): labels and annotations on pods, user-action annotations on Jobs, the scheduler name.
//
// User actions on a Job (the kubectl plugin writes these; `kubectl annotate` works as well):
//   spec.hold: true|false              hold (JobHeldUser, no pods are created) / release.
//   annotation fairway.dev/cancel      any value: cancel (pending -> CANCELLED at once; running:
//                                      pods are deleted, state CANCELLED).
//   annotation fairway.dev/requeue     a token (e.g. a timestamp): requeue a running job once per
//                                      distinct token: pods are deleted, the job goes back to
//                                      PENDING with the same jobID and restarts+1.
//   annotation fairway.dev/requeue-hold  as requeue, and the job comes back held (spec.hold is
//                                      set to true, so `release` clears it).
// A token already acted upon is remembered in status (condition "Requeued", its message holds the
// token) so a restarted operator does not requeue twice.
//
// Per-task actions on an array Job (slurm-semantics.md §4, §6: `scancel 20_[1-3]`, `hold 20_4`).
// Each value is an index list in array-spec syntax ("4,7-9"; api/array_task_list.h); the plugin
// merges new indices into an existing list. Indices that are not tasks of the array are ignored.
//   fairway.dev/cancel-tasks    cancel these tasks: pending ones leave the pending set and are
//                               recorded CANCELLED (status.array.taskIndices); running ones have
//                               their pods deleted and end CANCELLED. Kept: acting again is a
//                               no-op.
//   fairway.dev/hold-tasks      held tasks: pending ones are not offered to the scheduler
//                               (JobHeldUser); a running task is not affected until it pends again.
//   fairway.dev/release-tasks   released tasks: removed from hold-tasks. Held = hold - release at
//                               all times; the operator then folds the release into hold-tasks and
//                               removes release-tasks.
//   fairway.dev/requeue-tasks   requeue these running tasks: pods deleted, the task goes back to
//                               PENDING. Consumed: the operator removes the annotation once it
//                               has acted (the status write comes first; a listed task that is not
//                               running is dropped, so a restart never requeues twice).
// A list that does not parse gives a Warning event (InvalidTaskList) and the condition
// "InvalidTaskAction" (its message names the annotation); the other lists still apply.
//
// Thread-safety: constants only.
#pragma once

#include <string_view>

namespace fairway::controllers {

inline constexpr std::string_view kSchedulerName = "fairway";
inline constexpr std::string_view kFieldManager = "fairway-operator";

// Labels on the pods of a job (DESIGN.md).
inline constexpr std::string_view kLabelJob = "fairway.dev/job";
inline constexpr std::string_view kLabelJobId = "fairway.dev/job-id";
inline constexpr std::string_view kLabelArrayIndex = "fairway.dev/array-index";
inline constexpr std::string_view kLabelNodeIndex = "fairway.dev/node-index";
inline constexpr std::string_view kLabelPartition = "fairway.dev/partition";
inline constexpr std::string_view kLabelAccount = "fairway.dev/account";
inline constexpr std::string_view kLabelUser = "fairway.dev/user";
// Not in DESIGN.md's list, added so pods of an earlier run of a requeued job are told apart.
inline constexpr std::string_view kLabelRestarts = "fairway.dev/restarts";

// Node labels that carry the GPU type, in lookup order.
inline constexpr std::string_view kNodeGpuTypeLabel = "fairway.dev/gpu-type";
inline constexpr std::string_view kNodeGpuProductLabel = "nvidia.com/gpu.product";
inline constexpr std::string_view kGpuResource = "nvidia.com/gpu";

// User actions (see the file comment).
inline constexpr std::string_view kAnnotationCancel = "fairway.dev/cancel";
inline constexpr std::string_view kAnnotationRequeue = "fairway.dev/requeue";
inline constexpr std::string_view kAnnotationRequeueHold = "fairway.dev/requeue-hold";
inline constexpr std::string_view kAnnotationCancelTasks = "fairway.dev/cancel-tasks";
inline constexpr std::string_view kAnnotationHoldTasks = "fairway.dev/hold-tasks";
inline constexpr std::string_view kAnnotationReleaseTasks = "fairway.dev/release-tasks";
inline constexpr std::string_view kAnnotationRequeueTasks = "fairway.dev/requeue-tasks";
// Written by the operator on a Job whose running instances were chosen as preemption victims
// (job_status.h, PreemptMark).
inline constexpr std::string_view kAnnotationPreemptedBy = "fairway.dev/preempted-by";
// Copied from the Job to its pods (the sandbox's kubelet simulator reads them).
inline constexpr std::string_view kAnnotationSimDuration = "fairway.dev/sim-duration";
inline constexpr std::string_view kAnnotationSimExitCode = "fairway.dev/sim-exit-code";

// Port MASTER_ADDR serves on for multi-node jobs (torch.distributed's customary port).
inline constexpr int kMasterPort = 29500;

}  // namespace fairway::controllers
