#include "webhook/cluster_view.h"

#include <algorithm>

namespace fairway::webhook {

std::optional<api::AccountObject> StaticClusterView::GetAccount(const std::string& name) const {
  auto it = accounts.find(name);
  if (it == accounts.end()) return std::nullopt;
  return it->second;
}

std::vector<api::AccountObject> StaticClusterView::ListAccounts() const {
  std::vector<api::AccountObject> out;
  out.reserve(accounts.size());
  for (const auto& [name, account] : accounts) out.push_back(account);
  return out;
}

std::optional<api::PartitionObject> StaticClusterView::GetPartition(const std::string& name) const {
  auto it = partitions.find(name);
  if (it == partitions.end()) return std::nullopt;
  return it->second;
}

std::vector<api::PartitionObject> StaticClusterView::ListPartitions() const {
  std::vector<api::PartitionObject> out;
  out.reserve(partitions.size());
  for (const auto& [name, partition] : partitions) out.push_back(partition);
  return out;
}

std::optional<api::QosObject> StaticClusterView::GetQos(const std::string& name) const {
  auto it = qos.find(name);
  if (it == qos.end()) return std::nullopt;
  return it->second;
}

std::optional<api::JobObject> StaticClusterView::GetJob(const std::string& ns,
                                                        const std::string& name) const {
  auto it = jobs_by_namespace.find(ns);
  if (it == jobs_by_namespace.end()) return std::nullopt;
  for (const api::JobObject& job : it->second) {
    if (job.meta.name == name) return job;
  }
  return std::nullopt;
}

std::optional<api::JobObject> StaticClusterView::GetJobById(const std::string& ns,
                                                            uint64_t job_id) const {
  auto it = jobs_by_namespace.find(ns);
  if (it == jobs_by_namespace.end() || job_id == 0) return std::nullopt;
  for (const api::JobObject& job : it->second) {
    if (job.status.job_id == job_id) return job;
  }
  return std::nullopt;
}

std::vector<SubmittedJob> StaticClusterView::UnfinishedJobs(JobGroup group,
                                                            const std::string& name) const {
  std::vector<SubmittedJob> out;
  const std::string key = JobGroupKey(group, name);
  for (const auto& [ns, jobs] : jobs_by_namespace) {
    for (const api::JobObject& job : jobs) {
      const nlohmann::json j = api::ToJson(job);
      std::vector<std::string> keys = SubmittedJobIndexValues(j);
      if (std::find(keys.begin(), keys.end(), key) == keys.end()) continue;
      if (std::optional<SubmittedJob> s = SubmittedJobOf(j)) out.push_back(std::move(*s));
    }
  }
  return out;
}

std::string JobGroupKey(ClusterView::JobGroup group, const std::string& name) {
  switch (group) {
    case ClusterView::JobGroup::kUser:
      return "user/" + name;
    case ClusterView::JobGroup::kAccount:
      return "account/" + name;
    case ClusterView::JobGroup::kQos:
      return "qos/" + name;
  }
  return name;
}

}  // namespace fairway::webhook
