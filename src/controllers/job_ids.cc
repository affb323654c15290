#include "controllers/job_ids.h"

#include <algorithm>
#include <set>
#include <vector>

#include "api/array_spec.h"
#include "controllers/job_status.h"
#include "controllers/kube_objects.h"

namespace fairway::controllers {
namespace {

using nlohmann::json;

kube::ResourceRef ConfigMaps() { return {"", "v1", "configmaps", true}; }

// IDs a job takes: one, or one per task of an array (the last task runs under the array's own
// id, as in Slurm).
uint64_t IdsNeeded(const api::JobObject& job) {
  if (job.spec.array.empty()) return 1;
  auto a = api::ParseArraySpec(job.spec.array, api::kMaxMaxArraySize);
  return a.ok() ? std::max<uint64_t>(1, a->size()) : 1;
}

// One past the highest id any job holds (an array holds its id and one per task).
uint64_t IdFloor(const ClusterObjects& objects) {
  uint64_t floor = 1;
  for (const api::JobObject& j : objects.jobs) {
    uint64_t top = j.status.job_id;
    if (j.status.job_id != 0 && j.status.array.has_value()) top += j.status.array->task_count;
    floor = std::max(floor, top + 1);
  }
  return floor;
}

void SetFirstStatus(api::JobObject* job, uint64_t id, core::Timestamp now) {
  api::JobStatus& st = job->status;
  st.job_id = id;
  st.state = core::JobState::kPending;
  st.submit_time = job->meta.creation_timestamp.value_or(now);
  st.reason = std::string(core::PendingReasonName(core::PendingReason::kNone));
  if (!job->spec.array.empty()) {
    auto array = api::ParseArraySpec(job->spec.array, api::kMaxMaxArraySize);
    if (array.ok()) InitArrayStatus(&st, *array);
  }
}

}  // namespace

void JobIdAssigner::Assign(ClusterObjects* objects, core::Timestamp now, const Logger& log) {
  std::set<std::string> waiting;  // uids of jobs without a stored jobID
  std::vector<const api::JobObject*> fresh;
  uint64_t ids_needed = 0;
  for (const api::JobObject& job : objects->jobs) {
    if (job.status.job_id != 0 || job.meta.deletion_timestamp.has_value()) continue;
    waiting.insert(job.meta.uid);
    if (unwritten_.count(job.meta.uid) == 0) {
      fresh.push_back(&job);
      ids_needed += IdsNeeded(job);
    }
  }
  std::erase_if(unwritten_, [&](const auto& e) { return waiting.count(e.first) == 0; });
  if (!fresh.empty()) {
    StatusOr<uint64_t> first = Allocate(ids_needed, *objects);
    if (!first.ok()) {
      FAIRWAY_LOG(log, kWarn, "jobID allocation failed", {{"error", first.status().ToString()}});
    } else {
      uint64_t next = *first;
      for (const api::JobObject* job : fresh) {
        unwritten_[job->meta.uid] = next;
        next += IdsNeeded(*job);
      }
    }
  }
  for (CycleJob& job : objects->jobs) {
    if (job->status.job_id != 0) continue;
    auto it = unwritten_.find(job->meta.uid);
    if (it != unwritten_.end()) SetFirstStatus(&job.Mutable(), it->second, now);
  }
}

StatusOr<uint64_t> JobIdAssigner::Allocate(uint64_t count, const ClusterObjects& objects) {
  const uint64_t floor = IdFloor(objects);
  for (int attempt = 0; attempt < 8; ++attempt) {
    StatusOr<json> cm = client_->Get(ConfigMaps(), namespace_, name_);
    if (!cm.ok() && cm.status().code() != StatusCode::kNotFound) return cm.status();
    uint64_t next = floor;
    if (cm.ok()) {
      const std::string stored = JsonString(*cm, {"data", "nextJobID"});
      if (!stored.empty()) {
        next = std::max<uint64_t>(next, std::strtoull(stored.c_str(), nullptr, 10));
      }
      json updated = *cm;
      updated["data"]["nextJobID"] = std::to_string(next + count);
      StatusOr<json> w = client_->Update(ConfigMaps(), namespace_, updated);
      if (w.ok()) return next;
      if (w.status().code() != StatusCode::kAborted) return w.status();
      continue;  // lost a race: re-read
    }
    json created = {{"apiVersion", "v1"},
                    {"kind", "ConfigMap"},
                    {"metadata",
                     {{"name", name_},
                      {"namespace", namespace_},
                      {"labels", {{"app.kubernetes.io/name", "fairway"}}}}},
                    {"data", {{"nextJobID", std::to_string(next + count)}}}};
    StatusOr<json> w = client_->Create(ConfigMaps(), namespace_, created);
    if (w.ok()) return next;
    if (w.status().code() != StatusCode::kAlreadyExists) return w.status();
  }
  return AbortedError("jobID counter: too many conflicting updates");
}

}  // namespace fairway::controllers
