// The Fairway operator's controllers and scheduler driver (DESIGN.md "Architecture").
//
// One level-triggered loop on one thread does the work of the Job/Partition/Account/Pod/Node
// reconcilers, so every decision of a cycle sees one consistent view:
//
//   informers (nodes, all pods, Jobs, Partitions, Accounts, QoS) --events--> Trigger()
//        |                                   (debounced; plus a timer every cycle_interval)
//        v
//   RunOnce():
//     1. jobs:     assign jobIDs (ConfigMap counter, see below); user actions (cancel, requeue,
//                  hold via spec.hold, see names.h); running instances -> COMPLETED / FAILED
//                  (exitCode) / NODE_FAIL (requeued when spec.requeue) from their pods and
//                  nodes; preemption victims (marked, see below) whose pods are gone ->
//                  PREEMPTED or back to PENDING; bad specs -> FAILED with the message.
//     2. snapshot: BuildSnapshot (snapshot.h) over the caches + our own not-yet-observed writes.
//     3. cycle:    core::RunCycle.
//     4. apply:    timeouts (CycleResult::timed_out, the one place time limits are enforced;
//                  the pods' activeDeadlineSeconds is only a backstop) -> TIMEOUT, pods deleted.
//                  Preemptions: each victim instance is marked in its Job's annotation
//                  fairway.dev/preempted-by (job_status.h, PreemptMark) first, then its pods
//                  are deleted with the QoS grace period (DeleteOptions.gracePeriodSeconds).
//                  The mark becomes core::Job::preempted_by in later snapshots, so the core
//                  keeps the victim's room for the preemptor (and picks no further victims)
//                  until the pods are gone; step 1 then ends the victim (CANCEL: PREEMPTED;
//                  REQUEUE: PENDING, restarts+1) and the preemptor starts on the freed room in
//                  that cycle. A victim's room is never handed out while a pod of it lives.
//                  Starts, in order: write status RUNNING (the decision is recorded in
//                  the API server first), create the pods (pod_builder.h), bind each through
//                  pods/binding; all or none: on any failure the created pods are deleted and
//                  the status reverted. Pending jobs get reason, priority, factors, expected
//                  start and partition list.
//     5. usage:    decayed GPU-seconds charged from the runs' pods and records, idempotently,
//                  with a checkpoint per Account (accounting.h has the invariant); restored from
//                  Account.status by a new controller (this replica became leader); the
//                  scheduler reads the subtree sums (core::UsageLedger) derived from it.
//     6. status of Partitions, metrics, stray pods.
//
// Assume, then confirm: our own writes (status of Jobs) are kept in an overlay until the
// informer delivers a version at least as new, and started instances stay "assumed" running
// until the informer shows them, so a cycle never hands out GPUs another cycle already gave.
// After a restart everything is rebuilt from lists: RUNNING Jobs hold their nodes through
// status.nodeList, and pods of other schedulers hold theirs through spec.nodeName.
//
// jobID allocation: a counter in ConfigMap `<state_namespace>/<id_configmap>` (data.nextJobID),
// updated with a resourceVersion precondition (a lost race re-reads and retries), and never below
// max(existing jobIDs)+1, so ids stay unique and stable across restarts and failovers even if
// the ConfigMap is deleted. An array reserves one id per task (snapshot.h).
//
// Stray pods: a pod with schedulerName "fairway" that no Fairway Job owns gets a Warning event
// "NotOwnedByFairwayJob" and is deleted (Fairway only runs pods it created for a Job).
//
// Thread-safety: Start/Stop from one thread; Trigger from any (informer handlers).
#pragma once

#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "common/log.h"
#include "common/status.h"
#include "controllers/accounting.h"
#include "controllers/job_status.h"
#include "controllers/metrics.h"
#include "controllers/pod_builder.h"
#include "controllers/snapshot.h"
#include "core/account_context.h"
#include "core/config.h"
#include "core/cycle.h"
#include "core/usage_ledger.h"
#include "kube/api_client.h"
#include "kube/event_recorder.h"
#include "kube/informer.h"

