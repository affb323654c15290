#include "sandbox/resource_registry.h"

#include <algorithm>

#include "sandbox/internal/util.h"
#include "sandbox/schema.h"

namespace fairway::sandbox {
namespace {

const std::vector<std::string> kAllVerbs = {"create", "delete", "deletecollection", "get",
                                            "list",   "patch",  "update",           "watch"};

struct Builtin {
  const char* group;
  const char* version;
  const char* plural;
  const char* singular;
  const char* kind;
  bool namespaced;
  std::vector<std::string> short_names;
  std::vector<std::string> categories;
  bool status;
  bool scale;
  const char* bucket_group;  // storage group when it differs (events.k8s.io events)
};

}  // namespace

void ResourceRegistry::Add(ResourceInfo info) {
  if (info.list_kind.empty()) info.list_kind = info.kind + "List";
  if (info.bucket.empty()) info.bucket = info.group + "/" + info.plural;
  if (info.verbs.empty()) info.verbs = kAllVerbs;
  auto ptr = std::make_shared<const ResourceInfo>(std::move(info));
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& e : entries_) {
    if (e->group == ptr->group && e->version == ptr->version && e->plural == ptr->plural) {
      e = ptr;
      return;
    }
  }
  entries_.push_back(ptr);
}

void ResourceRegistry::Remove(const std::string& group, const std::string& plural) {
  std::lock_guard<std::mutex> lock(mu_);
  entries_.erase(std::remove_if(entries_.begin(), entries_.end(),
                                [&](const ResourceInfoPtr& e) {
                                  return e->group == group && e->plural == plural;
                                }),
                 entries_.end());
}

ResourceInfoPtr ResourceRegistry::Find(const std::string& group, const std::string& version,
                                       const std::string& plural) const {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& e : entries_) {
    if (e->group == group && e->version == version && e->plural == plural) return e;
  }
  return nullptr;
}

std::vector<ResourceInfoPtr> ResourceRegistry::All() const {
  std::lock_guard<std::mutex> lock(mu_);
  return entries_;
}

std::vector<std::pair<std::string, std::vector<std::string>>> ResourceRegistry::Groups() const {
  std::vector<std::pair<std::string, std::vector<std::string>>> out;
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& e : entries_) {
    auto it =
        std::find_if(out.begin(), out.end(), [&](const auto& g) { return g.first == e->group; });
    if (it == out.end()) {
      out.push_back({e->group, {e->version}});
    } else if (std::find(it->second.begin(), it->second.end(), e->version) == it->second.end()) {
      it->second.push_back(e->version);
    }
  }
  return out;
}

