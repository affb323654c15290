// JobStore: the operator's typed cache of Fairway Jobs, the one place a Job is held in full.
//
// The Jobs informer runs every object it receives through Absorb (its transform, see
// kube::InformerOptions): the Job is decoded once per resourceVersion into api::JobObject, kept
// with its stub (apiVersion, kind, metadata name/namespace/uid/resourceVersion/generation,
// status jobID/reason/message: what events name and what a status write carries besides the
// status, as a PUT of the status subresource ignores everything else, kubernetes-api.md §2),
// and the informer keeps only name, namespace and resourceVersion. A pending Job's JSON takes
// ~7 KiB of heap, its decoded form ~2 KiB.
//
// The operator's own writes go through PutIfPresent (JobWriter), so the store holds the newest
// version from either source: an informer event older than our write is ignored, as the
// informer's cache ignores stale events (kube::ResourceVersionNewer). That is the "assume"
// overlay of the Kubernetes scheduler for our status writes: the next cycle reads what was
// written, not the informer's older copy.
//
// Each entry also carries the facts a cycle derives from its version (job_facts.h), computed
// here once (on the informer's thread) rather than in every cycle.
//
// Entries of Jobs the informer no longer has are dropped by Erase (its delete handler); our
// writes only replace entries that exist (PutIfPresent), so a write that lands after the
// delete does not bring the Job back.
//
// Thread-safety: thread-safe (the informer's thread, the loop and the start workers).
#pragma once

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "api/job_types.h"
#include "common/mutex.h"
#include "common/status.h"
#include "controllers/job_facts.h"
#include "kube/informer.h"

namespace fairway::controllers {

class JobStore {
 public:
  struct Entry {
    kube::ObjectPtr stub;          // what the informer stores (see the file comment)
    StatusOr<api::JobObject> job;  // the decoded Job, or why it does not decode
    JobFacts facts;                // derived from `job` (empty when it does not decode)
  };
  using EntryPtr = std::shared_ptr<const Entry>;

  // Decodes `object` into the store unless the stored version is newer; returns the entry of
  // `object` (stored or not).
  EntryPtr Put(const nlohmann::json& object);
  // Put, but only where the Job has an entry (the response of our own write).
  EntryPtr PutIfPresent(const nlohmann::json& object);
  // The Jobs informer's transform: Put, and return what the informer keeps (metadata name,
  // namespace, resourceVersion).
  nlohmann::json Absorb(nlohmann::json object);
  // The newest version of the Job `key` ("namespace/name"), or null.
  EntryPtr Get(const std::string& key) const;
  // Every entry, by key: a cycle's Jobs in a stable order without sorting 100,000 of them.
  std::vector<EntryPtr> List() const;
  void Erase(const std::string& key);
  size_t Size() const;

 private:
  EntryPtr Store(const nlohmann::json& object, bool insert);

  mutable Mutex mu_;
  std::map<std::string, EntryPtr> entries_ FAIRWAY_GUARDED_BY(mu_);
};

// The stub of a Job object (see the file comment).
nlohmann::json JobStub(const nlohmann::json& object);

}  // namespace fairway::controllers