namespace fairway::controllers {

struct ControllerOptions {
  core::SchedulerConfig config;
  std::string state_namespace = "default";  // where the jobID ConfigMap lives
  std::string id_configmap = "fairway-job-ids";
  Duration cycle_interval = std::chrono::seconds(5);   // cycle at least this often
  Duration debounce = std::chrono::milliseconds(100);  // events within this merge into one cycle
  // A changed usage checkpoint is written at least this often, and in the cycle a run ends.
  Duration usage_persist_interval = std::chrono::seconds(10);
  // Running pods are charged up to now - usage_settle (the kubelet reports ends late).
  core::Seconds usage_settle = core::Seconds(5);
  // Usage cursors of runs that stopped this long ago are dropped (accounting.h).
  core::Seconds usage_cursor_retention = core::Seconds(3600);
  Duration informer_sync_timeout = std::chrono::seconds(30);
  // Slurm's requeue_delay: a requeued job waits this long (reason BeginTime) before it may
  // start again.
  core::Seconds requeue_delay = core::Seconds(120);
  // Jobs whose starts (status write, pod creates, binds) are in flight at once in a cycle.
  size_t bind_parallelism = 16;
};

class Controller {
 public:
  // REQUIRES: client, clock, metrics and events outlive the controller.
  Controller(kube::ApiClient* client, Clock* clock, OperatorMetrics* metrics,
             kube::EventRecorder* events, ControllerOptions options);
  ~Controller();
  Controller(const Controller&) = delete;
  Controller& operator=(const Controller&) = delete;

  // Starts the informers, waits for their first lists, then runs the loop on its own thread.
  [[nodiscard]] Status Start();
  // Stops the loop and the informers; idempotent. Writes in flight finish first.
  void Stop();
  // Asks for a cycle soon (debounced).
  void Trigger();
  // One pass of the loop (tests call it directly instead of Start's thread).
  [[nodiscard]] Status RunOnce();
  int64_t cycles() const { return cycles_.load(); }
  // Replaces the scheduler settings from the next cycle on (settings reload).
  void SetConfig(const core::SchedulerConfig& config);

