// The job reconciler (DESIGN.md "Architecture"): each cycle, before the snapshot, brings every
// Job's status up to date with what users asked and what its pods did:
//   user actions   cancel, requeue, requeue-hold of a job; cancel, requeue, hold and release
//                  of array tasks (annotations, names.h);
//   lifecycle      running instances -> COMPLETED / FAILED (exitCode) / NODE_FAIL (requeued
//                  when spec.requeue) / TIMEOUT from their pods and nodes; pods missing after a
//                  restart between a start's status write and its pods are created on the
//                  recorded nodes;
//   preemption     marked victims (job_status.h PreemptMark): pods deleted with the grace
//                  period, then PREEMPTED or back to PENDING; marks of ended runs removed;
//   clean-up       pods left running by an ended job are deleted.
//   upkeep         a running job's status is rewritten when its TIME column (status.elapsed)
//                  lags by elapsed_refresh (job_status.h, ElapsedRefreshDue); a job whose
//                  conditions are missing or older than its spec gets them written, ended or not
//                  (JobConditionsCurrent). A bounded number of these writes per cycle.
// All of a Job's changes in a cycle go out as one status write (after the preemption marks,
// before the annotation clean-up, so a restart in between acts again at most on what the
// status still allows).
//
// Thread-safety: not thread-safe (the scheduler loop's thread only).
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "api/array_spec.h"
#include "common/log.h"
#include "controllers/assumed_starts.h"
#include "controllers/job_status.h"
#include "controllers/job_writer.h"
#include "controllers/pod_binder.h"
#include "controllers/snapshot.h"

namespace fairway::controllers {

class JobReconciler {
 public:
  // REQUIRES: writer, binder and assumed outlive the reconciler; elapsed_refresh > 0.
  JobReconciler(JobWriter* writer, PodBinder* binder, AssumedStarts* assumed,
                core::Seconds requeue_delay, core::Seconds elapsed_refresh)
      : writer_(writer),
        binder_(binder),
        assumed_(assumed),
        requeue_delay_(requeue_delay),
        elapsed_refresh_(elapsed_refresh) {}

  // `raw` is parallel to objects->jobs (the stored objects); both are updated by the writes.
  void Reconcile(ClusterObjects* objects, std::vector<kube::ObjectPtr>* raw, core::Timestamp now,
                 const Logger& log);

 private:
  struct Pass;      // one cycle's lookups
  struct JobWork;   // one Job while it is reconciled
  struct Instance;  // one running instance (the job, or one array task)

  void ReconcileJob(const Pass& pass, JobWork* w);
  // Per-task actions on an array; their annotation clean-up goes into w->annotation_patch.
  void ApplyTaskActions(const Pass& pass, JobWork* w);
  void CancelTaskList(const Pass& pass, JobWork* w, const TaskActions& acts);
  void RequeueTaskList(const Pass& pass, JobWork* w, const TaskActions& acts);
  void ReleaseTaskList(JobWork* w, const TaskActions& acts);
  void Cancel(const Pass& pass, JobWork* w);
  void Requeue(const Pass& pass, JobWork* w, const std::string& token, bool hold);
  void EvaluateRunning(const Pass& pass, JobWork* w);
  InstanceOutcome Evaluate(const Pass& pass, JobWork* w, const Instance& inst);
  InstanceOutcome EvaluateVictim(const Pass& pass, JobWork* w, const Instance& inst,
                                 const PreemptMark& mark,
                                 const std::vector<const nlohmann::json*>& mine);
  void RecreatePods(const Pass& pass, JobWork* w, const Instance& inst);
  // The writes: marks, then status, then annotation clean-up.
  void Commit(const Pass& pass, JobWork* w);
  // True if the job's status needs an upkeep write (header comment) and this cycle's budget
  // has room for it; takes one from the budget then.
  bool TakeUpkeepWrite(const Pass& pass, const JobWork& w);

  JobWriter* const writer_;
  PodBinder* const binder_;
  AssumedStarts* const assumed_;
  const core::Seconds requeue_delay_;
  const core::Seconds elapsed_refresh_;
  int upkeep_left_ = 0;  // upkeep writes left in this cycle
};

}  // namespace fairway::controllers
