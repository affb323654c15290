// UPDATE validation of Jobs (the rules are listed in job_validation.h).
//
// Thread-safety: pure function over a thread-safe ClusterView.
#pragma once

#include "config/admission_settings.h"
#include "webhook/admission_review.h"
#include "webhook/cluster_view.h"

namespace fairway::webhook::internal {

// REQUIRES: request.operation == kUpdate.
AdmissionResponse ValidateJobUpdate(const AdmissionRequest& request, const ClusterView& view,
                                    const config::AdmissionSettings& settings);

}  // namespace fairway::webhook::internal