 private:
  struct Instance;
  void Loop();
  ClusterObjects LoadObjects(std::vector<nlohmann::json>* raw_jobs);
  // Ends a Job that does not decode FAILED (reason InvalidSpec) with a Warning event, once.
  void MarkUndecodableJob(const nlohmann::json& obj, const Status& error);
  StatusOr<uint64_t> AllocateJobIds(uint64_t count, const ClusterObjects& objects);
  Status WriteJobStatus(nlohmann::json* raw, api::JobObject* job, const api::JobStatus& status);
  void DeletePods(const std::vector<const nlohmann::json*>& pods, int64_t grace_seconds = 0);
  // Replaces the preemption marks of a Job (annotation; removed when `marks` is empty).
  Status WritePreemptMarks(nlohmann::json* raw, api::JobObject* job,
                           const std::vector<PreemptMark>& marks);
  // Merge-patches annotations of a Job (null values remove), guarded by its resourceVersion.
  Status PatchJobAnnotations(nlohmann::json* raw, api::JobObject* job,
                             const nlohmann::json& annotations);
  void ApplyTimeouts(const core::CycleResult& result, const Snapshot& snap, ClusterObjects* objects,
                     std::vector<nlohmann::json>* raw, core::Timestamp now);
  void ApplyPreemptions(const core::CycleResult& result, const Snapshot& snap,
                        ClusterObjects* objects, std::vector<nlohmann::json>* raw);
  // Creates and binds the pods of one started instance; all or none.
  Status CreateAndBind(const api::JobObject& job, const PodPlan& plan);
  // Applies the cycle's starts, Jobs in parallel (see the definition).
  void ApplyStarts(const core::CycleResult& result, const Snapshot& snap, ClusterObjects* objects,
                   std::vector<nlohmann::json>* raw, core::Timestamp now);
  // One start: status RUNNING, assumed, pods created and bound; rolled back on failure.
  void StartInstance(const core::StartDecision& d, api::JobObject* job, nlohmann::json* obj,
                     core::Timestamp now);
  void ForgetAssumed(const AssumedStart& assumed);
  // Writes the changed statuses of pending jobs, Jobs in parallel.
  void WritePendingStatuses(const core::CycleResult& result, const Snapshot& snap,
                            ClusterObjects* objects, std::vector<nlohmann::json>* raw);
  // Gives new jobs their jobIDs (one counter update), in memory until their first status write.
  void AssignJobIds(ClusterObjects* objects, core::Timestamp now);
  void ReconcileJobs(ClusterObjects* objects, std::vector<nlohmann::json>* raw,
                     core::Timestamp now);
  void UpdateUsage(const Snapshot& snap, const ClusterObjects& objects, core::Timestamp now);
  void PersistUsage(const Snapshot& snap, const ClusterObjects& objects,
                    const std::shared_ptr<const core::AccountContext>& accounts,
                    core::Timestamp now);
  // Writes an Account's status with the resourceVersion of `base`. On a conflict re-reads it:
  // if its checkpoint is still the one last persisted the write is retried once, else the
  // stored checkpoint (another writer's) is adopted and charged from in the next cycle.
  Status WriteAccountStatus(const std::string& name, nlohmann::json base,
                            const api::AccountStatus& status);
  void UpdatePartitions(const Snapshot& snap, const ClusterObjects& objects);
  void ReportMetrics(const Snapshot& snap, const ClusterObjects& objects,
                     const std::shared_ptr<const core::AccountContext>& accounts);
  void RejectStrayPods(const ClusterObjects& objects);
  void Event(const nlohmann::json& object, const std::string& kind, bool warning,
             const std::string& reason, const std::string& message);

  kube::ApiClient* const client_;
  Clock* const clock_;
  OperatorMetrics* const metrics_;
  kube::EventRecorder* const events_;
  ControllerOptions options_;
  Logger log_{"controllers"};

  std::vector<std::unique_ptr<kube::Informer>> informers_;
  kube::Informer* nodes_ = nullptr;
  kube::Informer* pods_ = nullptr;
  kube::Informer* jobs_ = nullptr;
  kube::Informer* partitions_ = nullptr;
  kube::Informer* accounts_ = nullptr;
  kube::Informer* qos_ = nullptr;

  // Loop thread state. Lock order: mu_ only (never held during API calls).
  std::mutex mu_;
  std::condition_variable cv_;
  bool triggered_ = false;                // GUARDED_BY(mu_)
  bool stop_ = false;                     // GUARDED_BY(mu_)
  core::SchedulerConfig pending_config_;  // GUARDED_BY(mu_)
  bool config_changed_ = false;           // GUARDED_BY(mu_)
  std::thread thread_;
  std::atomic<int64_t> cycles_{0};

  // Owned by the loop thread (RunOnce). While ApplyStarts runs starts in parallel, overlay_ and
  // assumed_ are written from its worker threads under starts_mu_; outside that phase only the
  // loop thread touches them.
  std::mutex starts_mu_;
  std::map<std::string, nlohmann::json> overlay_;  // job key -> our last written object
  std::vector<AssumedStart> assumed_;
  std::map<std::string, uint64_t> unwritten_ids_;  // Job uid -> jobID not yet in its status
  UsageAccounting accounting_;
  core::UsageLedger ledger_;                               // derived from accounting_ every cycle
  std::map<std::string, nlohmann::json> account_written_;  // account -> our last written object
  MonotonicTime last_persist_{};
  std::map<std::string, nlohmann::json> partition_status_written_;
};

}  // namespace fairway::controllers
