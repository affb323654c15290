// CycleJob: a Job as one scheduling cycle sees it, shared with the Job store (job_store.h)
// until the cycle changes it. Loading 100,000 Jobs into a cycle then copies pointers, not Jobs
// (a decoded pending Job is ~2 KiB in ~10 allocations); only the Jobs the cycle writes are
// copied, on their first change (Mutable).
//
// Reads go through `->`, `*` or the implicit conversion to const api::JobObject&, so
// `for (const api::JobObject& j : objects.jobs)` works unchanged. The facts derived from the
// stored version (job_facts.h) are offered until the cycle changes the Job.
//
// Thread-safety: like a value; distinct CycleJobs may be used from different threads.
#pragma once

#include <memory>
#include <string>
#include <utility>

#include "api/job_types.h"
#include "controllers/job_facts.h"

namespace fairway::controllers {

class CycleJob {
 public:
  // A Job of its own (tests, and Jobs built by the cycle).
  CycleJob(api::JobObject job)  // NOLINT(google-explicit-constructor): values convert
      : shared_(std::make_shared<const api::JobObject>(std::move(job))),
        facts_(std::make_shared<const JobFacts>(DeriveJobFacts(*shared_))) {}
  // A stored Job and the facts derived from it.
  CycleJob(std::shared_ptr<const api::JobObject> shared, std::shared_ptr<const JobFacts> facts)
      : shared_(std::move(shared)), facts_(std::move(facts)) {}

  const api::JobObject& operator*() const { return *get(); }
  const api::JobObject* operator->() const { return get(); }
  operator const api::JobObject&() const { return *get(); }  // NOLINT: reads convert

  // "namespace/name", which no change alters.
  const std::string& key() const { return facts_->key; }
  // The stored version's facts, or null once the cycle changed the Job.
  const JobFacts* facts() const { return own_ ? nullptr : facts_.get(); }

  // The Job to change; copies the shared Job on the first call. References taken before keep
  // reading the shared version (it stays alive with this CycleJob).
  api::JobObject& Mutable() {
    if (own_ == nullptr) own_ = std::make_shared<api::JobObject>(*shared_);
    return *own_;
  }

 private:
  const api::JobObject* get() const { return own_ ? own_.get() : shared_.get(); }

  std::shared_ptr<const api::JobObject> shared_;
  std::shared_ptr<const JobFacts> facts_;
  std::shared_ptr<api::JobObject> own_;  // the copy, once changed
};

}  // namespace fairway::controllers
