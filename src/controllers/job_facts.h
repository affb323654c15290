// JobFacts: what a scheduling cycle derives from one stored version of a Job, computed once when
// the version is stored (job_store.h) instead of in every cycle. At 100,000 queued Jobs the
// per-cycle conversions (spec -> core::Job, key strings, annotation parsing) were most of the
// operator's own cycle cost; a stored version never changes, so neither do its facts.
//
// A cycle that changes a Job (CycleJob::Mutable) stops using its facts and derives them again
// from the changed Job (snapshot.cc), so facts are never stale.
//
// Thread-safety: immutable once built.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "api/job_types.h"
#include "common/status.h"
#include "controllers/preempt_mark.h"
#include "core/model.h"

namespace fairway::controllers {

struct JobFacts {
  std::string key;  // "namespace/name"
  // The core's view of the Job's own record (CoreJobOf), or why its spec cannot run. Unset
  // where the snapshot does not need it (ended or deleting Jobs) or where it would depend on
  // the cycle's clock (neither status.submitTime nor metadata.creationTimestamp is set).
  std::optional<StatusOr<core::Job>> core_job;
  std::vector<PreemptMark> marks;  // PreemptMarksOf
};

JobFacts DeriveJobFacts(const api::JobObject& job);

// The core's view of a Job's own record, as the snapshot uses it: api::ToCoreJob (`now` is the
// submit time of a Job with neither a submit time nor a creation timestamp), the pod template
// checked against the GPUs the scheduler accounts, the GPU type in lower case, the requeue flag.
// An error means the spec cannot run (the Job ends FAILED with the message).
StatusOr<core::Job> CoreJobOf(const api::JobObject& job, core::Timestamp now);

}  // namespace fairway::controllers