void RegisterBuiltins(ResourceRegistry* registry) {
  // One resource per line reads as a table.
  // clang-format off
  const std::vector<Builtin> builtins = {
      {"", "v1", "namespaces", "namespace", "Namespace", false, {"ns"}, {}, true, false, nullptr},
      {"", "v1", "nodes", "node", "Node", false, {"no"}, {}, true, false, nullptr},
      {"", "v1", "pods", "pod", "Pod", true, {"po"}, {"all"}, true, false, nullptr},
      {"", "v1", "services", "service", "Service", true, {"svc"}, {"all"}, true, false, nullptr},
      {"", "v1", "endpoints", "endpoints", "Endpoints", true, {"ep"}, {}, false, false, nullptr},
      {"", "v1", "configmaps", "configmap", "ConfigMap", true, {"cm"}, {}, false, false, nullptr},
      {"", "v1", "secrets", "secret", "Secret", true, {}, {}, false, false, nullptr},
      {"", "v1", "serviceaccounts", "serviceaccount", "ServiceAccount", true, {"sa"}, {}, false, false, nullptr},
      {"", "v1", "events", "event", "Event", true, {"ev"}, {}, false, false, nullptr},
      {"", "v1", "persistentvolumeclaims", "persistentvolumeclaim", "PersistentVolumeClaim", true, {"pvc"}, {}, true, false, nullptr},
      {"", "v1", "resourcequotas", "resourcequota", "ResourceQuota", true, {"quota"}, {}, true, false, nullptr},
      {"", "v1", "limitranges", "limitrange", "LimitRange", true, {"limits"}, {}, false, false, nullptr},
      {"apps", "v1", "deployments", "deployment", "Deployment", true, {"deploy"}, {"all"}, true, true, nullptr},
      {"apps", "v1", "statefulsets", "statefulset", "StatefulSet", true, {"sts"}, {"all"}, true, true, nullptr},
      {"apps", "v1", "daemonsets", "daemonset", "DaemonSet", true, {"ds"}, {"all"}, true, false, nullptr},
      {"apps", "v1", "replicasets", "replicaset", "ReplicaSet", true, {"rs"}, {"all"}, true, true, nullptr},
      {"batch", "v1", "jobs", "job", "Job", true, {}, {"all"}, true, false, nullptr},
      {"batch", "v1", "cronjobs", "cronjob", "CronJob", true, {"cj"}, {"all"}, true, false, nullptr},
      {"coordination.k8s.io", "v1", "leases", "lease", "Lease", true, {}, {}, false, false, nullptr},
      {"discovery.k8s.io", "v1", "endpointslices", "endpointslice", "EndpointSlice", true, {}, {}, false, false, nullptr},
      {"events.k8s.io", "v1", "events", "event", "Event", true, {"ev"}, {}, false, false, ""},
      {"rbac.authorization.k8s.io", "v1", "roles", "role", "Role", true, {}, {}, false, false, nullptr},
      {"rbac.authorization.k8s.io", "v1", "rolebindings", "rolebinding", "RoleBinding", true, {}, {}, false, false, nullptr},
      {"rbac.authorization.k8s.io", "v1", "clusterroles", "clusterrole", "ClusterRole", false, {}, {}, false, false, nullptr},
      {"rbac.authorization.k8s.io", "v1", "clusterrolebindings", "clusterrolebinding", "ClusterRoleBinding", false, {}, {}, false, false, nullptr},
      {"admissionregistration.k8s.io", "v1", "validatingwebhookconfigurations", "validatingwebhookconfiguration", "ValidatingWebhookConfiguration", false, {}, {"api-extensions"}, false, false, nullptr},
      {"admissionregistration.k8s.io", "v1", "mutatingwebhookconfigurations", "mutatingwebhookconfiguration", "MutatingWebhookConfiguration", false, {}, {"api-extensions"}, false, false, nullptr},
      {"apiextensions.k8s.io", "v1", "customresourcedefinitions", "customresourcedefinition", "CustomResourceDefinition", false, {"crd", "crds"}, {"api-extensions"}, true, false, nullptr},
      {"policy", "v1", "poddisruptionbudgets", "poddisruptionbudget", "PodDisruptionBudget", true, {"pdb"}, {}, true, false, nullptr},
      {"scheduling.k8s.io", "v1", "priorityclasses", "priorityclass", "PriorityClass", false, {"pc"}, {}, false, false, nullptr},
      {"authorization.k8s.io", "v1", "selfsubjectaccessreviews", "selfsubjectaccessreview", "SelfSubjectAccessReview", false, {}, {}, false, false, nullptr},
      {"authorization.k8s.io", "v1", "subjectaccessreviews", "subjectaccessreview", "SubjectAccessReview", false, {}, {}, false, false, nullptr},
      {"authorization.k8s.io", "v1", "selfsubjectrulesreviews", "selfsubjectrulesreview", "SelfSubjectRulesReview", false, {}, {}, false, false, nullptr},
      {"authentication.k8s.io", "v1", "selfsubjectreviews", "selfsubjectreview", "SelfSubjectReview", false, {}, {}, false, false, nullptr},
      {"authentication.k8s.io", "v1beta1", "selfsubjectreviews", "selfsubjectreview", "SelfSubjectReview", false, {}, {}, false, false, nullptr},
      {"authentication.k8s.io", "v1alpha1", "selfsubjectreviews", "selfsubjectreview", "SelfSubjectReview", false, {}, {}, false, false, nullptr},
  };
  // clang-format on
  for (const Builtin& b : builtins) {
    ResourceInfo info;
    info.group = b.group;
    info.version = b.version;
    info.plural = b.plural;
    info.singular = b.singular;
    info.kind = b.kind;
    info.namespaced = b.namespaced;
    info.short_names = b.short_names;
    info.categories = b.categories;
    info.status_subresource = b.status;
    if (b.scale)
      info.scale = ScaleSubresource{".spec.replicas", ".status.replicas", ".status.selector"};
    info.bucket =
        std::string(b.bucket_group != nullptr ? b.bucket_group : b.group) + "/" + b.plural;
    if (info.plural == "pods") info.extra_subresources = {"binding", "eviction"};
    if (info.group == "authorization.k8s.io" || info.group == "authentication.k8s.io") {
      info.verbs = {"create"};
    }
    registry->Add(std::move(info));
  }
}

