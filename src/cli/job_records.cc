#include "cli/job_records.h"

#include <set>

#include "api/common_types.h"

namespace fairway::cli {
namespace {

using nlohmann::json;

// A selector listing the end dates from `since` through tomorrow (UTC), when there are few
// enough of them to name; "" (every record) otherwise.
std::string EndDateSelector(core::Timestamp since, core::Timestamp now) {
  constexpr int64_t kMaxDays = 100;
  const int64_t days = (now - since).count() / 86400 + 2;
  if (days <= 0 || days > kMaxDays) return "";
  std::string dates;
  for (int64_t d = 0; d < days; ++d) {
    dates += (dates.empty() ? "" : ",") +
             api::FormatRfc3339(since + core::Seconds(86400 * d)).substr(0, 10);
  }
  return "fairway.dev/end-date in (" + dates + ")";
}

}  // namespace

StatusOr<std::vector<api::JobObject>> ListJobRecords(kube::ApiClient& client, const std::string& ns,
                                                     std::optional<core::Timestamp> ended_since,
                                                     core::Timestamp now) {
  kube::ListOptions opts;
  if (ended_since.has_value()) opts.label_selector = EndDateSelector(*ended_since, now);
  StatusOr<kube::ObjectList> list = client.List(kube::ResourceRef::FairwayJobRecords(), ns, opts);
  if (!list.ok() && list.status().code() == StatusCode::kNotFound) {
    return std::vector<api::JobObject>{};  // no JobRecord CRD: no history
  }
  if (!list.ok()) return list.status();
  std::vector<api::JobObject> out;
  for (const json& record : list->items) {
    if (!record.contains("spec") || !record["spec"].contains("job")) continue;
    json job = record["spec"]["job"];
    job["apiVersion"] = "fairway.dev/v1alpha1";
    job["kind"] = "Job";
    StatusOr<api::JobObject> decoded = api::JobFromJson(job);
    if (decoded.ok()) out.push_back(std::move(*decoded));  // skip what this version cannot read
  }
  return out;
}

std::vector<api::JobObject> MergeJobHistory(std::vector<api::JobObject> jobs,
                                            const std::vector<api::JobObject>& records) {
  std::set<std::string> live;
  for (const api::JobObject& j : jobs) live.insert(j.meta.uid);
  for (const api::JobObject& r : records) {
    if (r.meta.uid.empty() || live.count(r.meta.uid) == 0) jobs.push_back(r);
  }
  return jobs;
}

}  // namespace fairway::cli
