#include "webhook/job_mutation.h"

#include <string>
#include <vector>

#include "api/pod_template_gpus.h"
#include "webhook/identity.h"
#include "webhook/internal/job_decode.h"
#include "webhook/job_defaults.h"
#include "webhook/pod_template_gpus.h"

namespace fairway::webhook {

using internal::Quote;
using nlohmann::json;

namespace {

struct Mutation {
  json patch = json::array();
  std::vector<std::string> warnings;

  // "add" replaces an existing member and creates a missing one (RFC 6902 §4.1).
  void SetSpec(const std::string& key, json value) {
    patch.push_back({{"op", "add"}, {"path", "/spec/" + key}, {"value", std::move(value)}});
  }
};

void StampIdentity(const UserInfo& user, bool admin, api::JobSpec* spec, Mutation* m) {
  if (admin && !spec->user.empty()) return;  // submitted on behalf of spec.user
  if (spec->user != user.username) {
    if (!spec->user.empty()) {
      m->warnings.push_back("spec.user " + Quote(spec->user) +
                            " was replaced by the authenticated user " + Quote(user.username));
    }
    spec->user = user.username;
    m->SetSpec("user", spec->user);
  }
  std::vector<std::string> groups = StampedGroups(user);
  if (spec->groups != groups) {
    if (!spec->groups.empty()) {
      m->warnings.push_back("spec.groups was replaced by the authenticated user's groups");
    }
    spec->groups = std::move(groups);
    m->SetSpec("groups", spec->groups);
  }
}

// The defaultTime every requested partition agrees on; "" when they differ, one is missing, or
// the default is unlimited.
std::string AgreedDefaultTime(const ClusterView& view, const std::string& partition_field) {
  std::vector<std::string> names = RequestedPartitionNames(view, partition_field);
  std::string agreed;
  for (size_t i = 0; i < names.size(); ++i) {
    std::optional<api::PartitionObject> p = view.GetPartition(names[i]);
    if (!p.has_value()) return "";
    std::string t = PartitionDefaultTimeLimit(p->spec);
    if (t.empty()) return "";
    if (i == 0) {
      agreed = t;
    } else if (TimeLimitOrUnlimited(t) != TimeLimitOrUnlimited(agreed)) {
      return "";
    }
  }
  return agreed;
}

void FillDefaults(const ClusterView& view, api::JobSpec* spec, Mutation* m) {
  if (spec->account.empty()) {
    if (std::optional<std::string> a = DefaultAccount(view, spec->user, spec->groups)) {
      spec->account = *a;
      m->SetSpec("account", spec->account);
    }
  }
  if (spec->partition.empty()) {
    if (std::optional<api::PartitionObject> p = DefaultPartition(view)) {
      spec->partition = p->meta.name;
      m->SetSpec("partition", spec->partition);
    }
  }
  if (spec->qos.empty()) {
    std::optional<api::AccountObject> account;
    if (!spec->account.empty()) account = view.GetAccount(spec->account);
    std::string qos = DefaultQos(view, account);
    if (!qos.empty()) {
      spec->qos = qos;
      m->SetSpec("qos", spec->qos);
    }
  }
  if (spec->time_limit.empty()) {
    std::string t = AgreedDefaultTime(view, spec->partition);
    if (!t.empty()) {
      spec->time_limit = t;
      m->SetSpec("timeLimit", spec->time_limit);
    }
  }
}

void FillTemplateGpus(const api::JobSpec& spec, Mutation* m) {
  int64_t gpus = api::PerNodeGpus(spec);
  if (gpus <= 0) return;
  // A template that does not read is left alone: validation denies it.
  if (!api::CheckPodTemplateShape(spec.pod_template).ok()) return;
  StatusOr<api::TemplateGpus> t = api::CountTemplateGpus(spec.pod_template);
  if (!t.ok() || t->any || !t->first_container) return;
  for (json& op : FillFirstContainerGpus(spec.pod_template, gpus)) m->patch.push_back(op);
}

}  // namespace

AdmissionResponse MutateJob(const AdmissionRequest& request, const ClusterView& view,
                            const config::AdmissionSettings& settings) {
  if (request.operation != Operation::kCreate || !request.sub_resource.empty()) {
    return Allow(request.uid);
  }
  internal::DecodedJob decoded;
  if (internal::MaybeViolation v =
          internal::DecodeJob(request.object, settings.max_array_size, &decoded)) {
    return internal::DenyFor(request.uid, *v);
  }
  Mutation m;
  auto spec_it = request.object.find("spec");
  if (spec_it == request.object.end() || !spec_it->is_object()) {
    m.patch.push_back({{"op", "add"}, {"path", "/spec"}, {"value", json::object()}});
  }
  api::JobSpec spec = decoded.job.spec;
  StampIdentity(request.user, IsAdmin(request.user, settings), &spec, &m);
  FillDefaults(view, &spec, &m);
  FillTemplateGpus(spec, &m);
  AdmissionResponse response = Allow(request.uid);
  response.patch = std::move(m.patch);
  response.warnings = std::move(m.warnings);
  return response;
}

}  // namespace fairway::webhook