Result<std::vector<ResourceInfo>> ResourceInfosFromCrd(const nlohmann::json& crd) {
  std::string name = internal::NameOf(crd);
  std::vector<FieldCause> causes;
  const nlohmann::json* spec = internal::GetPath(crd, {"spec"});
  if (spec == nullptr || !spec->is_object()) {
    return Invalid("CustomResourceDefinition", "apiextensions.k8s.io", name,
                   {RequiredCause("spec")});
  }
  std::string group = internal::GetString(*spec, {"group"});
  std::string plural = internal::GetString(*spec, {"names", "plural"});
  std::string kind = internal::GetString(*spec, {"names", "kind"});
  std::string scope = internal::GetString(*spec, {"scope"});
  if (group.empty()) causes.push_back(RequiredCause("spec.group"));
  if (plural.empty()) causes.push_back(RequiredCause("spec.names.plural"));
  if (kind.empty()) causes.push_back(RequiredCause("spec.names.kind"));
  if (scope != "Namespaced" && scope != "Cluster") {
    causes.push_back(NotSupportedCause("spec.scope", scope, {"Cluster", "Namespaced"}));
  }
  if (!group.empty() && !plural.empty() && name != plural + "." + group) {
    causes.push_back(
        InvalidCause("metadata.name", name, "must be spec.names.plural+\".\"+spec.group"));
  }
  const nlohmann::json* versions = internal::GetPath(*spec, {"versions"});
  if (versions == nullptr || !versions->is_array() || versions->empty()) {
    causes.push_back(
        RequiredCause("spec.versions", "must have exactly one version marked as storage version"));
  }
  if (!causes.empty())
    return Invalid("CustomResourceDefinition", "apiextensions.k8s.io", name, causes);

  std::vector<ResourceInfo> out;
  int storage = 0;
  for (size_t i = 0; i < versions->size(); ++i) {
    const nlohmann::json& v = (*versions)[i];
    if (v.value("storage", false)) ++storage;
    if (!v.value("served", true)) continue;
    ResourceInfo info;
    info.group = group;
    info.version = v.value("name", "");
    info.plural = plural;
    info.kind = kind;
    info.singular = internal::GetString(*spec, {"names", "singular"});
    if (info.singular.empty()) info.singular = internal::ToLower(kind);
    info.list_kind = internal::GetString(*spec, {"names", "listKind"});
    if (info.list_kind.empty()) info.list_kind = kind + "List";
    info.namespaced = scope == "Namespaced";
    if (const auto* sn = internal::GetPath(*spec, {"names", "shortNames"}); sn && sn->is_array()) {
      for (const auto& s : *sn) {
        if (s.is_string()) info.short_names.push_back(s.get<std::string>());
      }
    }
    if (const auto* c = internal::GetPath(*spec, {"names", "categories"}); c && c->is_array()) {
      for (const auto& s : *c) {
        if (s.is_string()) info.categories.push_back(s.get<std::string>());
      }
    }
    info.custom = true;
    info.bucket = group + "/" + plural;
    if (const auto* st = internal::GetPath(v, {"subresources", "status"}); st != nullptr) {
      info.status_subresource = true;
    }
    if (const auto* sc = internal::GetPath(v, {"subresources", "scale"}); sc && sc->is_object()) {
      info.scale =
          ScaleSubresource{sc->value("specReplicasPath", ""), sc->value("statusReplicasPath", ""),
                           sc->value("labelSelectorPath", "")};
    }
    if (const auto* cols = internal::GetPath(v, {"additionalPrinterColumns"});
        cols && cols->is_array()) {
      for (const auto& c : *cols) {
        if (!c.is_object()) continue;
        PrinterColumn pc;
        pc.name = c.value("name", "");
        pc.type = c.value("type", "string");
        pc.format = c.value("format", "");
        pc.description = c.value("description", "");
        pc.json_path = c.value("jsonPath", "");
        pc.priority = c.value("priority", 0);
        info.columns.push_back(pc);
      }
    }
    if (const auto* s = internal::GetPath(v, {"schema", "openAPIV3Schema"}); s && s->is_object()) {
      info.schema = std::make_shared<const CrdSchema>(*s);
    }
    if (info.version.empty()) {
      return Invalid("CustomResourceDefinition", "apiextensions.k8s.io", name,
                     {RequiredCause("spec.versions[" + std::to_string(i) + "].name")});
    }
    out.push_back(std::move(info));
  }
  if (storage != 1) {
    return Invalid("CustomResourceDefinition", "apiextensions.k8s.io", name,
                   {InvalidCause("spec.versions", storage,
                                 "must have exactly one version marked as storage version")});
  }
  return out;
}

}  // namespace fairway::sandbox
