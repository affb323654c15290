// JobStore: the operator's typed cache of Fairway Jobs, the one place a Job is held in full.
//
// The Jobs informer runs every object it receives through Absorb (its transform, see
// kube::InformerOptions): the Job is decoded once per resourceVersion into api::JobObject and
// the informer keeps only a stub (apiVersion, kind, metadata name/namespace/uid/resourceVersion/
// generation, status jobID/reason/message): the stub is what events name and what a status
// write carries besides the status (a PUT of the status subresource ignores everything else,
// kubernetes-api.md §2). Holding the JSON of 100,000 Jobs took ~12 KiB each; the typed form a
// third of that.
//
// The operator's own writes go through Absorb too (JobWriter), so the store holds the newest
// version from either source: an informer event older than our write is ignored, as the
// informer's cache ignores stale events (kube::ResourceVersionNewer). That is the "assume"
// overlay of the Kubernetes scheduler for our status writes: the next cycle reads what was
// written, not the informer's older copy.
//
// Entries of Jobs the informer no longer has are dropped by Erase (its delete handler) and
// Retain (each cycle, for writes that landed after a delete).
//
// Thread-safety: thread-safe (the informer's thread, the loop and the start workers).
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <unordered_map>

#include "api/job_types.h"
#include "common/mutex.h"
#include "common/status.h"
#include "kube/informer.h"

namespace fairway::controllers {

class JobStore {
 public:
  struct Entry {
    kube::ObjectPtr stub;          // what the informer stores (see the file comment)
    StatusOr<api::JobObject> job;  // the decoded Job, or why it does not decode
  };
  using EntryPtr = std::shared_ptr<const Entry>;

  // Decodes `object` into the store unless the stored version is newer; returns its stub.
  nlohmann::json Absorb(nlohmann::json object);
  // The newest version of the Job `key` ("namespace/name"), or null.
  EntryPtr Get(const std::string& key) const;
  void Erase(const std::string& key);
  // Drops entries whose key is not in `present`.
  void Retain(const std::set<std::string>& present);
  size_t Size() const;

 private:
  mutable Mutex mu_;
  std::unordered_map<std::string, EntryPtr> entries_ FAIRWAY_GUARDED_BY(mu_);
};

// The stub of a Job object (see the file comment).
nlohmann::json JobStub(const nlohmann::json& object);

}  // namespace fairway::controllers
