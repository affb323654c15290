// What admission needs to know about the cluster: Accounts, Partitions, QoS and the Jobs of a
// namespace, read-only. The operator implements it over its informer caches (so a standby
// replica that is not the leader still answers webhooks); tests use StaticClusterView.
//
// Thread-safety: implementations are thread-safe (webhook requests arrive concurrently).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "api/account_types.h"
#include "api/job_types.h"
#include "api/partition_types.h"
#include "api/qos_types.h"
#include "webhook/submitted_jobs.h"

namespace fairway::webhook {

class ClusterView {
 public:
  virtual ~ClusterView() = default;

  virtual std::optional<api::AccountObject> GetAccount(const std::string& name) const = 0;
  virtual std::vector<api::AccountObject> ListAccounts() const = 0;
  virtual std::optional<api::PartitionObject> GetPartition(const std::string& name) const = 0;
  virtual std::vector<api::PartitionObject> ListPartitions() const = 0;
  virtual std::optional<api::QosObject> GetQos(const std::string& name) const = 0;
  // One Job of namespace `ns` by metadata.name, or by status.jobID (dependency checks walk the
  // graph one job at a time; there is deliberately no "list every job": a namespace may hold
  // 100,000 of them and admission must stay fast).
  virtual std::optional<api::JobObject> GetJob(const std::string& ns,
                                               const std::string& name) const = 0;
  virtual std::optional<api::JobObject> GetJobById(const std::string& ns,
                                                   uint64_t job_id) const = 0;
  // The Jobs that have not ended of one user, account or QoS, in every namespace (submit
  // limits count them). Indexed: the cost is the group's size, not the number of Jobs.
  enum class JobGroup { kUser, kAccount, kQos };
  virtual std::vector<SubmittedJob> UnfinishedJobs(JobGroup group,
                                                   const std::string& name) const = 0;
};

// An in-memory ClusterView: fill the maps, then share it read-only.
class StaticClusterView : public ClusterView {
 public:
  std::map<std::string, api::AccountObject> accounts;
  std::map<std::string, api::PartitionObject> partitions;
  std::map<std::string, api::QosObject> qos;
  std::map<std::string, std::vector<api::JobObject>> jobs_by_namespace;

  std::optional<api::AccountObject> GetAccount(const std::string& name) const override;
  std::vector<api::AccountObject> ListAccounts() const override;
  std::optional<api::PartitionObject> GetPartition(const std::string& name) const override;
  std::vector<api::PartitionObject> ListPartitions() const override;
  std::optional<api::QosObject> GetQos(const std::string& name) const override;
  std::optional<api::JobObject> GetJob(const std::string& ns,
                                       const std::string& name) const override;
  std::optional<api::JobObject> GetJobById(const std::string& ns, uint64_t job_id) const override;
  std::vector<SubmittedJob> UnfinishedJobs(JobGroup group, const std::string& name) const override;
};

// The index value of `name` in `group` ("user/alice"), as SubmittedJobIndexValues writes them.
std::string JobGroupKey(ClusterView::JobGroup group, const std::string& name);

}  // namespace fairway::webhook
