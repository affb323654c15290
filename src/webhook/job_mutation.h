// The mutating admission of Jobs (CREATE): identity stamping and Slurm's submission defaults,
// returned as a JSON patch.
//
//   spec.user, spec.groups  := userInfo.username, userInfo.groups, whatever the client wrote
//                              (a warning says so when it differed). Admins may submit on
//                              behalf of a user, as Slurm's root may: when an admin's Job names
//                              spec.user it is kept as written (spec.groups too); when it names
//                              none, the admin's own identity is stamped.
//   spec.account, spec.partition, spec.qos, spec.timeLimit
//                           := job_defaults.h, each only when empty; timeLimit only when every
//                              requested partition gives the same default.
//   spec.template           GPUs per node (spec.resources) become the nvidia.com/gpu limit of
//                              the first container when no container names nvidia.com/gpu.
// A Job that does not decode is denied with the validating webhook's message.
//
// Thread-safety: pure function over a thread-safe ClusterView.
#pragma once

#include "config/admission_settings.h"
#include "webhook/admission_review.h"
#include "webhook/cluster_view.h"

namespace fairway::webhook {

// REQUIRES: `request` is for fairway.dev jobs.
AdmissionResponse MutateJob(const AdmissionRequest& request, const ClusterView& view,
                            const config::AdmissionSettings& settings);

}  // namespace fairway::webhook
