// The validating admission of Accounts, Partitions and QoS (CREATE, UPDATE, DELETE).
//
//   - only admins (identity.h) may write them (RBAC does this in a cluster; the webhook checks
//     it too)                                                   Access/permission denied
//   - the object decodes (api/*_types.h: shares >= 0, node names and selectors, Slurm times,
//     defaultQos within allowedQos, ...)
//   Account   metadata.name at most 63 characters (it is the fairway.dev/account label value
//             on job pods); spec.parent exists, is not the account itself and forms no cycle
//                                                              Invalid parent account specified
//             every spec.defaultFor user has no other default account
//   Partition metadata.name at most 63 characters (the fairway.dev/partition label value);
//             defaultTime <= maxTime
//   QoS       spec.preempt does not lead back to the QoS itself  QOS Preemption loop detected
// References that may be created later (allowedQos, defaultQos, allowAccounts, denyAccounts,
// allowQos, preempt) only draw warnings when nothing of that name exists, since objects are
// often applied in one file in any order; so does a second default Partition, and deleting an
// Account other Accounts name as parent.
//
// Thread-safety: pure function over a thread-safe ClusterView.
#pragma once

#include "config/admission_settings.h"
#include "webhook/admission_review.h"
#include "webhook/cluster_view.h"

namespace fairway::webhook {

// REQUIRES: `request` is for fairway.dev accounts, partitions or qoses.
AdmissionResponse ValidateClusterObject(const AdmissionRequest& request, const ClusterView& view,
                                        const config::AdmissionSettings& settings);

}  // namespace fairway::webhook
