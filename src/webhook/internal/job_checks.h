// Single-field checks of a decoded Job shared by CREATE and UPDATE validation
// (job_validation.h), and the user-action annotations (controllers/names.h).
//
// Thread-safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "api/job_types.h"
#include "core/types.h"
#include "webhook/admission_review.h"
#include "webhook/cluster_view.h"
#include "webhook/internal/violation.h"

namespace fairway::webhook::internal {

// User-action annotations on Jobs, as in controllers/names.h (the webhook module does not depend
// on controllers): the owner or an admin may set, change or remove them.
inline constexpr std::string_view kUserActionAnnotations[] = {
    "fairway.dev/cancel",       "fairway.dev/requeue",    "fairway.dev/requeue-hold",
    "fairway.dev/cancel-tasks", "fairway.dev/hold-tasks", "fairway.dev/release-tasks",
    "fairway.dev/requeue-tasks"};
// Annotations whose values are array index lists (api/array_task_list.h).
inline constexpr std::string_view kTaskListAnnotations[] = {
    "fairway.dev/cancel-tasks", "fairway.dev/hold-tasks", "fairway.dev/release-tasks",
    "fairway.dev/requeue-tasks"};
// Written by the operator only (preemption victims): admins only.
inline constexpr std::string_view kPreemptedByAnnotation = "fairway.dev/preempted-by";
// Every annotation under this prefix is the owner's or an admin's to change.
inline constexpr std::string_view kFairwayAnnotationPrefix = "fairway.dev/";

// Longest Job name: the name is the value of the fairway.dev/job label on the job's pods, and
// Kubernetes label values are at most 63 characters.
inline constexpr size_t kMaxJobNameLength = 63;

// metadata.name (or the request's name) at most kMaxJobNameLength characters.
MaybeViolation CheckJobName(const std::string& name);

// spec.user and spec.groups are the authenticated user's, unless an admin submitted.
MaybeViolation CheckSubmitter(const UserInfo& user, bool admin, const api::JobSpec& spec);

// Only admins submit with a negative nice (Slurm: ESLURM_INVALID_NICE for non-operators).
MaybeViolation CheckSubmitNice(bool admin, const api::JobSpec& spec);

// GPUs of spec.template equal spec.resources' per-node GPUs (pod_template_gpus.h).
MaybeViolation CheckTemplateGpus(const api::JobSpec& spec);

// The values of the task-list annotations parse.
MaybeViolation CheckTaskListAnnotations(const api::ObjectMeta& meta);

// The time limit a job runs under: spec.timeLimit, else the largest default among its requested
// partitions (job_defaults.h); nullopt = unlimited.
std::optional<core::Seconds> EffectiveTimeLimit(const api::JobSpec& spec, const ClusterView& view);

}  // namespace fairway::webhook::internal
