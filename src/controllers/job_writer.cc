#include "controllers/job_writer.h"

#include "controllers/kube_objects.h"
#include "controllers/names.h"
#include "kube/informer.h"

namespace fairway::controllers {

using nlohmann::json;

bool FirstStatusUnwritten(const json& stored) {
  const json* id = JsonAt(stored, {"status", "jobID"});
  return id == nullptr || !id->is_number() || id->get<uint64_t>() == 0;
}

JobWriter::JobWriter(kube::ApiClient* client, Clock* clock, OperatorMetrics* metrics,
                     kube::EventRecorder* events, JobStore* store)
    : client_(client), clock_(clock), metrics_(metrics), events_(events), store_(store) {}

void JobWriter::Adopt(json written, kube::ObjectPtr* raw, api::JobObject* job) {
  job->meta.resource_version = JsonString(written, {"metadata", "resourceVersion"});
  *raw = store_->PutIfPresent(written)->stub;
}

Status JobWriter::WriteStatus(kube::ObjectPtr* raw, api::JobObject* job,
                              const api::JobStatus& status) {
  const core::Timestamp now = std::chrono::time_point_cast<core::Seconds>(clock_->Now());
  api::JobStatus st = status;
  st.observed_generation = job->meta.generation;
  SyncJobConditions(&st, job->meta.generation, now);
  api::FillJobDisplayFields(&st, now);
  const bool first = FirstStatusUnwritten(**raw);
  const StatusTransitions changes = TransitionsBetween(job->status, st);
  json obj = **raw;
  obj["status"] = api::ToJson(st);
  StatusOr<json> w =
      client_->UpdateStatus(kube::ResourceRef::FairwayJobs(), job->meta.namespace_name, obj);
  if (!w.ok()) return w.status().WithContext("status of Job " + job->meta.Key());
  job->status = st;
  Adopt(std::move(*w), raw, job);
  for (const auto& [state, count] : changes.ended) {
    metrics_->JobsCompleted(std::string(core::JobStateName(state)), count);
  }
  for (const StatusTransitions::Start& s : changes.started) {
    metrics_->ObserveQueueWait(s.partition, static_cast<double>(s.waited.count()));
  }
  if (first) Event(**raw, "Job", false, "Submitted", "assigned jobID " + std::to_string(st.job_id));
  return OkStatus();
}

Status JobWriter::WritePreemptMarks(kube::ObjectPtr* raw, api::JobObject* job,
                                    const std::vector<PreemptMark>& marks) {
  const std::string key(kAnnotationPreemptedBy);
  json annotations = {{key, marks.empty() ? json(nullptr) : json(FormatPreemptMarks(marks))}};
  Status s = PatchAnnotations(raw, job, annotations);
  return s.ok() ? s : s.WithContext("preemption marks");
}

Status JobWriter::PatchAnnotations(kube::ObjectPtr* raw, api::JobObject* job,
                                   const json& annotations) {
  json patch = {{"metadata",
                 {{"annotations", annotations}, {"resourceVersion", job->meta.resource_version}}}};
  StatusOr<json> w = client_->Patch(kube::ResourceRef::FairwayJobs(), job->meta.namespace_name,
                                    job->meta.name, kube::PatchType::kMerge, patch);
  if (!w.ok()) return w.status().WithContext("annotations of Job " + job->meta.Key());
  for (const auto& [k, v] : annotations.items()) {
    if (v.is_string()) {
      job->meta.annotations[k] = v.get<std::string>();
    } else {
      job->meta.annotations.erase(k);
    }
  }
  Adopt(std::move(*w), raw, job);
  return OkStatus();
}

Status JobWriter::Hold(kube::ObjectPtr* raw, api::JobObject* job) {
  json patch = {{"spec", {{"hold", true}}}};
  StatusOr<json> w = client_->Patch(kube::ResourceRef::FairwayJobs(), job->meta.namespace_name,
                                    job->meta.name, kube::PatchType::kMerge, patch);
  if (!w.ok()) return w.status().WithContext("hold of Job " + job->meta.Key());
  job->spec.hold = true;
  Adopt(std::move(*w), raw, job);
  return OkStatus();
}

void JobWriter::DeletePods(const std::vector<const json*>& pods, const Logger& log,
                           int64_t grace_seconds) {
  for (const json* p : pods) {
    if (PodIsDeleting(*p)) continue;
    kube::DeleteOptions opts;
    opts.grace_period_seconds = grace_seconds;
    const std::string ns = JsonString(*p, {"metadata", "namespace"});
    const std::string name = JsonString(*p, {"metadata", "name"});
    Status s = client_->Delete(kube::ResourceRef::Pods(), ns, name, opts);
    if (!s.ok() && s.code() != StatusCode::kNotFound) {
      FAIRWAY_LOG(log, kWarn, "pod delete failed",
                  {{"pod", ns + "/" + name}, {"error", s.ToString()}});
    }
  }
}

void JobWriter::Event(const json& object, const std::string& kind, bool warning,
                      const std::string& reason, const std::string& message) {
  if (events_ == nullptr) return;
  events_->Event(kube::ObjectReference::FromObject(object, std::string(api::kApiVersion), kind),
                 warning ? kube::EventType::kWarning : kube::EventType::kNormal, reason, message);
}

}  // namespace fairway::controllers
