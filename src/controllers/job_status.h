// JobStatusWriter: pure functions that turn scheduling decisions and observed pods into
// Job.status (slurm-semantics.md §5, §6), plus the status of Accounts and Partitions.
//
// Job lifecycle as the controllers drive it:
//
//            +--hold/deps/limits: reason--+
//            v                            |
//   (new) -> PENDING --start--> RUNNING --all pods Succeeded--> COMPLETED (exitCode 0)
//     jobID    |  ^                |  |--a pod Failed--------> FAILED (exitCode)
//   assigned   |  |                |  |--limit passed--------> TIMEOUT (pods deleted)
//              |  +--requeue-------+  +--node lost: requeue? -> PENDING (restarts+1) | NODE_FAIL
//              +--cancel--> CANCELLED <--cancel--+
//
// Arrays: status.state is RUNNING while any task runs, PENDING while tasks wait, and once every
// task ended COMPLETED if all completed, else the state of the last non-COMPLETED task outcome
// (FAILED/TIMEOUT/...). Per-task records live in status.array (api::ArrayStatus).
//
// Conditions (metav1.Condition), on every status the operator writes (JobWriter::WriteStatus
// calls SyncJobConditions), so `kubectl wait --for=condition=Complete fjob/x` works:
//   Submitted  True once the job has its jobID (the operator accepted it).
//   Started    True once the current run started, and after it ended; False while the job
//              waits (reason Requeued after a requeue) or when it ended without starting.
//   Complete   True when the job ended COMPLETED.
//   Failed     True when it ended any other way (FAILED, CANCELLED, TIMEOUT, NODE_FAIL,
//              PREEMPTED, OUT_OF_MEMORY), the reason saying which: as the batch Job's Failed,
//              so waiting for Complete or Failed always ends.
//   Held       True while the job waits held (reason JobHeldUser or JobHeldAdmin).
//   Preempted  True from a preemption that ended a run (of the job or of an array task) until
//              the job starts a run again. Not derivable from the other fields once a requeued
//              victim is PENDING, so ApplyOutcome, ApplyTaskOutcome and MarkStarted set it.
// The first five follow from the other status fields. As metav1 requires, lastTransitionTime
// moves only when a condition's status flips; reason, message and observedGeneration follow the
// job. Conditions of other types (Requeued, NodeFailure, InvalidTaskAction) are left alone.
//
// Thread-safety: pure functions.
#pragma once

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "api/account_types.h"
#include "api/array_spec.h"
#include "api/job_types.h"
#include "api/partition_types.h"
#include "controllers/accounting.h"
#include "controllers/metrics.h"
#include "controllers/preempt_mark.h"
#include "controllers/snapshot.h"
#include "core/account_context.h"
#include "core/cycle.h"
#include "core/usage_ledger.h"

