// Starts decided by a cycle whose RUNNING status the Job informer has not delivered yet (the
// Kubernetes scheduler's "assume"): the snapshot treats them as running, so no later cycle
// hands out the same GPUs. A start is added before its first write, forgotten when its
// binding fails or the job is cancelled or requeued, and confirmed (dropped) once the Job
// store (job_store.h: the informer's version or our own write) shows the instance out of PENDING.
//
// Thread-safety: thread-safe (the binder's workers add and forget concurrently).
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/mutex.h"
#include "controllers/snapshot.h"

namespace fairway::controllers {

class AssumedStarts {
 public:
  void Add(const AssumedStart& start);
  // Forgets the start of one instance (`index` nullopt: the job itself).
  void Forget(const std::string& job_key, std::optional<uint32_t> index);
  // Forgets every start of a job (cancel, requeue).
  void ForgetJob(const std::string& job_key);
  // Drops the starts `jobs` now show (or whose Job is gone). REQUIRES: `jobs` sorted by key
  // (ClusterObjects::jobs is).
  void Confirm(const std::vector<CycleJob>& jobs);
  std::vector<AssumedStart> List() const;
  // "ns/name" or "ns/name_<index>" of every assumed instance.
  std::set<std::string> InstanceKeys() const;

 private:
  mutable Mutex mu_;
  std::vector<AssumedStart> starts_ FAIRWAY_GUARDED_BY(mu_);
};

}  // namespace fairway::controllers
