// jobIDs (slurm-semantics: unique, increasing, stable across restarts and failovers).
//
// The counter lives in ConfigMap `<namespace>/<name>` (data.nextJobID), updated with a
// resourceVersion precondition (a lost race re-reads and retries), and never below
// max(existing jobIDs)+1, so ids stay unique even if the ConfigMap is deleted. An array
// reserves one id per task (snapshot.h).
//
// New jobs of a cycle get their ids from one counter update, in job order. An id lives in
// memory (by Job uid) until the job's first status write carries it: its start, or its first
// pending status after the cycle's starts, so a queue of 100,000 new jobs costs no write before
// the first start. A restarted operator loses the unwritten ids and allocates past the counter:
// a gap, harmless as in Slurm, never a duplicate.
//
// Thread-safety: not thread-safe (the scheduler loop's thread only).
#pragma once

#include <map>
#include <string>

#include "common/log.h"
#include "common/status.h"
#include "controllers/snapshot.h"
#include "kube/api_client.h"

namespace fairway::controllers {

class JobIdAssigner {
 public:
  // REQUIRES: client outlives the assigner.
  JobIdAssigner(kube::ApiClient* client, std::string configmap_namespace,
                std::string configmap_name)
      : client_(client),
        namespace_(std::move(configmap_namespace)),
        name_(std::move(configmap_name)) {}

  // Gives every job without a stored jobID its id (allocating for new ones) and its first
  // status (PENDING, submit time, array ranges) in `objects`, in memory.
  void Assign(ClusterObjects* objects, core::Timestamp now, const Logger& log);

 private:
  // Reserves `count` consecutive ids; returns the first.
  StatusOr<uint64_t> Allocate(uint64_t count, const ClusterObjects& objects);

  kube::ApiClient* const client_;
  const std::string namespace_;
  const std::string name_;
  std::map<std::string, uint64_t> unwritten_;  // Job uid -> jobID not yet in its status
};

}  // namespace fairway::controllers
