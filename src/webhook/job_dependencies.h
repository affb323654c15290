// Dependency checks of a Job (slurm-semantics.md §6 --dependency; Slurm's
// update_job_dependency and _scan_depend):
//
//   - every target exists in the Job's namespace: a Job name, a status.jobID, or an array task
//     "<jobID>_<index>" whose index is one of the array's     -> Job dependency problem
//   - no target is the job itself                              -> Job dependency problem
//   - no cycle: following the dependencies of the targets, and of their targets, never leads
//     back to the job                                          -> Job dependency problem
//                                                                 (... Circular job dependency:
//                                                                 a -> b -> a)
// `singleton` names no target. The cycle walk passes only through jobs that have not ended (an
// ended job's dependencies no longer wait on anything) and stops after kMaxDependencyWalk jobs,
// so one admission request stays cheap however long a chain is.
//
// Thread-safety: pure function over a thread-safe ClusterView.
#pragma once

#include <cstddef>
#include <string>

#include "api/job_types.h"
#include "webhook/cluster_view.h"
#include "webhook/internal/violation.h"

namespace fairway::webhook {

inline constexpr size_t kMaxDependencyWalk = 10000;

// REQUIRES: job.spec.dependency parses (the Job decoded). `job.meta.name` and, on UPDATE,
// `job.status.job_id` identify the job itself; `ns` is its namespace.
internal::MaybeViolation CheckDependencies(const api::JobObject& job, const std::string& ns,
                                           const ClusterView& view);

}  // namespace fairway::webhook
