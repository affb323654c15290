// The validating admission of Jobs (CREATE, UPDATE, DELETE). Every rule names the field it is
// about and answers in Slurm's words where Slurm has some (internal/violation.h).
//
// CREATE
//   - the Job decodes: every Slurm string through the parsers the core uses (api/job_types.h);
//     spec.array against the cluster's MaxArraySize (admission.maxArraySize)
//   - metadata.name at most 63 characters (it is the fairway.dev/job label value of the pods)
//   - spec.user/spec.groups are the authenticated user's, unless an admin submitted
//   - a negative spec.nice only from admins                  Invalid --nice value
//   - account, QoS and partition access (job_access.h)
//   - template GPUs equal spec.resources (pod_template_gpus.h)
//   - submit limits on pending + running jobs (submit_limits.h)
//                                                             Job violates accounting/QOS policy
//                                                             (job submit limit, ...)
//   - dependencies exist, are not the job itself, form no cycle (job_dependencies.h)
// UPDATE (the old object's status tells whether the job has started)
//   - neither owner (spec.user) nor admin: no update at all, not even one that changes nothing
//     (Slurm refuses `scontrol release` of another user's job that is not held); the cluster's
//     cleanup (identity.h) may change metadata other than fairway.dev/ annotations
//                                                             Access/permission denied
//   - spec.user/spec.groups: admins only; fairway.dev/preempted-by: admins only
//   - non-admins: nice only raised (never below 0)            Access/permission denied
//                 timeLimit only lowered                      Requested time limit is invalid
//                                                             (missing or exceeds some limit)
//   - once started, for everyone: spec.user, groups, account, partition, resources, nodes and
//     array are fixed                                         Job is no longer pending execution
//   - changed fields are checked as on CREATE (account/QoS/partition access when one of them or
//     nodes changed; the partition MaxTime for non-admins when timeLimit changed; template GPUs;
//     dependencies; task-list annotations parse). Unchanged fields are not re-checked, so a rule
//     tightened after submission never blocks a cancel or a hold.
// DELETE: the owner, an admin, or the cluster's own cleanup (identity.h IsClusterCleanup).
//                                                             Access/permission denied
//
// Thread-safety: pure function over a thread-safe ClusterView.
#pragma once

#include "config/admission_settings.h"
#include "webhook/admission_review.h"
#include "webhook/cluster_view.h"

namespace fairway::webhook {

// REQUIRES: `request` is for fairway.dev jobs.
AdmissionResponse ValidateJob(const AdmissionRequest& request, const ClusterView& view,
                              const config::AdmissionSettings& settings);

}  // namespace fairway::webhook
