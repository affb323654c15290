// UPDATE validation of Jobs: who may change what, what is fixed once a job started, and the
// value checks of the fields that changed (job_validation.h lists the rules).
#include <algorithm>
#include <string>
#include <vector>

#include "api/array_spec.h"
#include "api/time_limit.h"
#include "webhook/identity.h"
#include "webhook/internal/job_checks.h"
#include "webhook/internal/job_decode.h"
#include "webhook/internal/job_update.h"
#include "webhook/job_access.h"
#include "webhook/job_dependencies.h"

namespace fairway::webhook::internal {
namespace {

// Names of the spec fields (JSON keys) that differ between `a` and `b`, in a fixed order.
std::vector<std::string> ChangedSpecFields(const api::JobSpec& a, const api::JobSpec& b) {
  std::vector<std::string> out;
  auto check = [&out](bool differs, const char* key) {
    if (differs) out.emplace_back(key);
  };
  check(a.user != b.user, "user");
  check(a.groups != b.groups, "groups");
  check(a.account != b.account, "account");
  check(a.partition != b.partition, "partition");
  check(a.qos != b.qos, "qos");
  check(a.time_limit != b.time_limit, "timeLimit");
  check(a.nodes != b.nodes, "nodes");
  check(!(a.resources == b.resources), "resources");
  check(a.array != b.array, "array");
  check(a.begin != b.begin, "begin");
  check(a.dependency != b.dependency, "dependency");
  check(a.hold != b.hold, "hold");
  check(a.nice != b.nice, "nice");
  check(a.requeue != b.requeue, "requeue");
  check(a.exclusive != b.exclusive, "exclusive");
  check(a.constraint != b.constraint, "constraint");
  check(a.pod_template != b.pod_template, "template");
  check(out.empty() && !(a == b), "spec");  // a field added to JobSpec but not listed here
  return out;
}

// fairway.dev/ annotations added, changed or removed.
std::vector<std::string> ChangedFairwayAnnotations(const api::ObjectMeta& a,
                                                   const api::ObjectMeta& b) {
  std::vector<std::string> out;
  auto scan = [&out](const api::ObjectMeta& x, const api::ObjectMeta& y) {
    for (const auto& [key, value] : x.annotations) {
      if (key.rfind(kFairwayAnnotationPrefix, 0) != 0) continue;
      auto it = y.annotations.find(key);
      bool differs = it == y.annotations.end() || it->second != value;
      if (differs && std::find(out.begin(), out.end(), key) == out.end()) out.push_back(key);
    }
  };
  scan(a, b);
  scan(b, a);
  return out;
}

bool Has(const std::vector<std::string>& list, std::string_view value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

std::string AnnotationField(const std::string& key) { return "metadata.annotations[" + key + "]"; }

// Slurm refuses any update of another user's job, even one that changes nothing (`scontrol
// release` of a job that is not held): so does this, whatever the update. The cluster's cleanup
// (identity.h) may still change metadata such as finalizers and ownerReferences.
MaybeViolation CheckWhoMayChange(bool admin, bool cleanup, const std::string& owner,
                                 const std::string& user,
                                 const std::vector<std::string>& spec_changes,
                                 const std::vector<std::string>& annotation_changes) {
  if (admin) return std::nullopt;
  if (owner.empty() || owner != user) {
    bool fairway_fields = !spec_changes.empty() || !annotation_changes.empty();
    if (cleanup && !fairway_fields) return std::nullopt;
    std::string field = !spec_changes.empty()         ? "spec." + spec_changes.front()
                        : !annotation_changes.empty() ? AnnotationField(annotation_changes.front())
                                                      : "";
    return Forbidden(field, kAccessDenied,
                     owner.empty()
                         ? "the job has no owner (spec.user); only an admin may change it"
                         : "only the job's owner " + Quote(owner) + " or an admin may change it");
  }
  for (const char* key : {"user", "groups"}) {
    if (Has(spec_changes, key)) {
      return Forbidden(std::string("spec.") + key, kAccessDenied,
                       "set from the authenticated user at submission; only admins may change it");
    }
  }
  if (Has(annotation_changes, kPreemptedByAnnotation)) {
    return Forbidden(AnnotationField(std::string(kPreemptedByAnnotation)), kAccessDenied,
                     "written by the operator; only admins may change it");
  }
  return std::nullopt;
}

// Slurm lets a pending job's account, partition, ... change, never a started one's.
MaybeViolation CheckStartedImmutable(const DecodedJob& old,
                                     const std::vector<std::string>& spec_changes) {
  if (!HasStarted(old)) return std::nullopt;
  bool running = old.status_ok && old.job.status.state == core::JobState::kRunning;
  for (const char* key :
       {"user", "groups", "account", "partition", "resources", "nodes", "array"}) {
    if (Has(spec_changes, key)) {
      return Invalid(std::string("spec.") + key, kJobNotPending,
                     std::string("cannot change ") +
                         (running ? "while the job is running" : "once the job has started"));
    }
  }
  return std::nullopt;
}

// Slurm's update_job: a non-operator may set nice >= 0 only (here: only raise it) and may only
// lower a time limit.
MaybeViolation CheckUnprivilegedChanges(const api::JobSpec& old_spec, const api::JobSpec& spec,
                                        const std::vector<std::string>& spec_changes,
                                        const ClusterView& view) {
  if (Has(spec_changes, "nice") && (spec.nice < 0 || spec.nice < old_spec.nice)) {
    return Forbidden("spec.nice", kAccessDenied,
                     spec.nice < 0
                         ? "only admins may set a negative nice"
                         : "only admins may lower nice (from " + std::to_string(old_spec.nice) +
                               " to " + std::to_string(spec.nice) + ")");
  }
  if (Has(spec_changes, "timeLimit") || Has(spec_changes, "partition")) {
    std::optional<core::Seconds> before = EffectiveTimeLimit(old_spec, view);
    std::optional<core::Seconds> after = EffectiveTimeLimit(spec, view);
    if (before.has_value() && (!after.has_value() || *after > *before)) {
      return Forbidden("spec.timeLimit", kInvalidTimeLimit,
                       "only admins may raise the time limit (from " +
                           api::FormatTimeLimit(before) + " to " + api::FormatTimeLimit(after) +
                           ")");
    }
  }
  return std::nullopt;
}

// Value checks of the fields that changed (as on CREATE).
MaybeViolation CheckChangedValues(const AdmissionRequest& request, bool admin,
                                  const api::JobObject& old_job, api::JobObject job,
                                  const std::vector<std::string>& spec_changes,
                                  const std::vector<std::string>& annotation_changes,
                                  const ClusterView& view,
                                  const config::AdmissionSettings& settings) {
  auto changed = [&](const char* key) { return Has(spec_changes, key); };
  if (changed("array")) {
    if (MaybeViolation v = CheckArraySpec(job.spec.array, settings.max_array_size)) return v;
  }
  JobAccessOptions options;
  options.check_account = changed("account");
  options.check_qos = changed("qos") || changed("account");
  options.check_partition_access = changed("account") || changed("qos") || changed("partition");
  options.check_time_limit = !admin && (changed("timeLimit") || changed("partition"));
  options.check_partition_limits =
      changed("partition") || changed("nodes") || options.check_time_limit;
  if (options.check_account || options.check_qos || options.check_partition_access ||
      options.check_partition_limits) {
    if (MaybeViolation v = CheckJobAccess(job.spec, view, options)) return v;
  }
  if (changed("resources") || changed("template")) {
    if (MaybeViolation v = CheckTemplateGpus(job.spec)) return v;
  }
  for (std::string_view key : kTaskListAnnotations) {
    if (Has(annotation_changes, key)) {
      if (MaybeViolation v = CheckTaskListAnnotations(job.meta)) return v;
      break;
    }
  }
  if (changed("dependency")) {
    job.status = old_job.status;  // its jobID identifies the job itself
    std::string ns =
        request.namespace_name.empty() ? old_job.meta.namespace_name : request.namespace_name;
    return CheckDependencies(job, ns, view);
  }
  return std::nullopt;
}

}  // namespace

AdmissionResponse ValidateJobUpdate(const AdmissionRequest& request, const ClusterView& view,
                                    const config::AdmissionSettings& settings) {
  DecodedJob now;
  // Slurm's ceiling here; the cluster's MaxArraySize applies when spec.array changes.
  if (MaybeViolation v = DecodeJob(request.object, api::kMaxMaxArraySize, &now)) {
    return DenyFor(request.uid, *v);
  }
  bool admin = IsAdmin(request.user, settings);
  DecodedJob old;
  // The stored object against Slurm's ceiling: the cluster's limit may have been lowered since.
  if (MaybeViolation v = DecodeJob(request.old_object, api::kMaxMaxArraySize, &old)) {
    if (admin) return Allow(request.uid);
    return DenyFor(request.uid, Forbidden("", kAccessDenied,
                                          "the stored Job does not decode (" + v->Text() +
                                              "); only an admin can change it"));
  }
  std::vector<std::string> spec_changes = ChangedSpecFields(old.job.spec, now.job.spec);
  std::vector<std::string> annotation_changes =
      ChangedFairwayAnnotations(old.job.meta, now.job.meta);
  MaybeViolation v = CheckWhoMayChange(admin, IsClusterCleanup(request.user), old.job.spec.user,
                                       request.user.username, spec_changes, annotation_changes);
  if (!v) v = CheckStartedImmutable(old, spec_changes);
  if (!v && !admin) v = CheckUnprivilegedChanges(old.job.spec, now.job.spec, spec_changes, view);
  if (!v) {
    v = CheckChangedValues(request, admin, old.job, std::move(now.job), spec_changes,
                           annotation_changes, view, settings);
  }
  return v ? DenyFor(request.uid, *v) : Allow(request.uid);
}

}  // namespace fairway::webhook::internal
