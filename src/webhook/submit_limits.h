// Slurm's submit limits, enforced at submission as slurmctld does (slurm-semantics.md §8): a Job
// that would take its user, account or QoS over a limit on pending + running jobs is refused
// with ESLURM_ACCOUNTING_POLICY, naming the limit the way sbatch prints it first:
//
//   QoS GrpSubmitJobs                                   QOSGrpSubmitJobsLimit
//   QoS MaxSubmitJobsPerUser                            QOSMaxSubmitJobPerUserLimit
//   the user's MaxSubmitJobs in the account: its own    AssocMaxSubmitJobLimit
//     spec.userLimits.<user>.maxSubmitJobs, else the
//     nearest account up the tree setting
//     limits.maxSubmitJobsPerUser
//   GrpSubmitJobs of the account and every ancestor     AssocGrpSubmitJobsLimit
//     (its whole subtree's jobs)
//
// in the order the scheduler checks them (core/limits.h). An array counts one job per task.
// The Jobs counted are those the webhook's informer holds: two submissions racing within the
// watch's delay can both be admitted; the scheduler then keeps the later one pending with the
// same reason (it also does so for jobs admitted before a limit was lowered, as Slurm does).
// Jobs stored without spec.qos (admitted before their QoS existed) count for no QoS here.
//
// Thread-safety: pure function over a thread-safe ClusterView.
#pragma once

#include "api/job_types.h"
#include "webhook/cluster_view.h"
#include "webhook/internal/violation.h"

namespace fairway::webhook {

// REQUIRES: spec passed CheckJobAccess (its account exists).
internal::MaybeViolation CheckSubmitLimits(const api::JobSpec& spec, const ClusterView& view);

}  // namespace fairway::webhook
