#include "webhook/internal/job_checks.h"

#include <algorithm>

#include "api/array_task_list.h"
#include "api/pod_template_gpus.h"
#include "webhook/identity.h"
#include "webhook/job_defaults.h"

namespace fairway::webhook::internal {

MaybeViolation CheckJobName(const std::string& name) {
  if (name.size() <= kMaxJobNameLength) return std::nullopt;
  return Plain("metadata.name",
               "must be no more than 63 characters (it has " + std::to_string(name.size()) +
                   "; the Job name is the value of the fairway.dev/job label on the job's pods, "
                   "and Kubernetes label values are limited to 63 characters)");
}

MaybeViolation CheckSubmitter(const UserInfo& user, bool admin, const api::JobSpec& spec) {
  if (spec.user.empty()) {
    return Forbidden("spec.user", kAccessDenied,
                     "spec.user is empty; the mutating webhook mutate.jobs.fairway.dev sets it "
                     "from the authenticated user");
  }
  if (admin) return std::nullopt;
  if (spec.user != user.username) {
    return Forbidden("spec.user", kAccessDenied,
                     "spec.user " + Quote(spec.user) + " is not the authenticated user " +
                         Quote(user.username) +
                         "; only admins may submit on behalf of another user");
  }
  if (spec.groups != StampedGroups(user)) {
    return Forbidden("spec.groups", kAccessDenied,
                     "spec.groups must be the authenticated user's groups; only admins may set "
                     "them");
  }
  return std::nullopt;
}

MaybeViolation CheckSubmitNice(bool admin, const api::JobSpec& spec) {
  if (admin || spec.nice >= 0) return std::nullopt;
  return Forbidden("spec.nice", kInvalidNice, "only admins may set a negative nice");
}

MaybeViolation CheckTemplateGpus(const api::JobSpec& spec) {
  if (Status shape = api::CheckPodTemplateShape(spec.pod_template); !shape.ok()) {
    return Plain(shape.field(), shape.message());
  }
  if (Status gpus = api::CheckTemplateGpusMatch(spec); !gpus.ok()) {
    return Invalid(gpus.field(), kInvalidGres, gpus.message());
  }
  return std::nullopt;
}

MaybeViolation CheckTaskListAnnotations(const api::ObjectMeta& meta) {
  for (std::string_view key : kTaskListAnnotations) {
    auto it = meta.annotations.find(std::string(key));
    if (it == meta.annotations.end()) continue;
    StatusOr<std::set<uint32_t>> list = api::ParseTaskIndexList(it->second);
    if (!list.ok()) {
      return Invalid("metadata.annotations[" + std::string(key) + "]", kInvalidArray,
                     list.status().message());
    }
  }
  return std::nullopt;
}

std::optional<core::Seconds> EffectiveTimeLimit(const api::JobSpec& spec, const ClusterView& view) {
  if (!spec.time_limit.empty()) return TimeLimitOrUnlimited(spec.time_limit);
  std::vector<std::string> names = RequestedPartitionNames(view, spec.partition);
  std::optional<core::Seconds> largest;
  for (const std::string& name : names) {
    std::optional<api::PartitionObject> p = view.GetPartition(name);
    if (!p.has_value()) return std::nullopt;
    std::optional<core::Seconds> t = TimeLimitOrUnlimited(PartitionDefaultTimeLimit(p->spec));
    if (!t.has_value()) return std::nullopt;
    largest = std::max(largest.value_or(core::Seconds(0)), *t);
  }
  return largest;
}

}  // namespace fairway::webhook::internal
