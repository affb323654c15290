// ClusterView over informer caches: Accounts, Partitions, QoS and Jobs listed and watched from
// the API server by the operator process whether or not it leads, so every replica answers
// admission requests (a standby's webhook must not depend on the leader's controllers).
//
// Jobs are indexed by status.jobID, so GetJobById is a lookup, not a scan. Objects are decoded
// on each read (one object per call); an object that does not decode reads as absent. GetJob
// falls back to a GET from the API server when the cache misses: a user who creates job A and
// then job B depending on A in the same second must not be refused because the watch has not
// delivered A yet. (A job ID cannot be looked up that way; one is assigned only after the
// operator's first cycle, by which time the watch has long delivered the job.)
//
// Thread-safety: thread-safe (the informer caches are). Start/Stop from one thread.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "kube/api_client.h"
#include "kube/informer.h"
#include "webhook/cluster_view.h"

namespace fairway::webhook {

class InformerClusterView : public ClusterView {
 public:
  // REQUIRES: client and clock outlive the view.
  InformerClusterView(kube::ApiClient* client, Clock* clock);
  ~InformerClusterView() override;
  InformerClusterView(const InformerClusterView&) = delete;
  InformerClusterView& operator=(const InformerClusterView&) = delete;

  // Starts the informers and waits up to `timeout` for their first lists. kUnavailable when
  // they did not sync in time (the API server is unreachable or the CRDs are missing).
  [[nodiscard]] Status Start(Duration timeout);
  void Stop();
  // True once every informer has listed.
  bool HasSynced() const;

  std::optional<api::AccountObject> GetAccount(const std::string& name) const override;
  std::vector<api::AccountObject> ListAccounts() const override;
  std::optional<api::PartitionObject> GetPartition(const std::string& name) const override;
  std::vector<api::PartitionObject> ListPartitions() const override;
  std::optional<api::QosObject> GetQos(const std::string& name) const override;
  std::optional<api::JobObject> GetJob(const std::string& ns,
                                       const std::string& name) const override;
  std::optional<api::JobObject> GetJobById(const std::string& ns, uint64_t job_id) const override;
  std::vector<SubmittedJob> UnfinishedJobs(JobGroup group, const std::string& name) const override;

 private:
  kube::ApiClient* const client_;
  std::unique_ptr<kube::Informer> accounts_;
  std::unique_ptr<kube::Informer> partitions_;
  std::unique_ptr<kube::Informer> qos_;
  std::unique_ptr<kube::Informer> jobs_;
};

}  // namespace fairway::webhook
