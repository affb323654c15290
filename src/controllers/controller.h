// The Fairway operator's controllers and scheduler driver (DESIGN.md "Architecture").
//
// One level-triggered loop on one thread does the work of the Job/Partition/Account/Pod/Node
// reconcilers, so every decision of a cycle sees one consistent view:
//
//   informers (nodes, all pods, Jobs, Partitions, Accounts, QoS) --events--> Trigger()
//        |                  (Jobs decoded into job_store.h as they arrive)
//        |                  (cycles spaced by the debounce; plus a timer every cycle_interval)
//        v
//   RunOnce(), each step in its own file:
//     1. jobs:     jobIDs (job_ids.h: one counter update per cycle, ids written with the first
//                  status); user actions, lifecycle of running instances and preemption
//                  victims (job_reconciler.h), all through job_writer.h.
//     2. snapshot: BuildSnapshot (snapshot.h) over the caches + our own not-yet-observed writes
//                  and assumed starts (assumed_starts.h); bad specs -> FAILED with the message.
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
//                  Starts, Jobs in parallel: write status RUNNING (the decision is recorded in
//                  the API server first), then pod_binder.h creates and binds the pods, all or
//                  none; on failure the status is reverted. Pending jobs get reason, priority,
//                  factors, expected start and partition list.
//     5. usage:    decayed GPU-seconds charged from the runs' pods and records, idempotently,
//                  with a checkpoint per Account (accounting.h has the invariant); restored from
//                  Account.status by a new controller (this replica became leader); the
//                  scheduler reads the subtree sums (core::UsageLedger) derived from it.
//     6. status of Partitions, metrics, stray pods; records of ended Jobs (job_history.h).
//   Stop() interrupts a cycle between these phases; every log line of a cycle carries its
//   number (cycle=N).
//
// Assume, then confirm: our own writes (status of Jobs) go into the typed Job store
// (job_store.h), which keeps the newest version from the informer or from us, and started
// instances stay "assumed" running until the store shows them, so a cycle never hands out
// GPUs another cycle already gave. The informers keep trimmed objects (object_trim.h) and, for
// Jobs, stubs.
// After a restart everything is rebuilt from lists: RUNNING Jobs hold their nodes through
// status.nodeList, and pods of other schedulers hold theirs through spec.nodeName.
//
// Stray pods: a pod with schedulerName "fairway" that no Fairway Job owns gets a Warning event
// "NotOwnedByFairwayJob" and is deleted (Fairway only runs pods it created for a Job).
//
// Thread-safety: Start/Stop from one thread; Trigger from any (informer handlers).
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "common/log.h"
#include "common/mutex.h"
#include "common/status.h"
#include "controllers/accounting.h"
#include "controllers/assumed_starts.h"
#include "controllers/decode_cache.h"
#include "controllers/demand_signals.h"
#include "controllers/elastic_pools.h"
#include "controllers/job_history.h"
#include "controllers/job_ids.h"
#include "controllers/job_reconciler.h"
#include "controllers/job_status.h"
#include "controllers/job_store.h"
#include "controllers/job_writer.h"
#include "controllers/metrics.h"
#include "controllers/pod_binder.h"
#include "controllers/snapshot.h"
#include "core/account_context.h"
#include "core/config.h"
#include "core/cycle.h"
#include "core/runtime_prediction.h"
#include "core/usage_ledger.h"
#include "kube/api_client.h"
#include "kube/event_recorder.h"
#include "kube/informer.h"

namespace fairway::controllers {

struct ControllerOptions {
  core::SchedulerConfig config;
  std::string state_namespace = "default";  // where the jobID ConfigMap lives
  std::string id_configmap = "fairway-job-ids";
  Duration cycle_interval = std::chrono::seconds(5);  // cycle at least this often
  // Cycles start at least this long after the previous one ended: events in a burst merge into
  // one cycle, and an event after a quiet spell is scheduled at once.
  Duration debounce = std::chrono::milliseconds(20);
  // A changed usage checkpoint is written at least this often, and in the cycle a run ends.
  Duration usage_persist_interval = std::chrono::seconds(10);
  // Running pods are charged up to now - usage_settle (the kubelet reports ends late).
  core::Seconds usage_settle = core::Seconds(5);
  // Usage cursors of runs that stopped this long ago are dropped (accounting.h).
  core::Seconds usage_cursor_retention = core::Seconds(3600);
  Duration informer_sync_timeout = std::chrono::seconds(30);
  // Slurm's requeue delay: a requeued job waits this long (reason BeginTime) before it may
  // start again. Slurm 22.05 makes it eligible 121 s after the requeue (tools/slurm-lab,
  // results/h_starts_names_user_limits.txt).
  core::Seconds requeue_delay = core::Seconds(121);
  // Jobs whose starts (status write, pod creates, binds) are in flight at once in a cycle.
  size_t bind_parallelism = 16;
  // The TIME column of a running job moves in steps of this (job_status.h, ElapsedRefreshDue):
  // one status write per running job per step. REQUIRES: > 0.
  core::Seconds elapsed_refresh = core::Seconds(60);
  JobHistoryOptions history;  // JobRecords of ended Jobs (job_history.h)
  // The settings' interactive.idleGrace, for interactive jobs' pods (pod_binder.h).
  core::Seconds interactive_idle_grace = core::Seconds(300);
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
  // Stops the loop and the informers; idempotent. A running cycle ends at its next phase
  // (kCancelled); writes in flight finish first, no new start begins.
  void Stop();
  // Asks for a cycle soon (debounced).
  void Trigger();
  // One pass of the loop (tests call it directly instead of Start's thread). kCancelled when
  // Stop() interrupted it.
  [[nodiscard]] Status RunOnce();
  int64_t cycles() const { return cycles_.load(); }
  // When the loop (Start's thread) last finished a cycle, whatever its outcome;
  // MonotonicTime::min() before the first. Liveness and readiness (Operator) read it.
  MonotonicTime last_cycle_end() const { return last_cycle_end_.load(); }
  // Replaces the scheduler settings from the next cycle on (settings reload).
  void SetConfig(const core::SchedulerConfig& config);

