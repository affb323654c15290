#include "controllers/job_history.h"

#include "api/common_types.h"
#include "api/job_types.h"
#include "core/job_state.h"

namespace fairway::controllers {
namespace {

using nlohmann::json;

// The end time of a Job in a final state; nullopt while it may still change.
std::optional<core::Timestamp> EndOf(const json& job) {
  const json* status = job.contains("status") ? &job["status"] : nullptr;
  if (status == nullptr || !status->is_object()) return std::nullopt;
  const std::optional<core::JobState> state =
      core::ParseJobState(status->value("state", std::string()));
  if (!state.has_value() || !core::IsTerminal(*state)) return std::nullopt;
  StatusOr<core::Timestamp> end = api::ParseRfc3339(status->value("endTime", std::string()));
  if (!end.ok()) return std::nullopt;
  return *end;
}

// "2026-12-07": the UTC date of `t`.
std::string UtcDate(core::Timestamp t) { return api::FormatRfc3339(t).substr(0, 10); }

// The same for a decoded Job.
std::optional<core::Timestamp> EndOf(const api::JobObject& job) {
  if (!job.status.state.has_value() || !core::IsTerminal(*job.status.state)) return std::nullopt;
  return job.status.end_time;
}

// The label selector of records outside the kept days: the last retention_days + 1 dates, and
// tomorrow for clocks a little ahead of ours.
std::string ExpiredSelector(core::Timestamp now, int retention_days) {
  std::string kept;
  for (int d = -1; d <= retention_days; ++d) {
    kept += (kept.empty() ? "" : ",") + UtcDate(now - core::Seconds(int64_t{86400} * d));
  }
  return std::string(kJobRecordEndDateLabel) + " notin (" + kept + ")";
}

}  // namespace

json JobRecordFor(const json& job) {
  const json& meta = job["metadata"];
  json job_meta = json::object();
  for (const char* key : {"name", "namespace", "uid", "creationTimestamp", "labels"}) {
    if (meta.contains(key)) job_meta[key] = meta[key];
  }
  json spec = job.value("spec", json::object());
  spec.erase("template");  // the pod template is not accounting, and can be large
  json labels = json::object();
  if (std::optional<core::Timestamp> end = EndOf(job)) {
    labels[kJobRecordEndDateLabel] = UtcDate(*end);
  }
  return {{"apiVersion", "fairway.dev/v1alpha1"},
          {"kind", "JobRecord"},
          {"metadata",
           {{"name", meta.value("uid", std::string())},
            {"namespace", meta.value("namespace", std::string())},
            {"labels", labels}}},
          {"spec",
           {{"job",
             {{"metadata", job_meta},
              {"spec", spec},
              {"status", job.value("status", json::object())}}}}}};
}

void JobHistory::Update(const std::vector<CycleJob>& jobs, core::Timestamp now, MonotonicTime mono,
                        const Logger& log) {
  if (options_.retention_days <= 0) return;
  if (paused_until_.has_value() && mono < *paused_until_) return;
  paused_until_.reset();
  const int left = WriteRecords(jobs, options_.writes_per_cycle, log);
  if (missing_kind_) {
    // The JobRecord CRD is not installed: try again later instead of failing every cycle.
    FAIRWAY_LOG(
        log, kWarn, "job history paused: the API server does not serve jobrecords",
        {{"retry_in_s",
          std::chrono::duration_cast<std::chrono::seconds>(options_.prune_interval).count()}});
    missing_kind_ = false;
    paused_until_ = mono + options_.prune_interval;
    return;
  }
  Prune(now, mono, left, log);
}

int JobHistory::WriteRecords(const std::vector<CycleJob>& jobs, int budget, const Logger& log) {
  std::set<std::string> still_there;
  for (const api::JobObject& job : jobs) {
    const std::string& uid = job.meta.uid;
    if (uid.empty()) continue;
    if (recorded_.count(uid) > 0) {
      still_there.insert(uid);
      continue;
    }
    if (budget <= 0 || !EndOf(job).has_value()) continue;
    --budget;
    const json record = JobRecordFor(api::ToJson(job));
    StatusOr<json> created =
        client_->Create(kube::ResourceRef::FairwayJobRecords(),
                        record["metadata"]["namespace"].get<std::string>(), record);
    if (created.ok() || created.status().code() == StatusCode::kAlreadyExists) {
      still_there.insert(uid);
      continue;
    }
    if (created.status().code() == StatusCode::kNotFound) {  // no such resource: no CRD
      missing_kind_ = true;
      break;
    }
    // Retried in a later cycle: the Job is still ended and still has no record.
    FAIRWAY_LOG(log, kWarn, "job record not written",
                {{"job", job.meta.Key()}, {"error", created.status().ToString()}});
  }
  recorded_ = std::move(still_there);
  return budget;
}

void JobHistory::Prune(core::Timestamp now, MonotonicTime mono, int budget, const Logger& log) {
  if (expired_.empty()) {
    if (next_prune_.has_value() && mono < *next_prune_) return;
    next_prune_ = mono + options_.prune_interval;
    kube::ListOptions opts;
    opts.label_selector = ExpiredSelector(now, options_.retention_days);
    StatusOr<kube::ObjectList> listed =
        client_->List(kube::ResourceRef::FairwayJobRecords(), "", opts);
    if (!listed.ok()) {
      FAIRWAY_LOG(log, kWarn, "job records not pruned", {{"error", listed.status().ToString()}});
      return;
    }
    for (const json& r : listed->items) {
      expired_.emplace_back(r["metadata"].value("namespace", std::string()),
                            r["metadata"].value("name", std::string()));
    }
  }
  int deleted = 0;
  while (!expired_.empty() && deleted < budget) {
    const auto [ns, name] = expired_.back();
    expired_.pop_back();
    Status st = client_->Delete(kube::ResourceRef::FairwayJobRecords(), ns, name, {});
    if (st.ok() || st.code() == StatusCode::kNotFound) {
      ++deleted;
    } else {
      FAIRWAY_LOG(log, kWarn, "job record not pruned",
                  {{"record", ns + "/" + name}, {"error", st.ToString()}});
    }
  }
  if (deleted > 0) {
    FAIRWAY_LOG(log, kInfo, "job records pruned",
                {{"deleted", deleted},
                 {"left", expired_.size()},
                 {"retention_days", options_.retention_days}});
  }
}

}  // namespace fairway::controllers