namespace fairway::controllers {

std::vector<std::string> SplitComma(const std::string& text);

// ---- Running instances -----------------------------------------------------------------------

struct InstanceOutcome {
  enum Kind { kRunning, kCompleted, kFailed, kTimeout, kNodeFail, kMissingPods, kPreempted };
  Kind kind = kRunning;
  int32_t exit_code = 0;
  std::string detail;    // node name, pod reason, ...
  bool requeue = false;  // kPreempted: the mark's mode is REQUEUE and the job may be requeued
  // kFailed: a container exited with the non-zero exit_code (Slurm's NonZeroExitCode); false
  // when the pod failed without one (its containers never ran: JobLaunchFailure).
  bool exited = false;
};

// What the pods of one running instance say. `pods`: the instance's pods of its current run.
// `in_flight`: the driver is still creating its pods (no kMissingPods then). The time limit is
// the core's business (CycleResult::timed_out); pods only report the backstop:
//   - a pod Failed with reason DeadlineExceeded (activeDeadlineSeconds): kTimeout
//   - a pod on a node that is NotReady or gone: kNodeFail
//   - a pod Failed: kFailed with its exit code (1 when no container exited non-zero)
//   - all `node_count` pods Succeeded: kCompleted
//   - fewer bound (or ended) pods than node_count and none terminal: kMissingPods (a pod
//     created but never bound, as after a crash between the create and the bind, counts as
//     missing)
// `ready_nodes`: the names of the nodes that exist and are Ready.
InstanceOutcome EvaluateInstance(const std::vector<const nlohmann::json*>& pods,
                                 const std::unordered_set<std::string_view>& ready_nodes,
                                 int32_t node_count, bool in_flight);

// A preempted instance (marked, see PreemptMark): kCompleted if its pods all succeeded first,
// kPreempted once none of its pods is left alive (gone or terminal), else kRunning (stopping).
InstanceOutcome EvaluatePreempted(const std::vector<const nlohmann::json*>& pods,
                                  int32_t node_count);

// Slurm's reason for the outcome: "Completed", "NonZeroExitCode", "JobLaunchFailure",
// "TimeLimit", ...
std::string OutcomeReason(const InstanceOutcome& outcome);
std::string OutcomeMessage(const InstanceOutcome& outcome);

// Ends (or requeues, for a node failure or a preemption of a requeue-able job) a non-array job.
// kPreempted: `requeue_allowed` is the preemption mode (REQUEUE and spec.requeue).
// A requeued job becomes eligible again `requeue_delay` after `now` (Slurm's requeue_delay).
void ApplyOutcome(api::JobStatus* status, const InstanceOutcome& outcome, bool requeue_allowed,
                  core::Timestamp now, core::Seconds requeue_delay = core::Seconds(0));
// The same for one array task; recounts the array and sets the array's state.
void ApplyTaskOutcome(api::JobStatus* status, const api::ArraySpec& spec, uint32_t index,
                      const InstanceOutcome& outcome, bool requeue_allowed, core::Timestamp now);

// ---- Decisions -------------------------------------------------------------------------------

void InitArrayStatus(api::JobStatus* status, const api::ArraySpec& spec);
// Recomputes counts and indices of status.array from its records and indices.
void RecountArray(api::JobStatus* status, const api::ArraySpec& spec);

// A start: non-array -> RUNNING with nodeList/startTime/partition; array task -> a RUNNING record.
void MarkStarted(api::JobStatus* status, const core::StartDecision& d, uint64_t job_id,
                 core::Timestamp now);
// Reverts MarkStarted after a failed binding: `before` for a job, the record removed for a task.
void UndoStart(api::JobStatus* status, const api::JobStatus& before,
               std::optional<uint32_t> array_task);
// A pending decision: reason, priority and factors, expected start, partition list.
void MarkPending(api::JobStatus* status, const core::PendingDecision& d,
                 const std::string& partitions);
// True if the statuses differ in anything but the display field `elapsed`.
bool StatusDiffers(const api::JobStatus& a, const api::JobStatus& b);

// ---- Conditions and the TIME column ------------------------------------------------------------

// Brings the six conditions of the header comment up to date with the other fields (adding the
// missing ones), each observing `generation`.
void SyncJobConditions(api::JobStatus* status, int64_t generation, core::Timestamp now);
// True if all six are there and observed `generation` (kubectl wait ignores a condition whose
// observedGeneration is older than metadata.generation). Jobs written before the conditions
// existed, or whose spec changed since their last status write, fail this: the job reconciler
// then writes their status once.
bool JobConditionsCurrent(const api::JobStatus& status, int64_t generation);

// `kubectl get fjob` prints TIME from status.elapsed, which only a status write changes: a
// printer column cannot compute now - startTime, and a `date` column over startTime would print
// an age ("5m") instead of squeue's M:SS and keep counting after the job ended. So a running
// job's status is rewritten when its stored elapsed time lags the real one by `refresh` or more:
// TIME moves in steps of `refresh` at a cost of one write per running job per `refresh`
// (ControllerOptions::elapsed_refresh). Ended jobs keep their final elapsed time, written with
// their end. True when that refresh is due at `now`.
bool ElapsedRefreshDue(const api::JobStatus& status, core::Timestamp now, core::Seconds refresh);

// ---- Transitions, for metrics ------------------------------------------------------------------

// What one status write records: instances (the job, or array tasks) that ended, by final state,
// and runs that started, each with its partition and how long it waited in the queue: from the
// job's submission, or, for a run after a requeue, from when it became eligible again
// (status.eligibleTime). Array tasks wait from the array's submission.
struct StatusTransitions {
  std::map<core::JobState, int64_t> ended;
  struct Start {
    std::string partition;
    core::Seconds waited{0};
  };
  std::vector<Start> started;
};
StatusTransitions TransitionsBetween(const api::JobStatus& before, const api::JobStatus& after);

// CANCELLED now. A job cancelled while pending keeps its pending reason, as Slurm keeps a
// cancelled job's state_reason (a dependent whose dependency can never be satisfied still says
// DependencyNeverSatisfied); a running one had none left.
void CancelJob(api::JobStatus* status, const api::ArraySpec* array, core::Timestamp now);
// RUNNING -> PENDING, restarts+1, allocation cleared, submit time reset to `now` (as Slurm);
// records `token` in condition "Requeued".
// As in Slurm, the job is eligible again only after `requeue_delay` (status.eligibleTime; it
// waits with reason BeginTime, and its age accrues from then).
void RequeueJob(api::JobStatus* status, core::Timestamp now, const std::string& token,
                core::Seconds requeue_delay = core::Seconds(0));
bool RequeueTokenSeen(const api::JobStatus& status, const std::string& token);

// ---- Per-task user actions (names.h: fairway.dev/cancel-tasks, hold-, release-, requeue-tasks)
// ---

struct TaskActions {
  std::set<uint32_t> cancel, hold, release, requeue;
  bool has_release = false;  // the annotation is present (and parses)
  bool has_requeue = false;
  // One "<annotation>: <error>" per list that does not parse (that list is then empty).
  std::vector<std::string> errors;
};
TaskActions TaskActionsOf(const api::JobObject& job);
// Tasks held by the user: hold-tasks minus release-tasks (lists that do not parse count empty).
std::set<uint32_t> HeldTasks(const api::JobObject& job);
// Indices of the array with no state yet (PENDING), held or not.
std::set<uint32_t> PendingTasks(const api::JobStatus& status, const api::ArraySpec& spec);

// Cancels the listed tasks of `spec`: pending ones are recorded CANCELLED in
// status.array.taskIndices, running ones get their record set to CANCELLED (end time now).
// Ended tasks are left alone. Returns the running tasks it cancelled (the caller deletes their
// pods). Recounts the array.
std::vector<uint32_t> CancelTasks(api::JobStatus* status, const api::ArraySpec& spec,
                                  const std::set<uint32_t>& indices, core::Timestamp now);
// Requeues the listed running tasks: their records go, so they are PENDING again. Returns them.
std::vector<uint32_t> RequeueTasks(api::JobStatus* status, const api::ArraySpec& spec,
                                   const std::set<uint32_t>& indices);
// Sets (errors non-empty) or removes condition "InvalidTaskAction". True if it was newly set or
// its message changed (the caller then records a Warning event).
bool SetTaskActionCondition(api::JobStatus* status, const std::vector<std::string>& errors,
                            core::Timestamp now);

// ---- Accounts, partitions, metrics -------------------------------------------------------------

// The status of an Account: its usage checkpoint (accounting.h), its subtree's usage from
// `ledger` (rawUsage), fair-share rows from `context` (kept as they are when null), and its
// running and pending jobs in `snap`.
api::AccountStatus AccountStatusFor(const api::AccountObject& account,
                                    const UsageCheckpoint& checkpoint,
                                    const core::UsageLedger& ledger,
                                    const core::AccountContext* context, const Snapshot& snap);
// Node counts by sinfo state (GPU-based mix/alloc), GPUs total/allocated, jobs.
api::PartitionStatus PartitionStatusFor(const api::PartitionObject& partition,
                                        const Snapshot& snap);
std::map<std::pair<std::string, std::string>, GpuCounts> GpuCountsByPartition(const Snapshot& snap);

}  // namespace fairway::controllers
