// The job history sacct reads: the JobRecords the operator writes when a Job ends
// (controllers/job_history.h, crds/fairway.dev_jobrecords.yaml), as the Jobs they record, merged
// with the Jobs that still exist.
//
// Thread-safety: functions of one ApiClient; pure otherwise.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "api/job_types.h"
#include "common/status.h"
#include "core/types.h"
#include "kube/api_client.h"

namespace fairway::cli {

// The records of namespace `ns` ("" = all) of Jobs that ended on or after the UTC date of
// `ended_since` (nullopt: every record), decoded as JobObjects. An API server that does not serve
// JobRecords (no CRD) gives an empty list; other errors, such as PermissionDenied, are returned.
[[nodiscard]] StatusOr<std::vector<api::JobObject>> ListJobRecords(
    kube::ApiClient& client, const std::string& ns, std::optional<core::Timestamp> ended_since,
    core::Timestamp now);

// `jobs` followed by the records whose Job no longer exists (a Job and its record share a uid).
std::vector<api::JobObject> MergeJobHistory(std::vector<api::JobObject> jobs,
                                            const std::vector<api::JobObject>& records);

}  // namespace fairway::cli