 private:
  void Loop();
  // Waits for a trigger (and the debounce since the last cycle) or the cycle interval; false
  // when stopping.
  bool WaitForCycle();
  // Waits until `deadline`, stop, or (for_trigger) a trigger.
  void WaitUntil(std::chrono::steady_clock::time_point deadline, bool for_trigger)
      FAIRWAY_REQUIRES(mu_);
  ClusterObjects LoadObjects(std::vector<kube::ObjectPtr>* raw_jobs);
  // Ends a Job that does not decode FAILED (reason InvalidSpec) with a Warning event, once.
  void MarkUndecodableJob(const nlohmann::json& obj, const Status& error);
  void FailInvalidJobs(const Snapshot& snap, ClusterObjects* objects,
                       std::vector<kube::ObjectPtr>* raw, core::Timestamp now);
  core::CycleResult Schedule(const Snapshot& snap, core::Timestamp now);
  void ReportCycle(const core::CycleResult& result, MonotonicTime start);
  void ApplyTimeouts(const core::CycleResult& result, const Snapshot& snap, ClusterObjects* objects,
                     std::vector<kube::ObjectPtr>* raw, core::Timestamp now);
  void ApplyPreemptions(const core::CycleResult& result, const Snapshot& snap,
                        ClusterObjects* objects, std::vector<kube::ObjectPtr>* raw);
  // Applies the cycle's starts, Jobs in parallel (see the definition).
  void ApplyStarts(const core::CycleResult& result, const Snapshot& snap, ClusterObjects* objects,
                   std::vector<kube::ObjectPtr>* raw, core::Timestamp now);
  // One start: status RUNNING, assumed, pods created and bound; rolled back on failure.
  void StartInstance(const core::StartDecision& d, api::JobObject* job, kube::ObjectPtr* obj,
                     core::Timestamp now);
  // Writes the changed statuses of pending jobs (and first statuses), Jobs in parallel.
  void WritePendingStatuses(const core::CycleResult& result, const Snapshot& snap,
                            const AwaitingNodes& awaiting, ClusterObjects* objects,
                            std::vector<kube::ObjectPtr>* raw);
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

  kube::ApiClient* const client_;
  Clock* const clock_;
  OperatorMetrics* const metrics_;
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
  Mutex mu_;
  CondVar cv_;
  bool triggered_ FAIRWAY_GUARDED_BY(mu_) = false;
  bool stop_ FAIRWAY_GUARDED_BY(mu_) = false;
  core::SchedulerConfig pending_config_ FAIRWAY_GUARDED_BY(mu_);
  bool config_changed_ FAIRWAY_GUARDED_BY(mu_) = false;
  std::chrono::steady_clock::time_point debounce_from_
      FAIRWAY_GUARDED_BY(mu_){};       // last cycle's end
  std::atomic<bool> stopping_{false};  // read between a cycle's phases
  std::thread thread_;
  std::atomic<int64_t> cycles_{0};
  std::atomic<MonotonicTime> last_cycle_end_{MonotonicTime::min()};

  // The parts of a cycle, in the order the data flows (thread-safe where the starts' workers
  // share them: job_store_, writer_, binder_, assumed_).
  JobStore job_store_;  // the Jobs, decoded; the Jobs informer holds stubs
  JobWriter writer_;
  PodBinder binder_;
  DemandSignals demand_signals_;  // elastic partitions: pods asking an autoscaler for nodes
  AssumedStarts assumed_;
  JobIdAssigner id_assigner_;
  JobReconciler reconciler_;
  JobHistory history_;
  DecodeCache<core::Node> node_cache_;  // loop thread only

  // Owned by the loop thread (RunOnce). cycle_log_ carries the cycle number; it is set at the
  // start of a cycle, before any worker thread of that cycle reads it.
  Logger cycle_log_{"controllers"};
  UsageAccounting accounting_;
  core::RuntimeHistory runtime_history_;  // ended runs, for backfill.runtimePrediction
  core::UsageLedger ledger_;              // derived from accounting_ every cycle
  // Fair share follows Slurm's PriorityCalcPeriod: the own usage as of the current period's
  // start (UsageAccounting::OwnUsageAt), taken once per period, and the subtree ledger over it
  // that the scheduler reads (along each cycle's tree, so new accounts count at once).
  std::optional<core::Timestamp> period_start_;
  core::UsageLedger period_usage_;
  core::UsageLedger period_ledger_;
  std::map<std::string, nlohmann::json> account_written_;  // account -> our last written object
  MonotonicTime last_persist_{};
};

}  // namespace fairway::controllers
