// The operator's writes about Jobs and their pods, shared by the job reconciler and the
// scheduler driver: status (with the jobID on its first write), annotations (preemption marks,
// task-action clean-up), spec.hold, pod deletes and events.
//
// Unconfirmed writes: each written Job goes into the Job store (job_store.h), which keeps it
// until the informer delivers a version at least as new, so the next cycle reads what was
// written, not the informer's older copy (Kueue and the Kubernetes scheduler keep such
// "assumed" state the same way). `raw` arguments are the store's stubs.
//
// Every status goes out with its conditions and display fields brought up to date
// (SyncJobConditions, FillJobDisplayFields), and what the write changed is counted in the
// metrics: runs that ended by final state, and each start's wait in the queue
// (TransitionsBetween). A start is counted when it is recorded, as fairway_jobs_started_total
// counts it, so a start rolled back after a failed binding counts again when retried.
//
// Thread-safety: thread-safe; writes to different Jobs may run concurrently. Calls on one Job
// (and its `raw`/`job` arguments) are made by one thread at a time.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "api/job_types.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/status.h"
#include "controllers/job_status.h"
#include "controllers/job_store.h"
#include "controllers/metrics.h"
#include "kube/api_client.h"
#include "kube/event_recorder.h"
#include "kube/informer.h"

namespace fairway::controllers {

// The stored Job has no jobID yet: its id is in memory only (JobIdAssigner).
bool FirstStatusUnwritten(const nlohmann::json& stored);

class JobWriter {
 public:
  // REQUIRES: client, clock, metrics and store outlive the writer; events may be null (no
  // events).
  JobWriter(kube::ApiClient* client, Clock* clock, OperatorMetrics* metrics,
            kube::EventRecorder* events, JobStore* store);

  // Replaces the status (observedGeneration, conditions and display fields filled in). On
  // success `raw` and `job` hold the stored object; the first write of a job's jobID records a
  // Submitted event.
  Status WriteStatus(kube::ObjectPtr* raw, api::JobObject* job, const api::JobStatus& status);
  // Replaces the preemption marks (annotation; removed when `marks` is empty).
  Status WritePreemptMarks(kube::ObjectPtr* raw, api::JobObject* job,
                           const std::vector<PreemptMark>& marks);
  // Merge-patches annotations (null values remove), guarded by the Job's resourceVersion.
  Status PatchAnnotations(kube::ObjectPtr* raw, api::JobObject* job,
                          const nlohmann::json& annotations);
  // Sets spec.hold (scontrol requeuehold).
  Status Hold(kube::ObjectPtr* raw, api::JobObject* job);

  // Deletes pods not already terminating; failures are logged (the next cycle tries again).
  void DeletePods(const std::vector<const nlohmann::json*>& pods, const Logger& log,
                  int64_t grace_seconds = 0);
  void Event(const nlohmann::json& object, const std::string& kind, bool warning,
             const std::string& reason, const std::string& message);

 private:
  // Takes the stored object of a successful write into the store, `raw` (its stub) and `job`.
  void Adopt(nlohmann::json written, kube::ObjectPtr* raw, api::JobObject* job);

  kube::ApiClient* const client_;
  Clock* const clock_;
  OperatorMetrics* const metrics_;
  kube::EventRecorder* const events_;
  JobStore* const store_;
};

}  // namespace fairway::controllers
