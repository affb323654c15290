#include "webhook/job_validation.h"

#include <string>

#include "webhook/identity.h"
#include "webhook/internal/job_checks.h"
#include "webhook/internal/job_decode.h"
#include "webhook/internal/job_update.h"
#include "webhook/job_access.h"
#include "webhook/job_dependencies.h"
#include "webhook/submit_limits.h"

namespace fairway::webhook {

using internal::MaybeViolation;

namespace {

std::string NamespaceOf(const AdmissionRequest& request, const api::JobObject& job) {
  return request.namespace_name.empty() ? job.meta.namespace_name : request.namespace_name;
}

MaybeViolation CreateViolation(const AdmissionRequest& request, const ClusterView& view,
                               const config::AdmissionSettings& settings) {
  internal::DecodedJob decoded;
  if (MaybeViolation v = internal::DecodeJob(request.object, settings.max_array_size, &decoded)) {
    return v;
  }
  api::JobObject& job = decoded.job;
  if (job.meta.name.empty()) job.meta.name = request.name;
  bool admin = IsAdmin(request.user, settings);
  if (MaybeViolation v = internal::CheckJobName(job.meta.name)) return v;
  if (MaybeViolation v = internal::CheckSubmitter(request.user, admin, job.spec)) return v;
  if (MaybeViolation v = internal::CheckSubmitNice(admin, job.spec)) return v;
  if (MaybeViolation v = CheckJobAccess(job.spec, view)) return v;
  if (MaybeViolation v = internal::CheckTemplateGpus(job.spec)) return v;
  if (MaybeViolation v = internal::CheckTaskListAnnotations(job.meta)) return v;
  if (MaybeViolation v = CheckSubmitLimits(job.spec, view)) return v;
  job.status = api::JobStatus{};  // a new job has no jobID of its own yet
  return CheckDependencies(job, NamespaceOf(request, job), view);
}

// spec.user of a stored Job, read directly so that an object the current decoders would refuse
// can still be deleted by its owner.
std::string StoredOwner(const nlohmann::json& old_object) {
  if (!old_object.is_object()) return "";
  auto spec = old_object.find("spec");
  if (spec == old_object.end() || !spec->is_object()) return "";
  auto user = spec->find("user");
  return user != spec->end() && user->is_string() ? user->get<std::string>() : "";
}

AdmissionResponse ValidateDelete(const AdmissionRequest& request,
                                 const config::AdmissionSettings& settings) {
  if (IsAdmin(request.user, settings) || IsClusterCleanup(request.user)) {
    return Allow(request.uid);
  }
  std::string owner = StoredOwner(request.old_object);
  if (owner.empty()) {
    return internal::DenyFor(
        request.uid,
        internal::Forbidden("", internal::kAccessDenied,
                            "the job's owner is unknown; only an admin may delete it"));
  }
  if (owner == request.user.username) return Allow(request.uid);
  return internal::DenyFor(request.uid,
                           internal::Forbidden("", internal::kAccessDenied,
                                               "only the job's owner " + internal::Quote(owner) +
                                                   " or an admin may delete it"));
}

}  // namespace

AdmissionResponse ValidateJob(const AdmissionRequest& request, const ClusterView& view,
                              const config::AdmissionSettings& settings) {
  if (!request.sub_resource.empty()) return Allow(request.uid);
  switch (request.operation) {
    case Operation::kCreate:
      if (MaybeViolation v = CreateViolation(request, view, settings)) {
        return internal::DenyFor(request.uid, *v);
      }
      return Allow(request.uid);
    case Operation::kUpdate:
      return internal::ValidateJobUpdate(request, view, settings);
    case Operation::kDelete:
      return ValidateDelete(request, settings);
    case Operation::kConnect:
      break;
  }
  return Allow(request.uid);
}

}  // namespace fairway::webhook
