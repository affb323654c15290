// DefaultRbacObjects: the part of kube-apiserver's bootstrap policy
// (plugin/pkg/auth/authorizer/rbac/bootstrappolicy/policy.go) that kubectl users meet.
#include <string>
#include <vector>

#include "sandbox/rbac.h"

namespace fairway::sandbox {
namespace {

using nlohmann::json;
using Strings = std::vector<std::string>;

const Strings kRead = {"get", "list", "watch"};
const Strings kWrite = {"create", "update", "patch", "delete", "deletecollection"};
const Strings kReadWrite = {"get",    "list",  "watch",  "create",
                            "update", "patch", "delete", "deletecollection"};

json Rule(const Strings& verbs, const Strings& groups, const Strings& resources) {
  return {{"verbs", verbs}, {"apiGroups", groups}, {"resources", resources}};
}

json UrlRule(const Strings& verbs, const Strings& urls) {
  return {{"verbs", verbs}, {"nonResourceURLs", urls}};
}

json Meta(const std::string& name, json labels = json::object()) {
  labels["kubernetes.io/bootstrapping"] = "rbac-defaults";
  return {{"name", name},
          {"labels", labels},
          {"annotations", {{"rbac.authorization.kubernetes.io/autoupdate", "true"}}}};
}

json ClusterRole(const std::string& name, json rules, json labels = json::object()) {
  return {{"apiVersion", "rbac.authorization.k8s.io/v1"},
          {"kind", "ClusterRole"},
          {"metadata", Meta(name, std::move(labels))},
          {"rules", std::move(rules)}};
}

json AggregatedRole(const std::string& name, const std::string& aggregate_label, json labels) {
  json role = ClusterRole(name, json::array(), std::move(labels));
  role["aggregationRule"] = {
      {"clusterRoleSelectors", {{{"matchLabels", {{aggregate_label, "true"}}}}}}};
  return role;
}

json Binding(const std::string& name, const Strings& groups) {
  json subjects = json::array();
  for (const std::string& g : groups) {
    subjects.push_back({{"apiGroup", "rbac.authorization.k8s.io"}, {"kind", "Group"}, {"name", g}});
  }
  return {{"apiVersion", "rbac.authorization.k8s.io/v1"},
          {"kind", "ClusterRoleBinding"},
          {"metadata", Meta(name)},
          {"roleRef",
           {{"apiGroup", "rbac.authorization.k8s.io"}, {"kind", "ClusterRole"}, {"name", name}}},
          {"subjects", subjects}};
}

// bootstrappolicy.ClusterRoleEditRules, plus impersonating service accounts.
json EditRules() {
  return json::array({
      Rule(kWrite, {""}, {"pods", "pods/attach", "pods/proxy", "pods/exec", "pods/portforward"}),
      Rule({"create"}, {""}, {"pods/eviction"}),
      Rule(kWrite, {""},
           {"replicationcontrollers", "replicationcontrollers/scale", "serviceaccounts", "services",
            "services/proxy", "persistentvolumeclaims", "configmaps", "secrets", "events"}),
      Rule({"create"}, {""}, {"serviceaccounts/token"}),
      Rule({"impersonate"}, {""}, {"serviceaccounts"}),
      Rule(kWrite, {"apps"},
           {"statefulsets", "statefulsets/scale", "daemonsets", "deployments", "deployments/scale",
            "deployments/rollback", "replicasets", "replicasets/scale"}),
      Rule(kWrite, {"autoscaling"}, {"horizontalpodautoscalers"}),
      Rule(kWrite, {"batch"}, {"jobs", "cronjobs"}),
      Rule(kWrite, {"policy"}, {"poddisruptionbudgets"}),
      Rule(kWrite, {"networking.k8s.io"}, {"networkpolicies", "ingresses"}),
      Rule(kReadWrite, {"coordination.k8s.io"}, {"leases"}),
  });
}

// bootstrappolicy.ClusterRoleViewRules.
json ViewRules() {
  return json::array({
      Rule(kRead, {""},
           {"pods", "replicationcontrollers", "replicationcontrollers/scale", "serviceaccounts",
            "services", "services/status", "endpoints", "persistentvolumeclaims",
            "persistentvolumeclaims/status", "configmaps"}),
      Rule(kRead, {""},
           {"limitranges", "resourcequotas", "bindings", "events", "pods/status",
            "resourcequotas/status", "namespaces/status", "replicationcontrollers/status",
            "pods/log"}),
      Rule(kRead, {""}, {"namespaces"}),
      Rule(kRead, {"discovery.k8s.io"}, {"endpointslices"}),
      Rule(kRead, {"apps"},
           {"controllerrevisions", "statefulsets", "statefulsets/status", "statefulsets/scale",
            "daemonsets", "daemonsets/status", "deployments", "deployments/status",
            "deployments/scale", "replicasets", "replicasets/status", "replicasets/scale"}),
      Rule(kRead, {"autoscaling"}, {"horizontalpodautoscalers", "horizontalpodautoscalers/status"}),
      Rule(kRead, {"batch"}, {"jobs", "cronjobs", "cronjobs/status", "jobs/status"}),
      Rule(kRead, {"policy"}, {"poddisruptionbudgets", "poddisruptionbudgets/status"}),
      Rule(kRead, {"networking.k8s.io"}, {"networkpolicies", "ingresses", "ingresses/status"}),
  });
}

}  // namespace

std::vector<json> DefaultRbacObjects() {
  const std::string agg = "rbac.authorization.k8s.io/aggregate-to-";
  const Strings health = {"/livez", "/readyz", "/healthz", "/version", "/version/"};
  Strings discovery = health;
  for (const char* u : {"/openapi", "/openapi/*", "/api", "/api/*", "/apis", "/apis/*"}) {
    discovery.push_back(u);
  }
  return {
      ClusterRole("cluster-admin", json::array({Rule({"*"}, {"*"}, {"*"}), UrlRule({"*"}, {"*"})})),
      AggregatedRole("admin", agg + "admin", json::object()),
      AggregatedRole("edit", agg + "edit", {{agg + "admin", "true"}}),
      AggregatedRole("view", agg + "view", {{agg + "edit", "true"}}),
      ClusterRole(
          "system:aggregate-to-admin",
          json::array({Rule({"create"}, {"authorization.k8s.io"}, {"localsubjectaccessreviews"}),
                       Rule(kReadWrite, {"rbac.authorization.k8s.io"}, {"roles", "rolebindings"})}),
          {{agg + "admin", "true"}}),
      ClusterRole("system:aggregate-to-edit", EditRules(), {{agg + "edit", "true"}}),
      ClusterRole("system:aggregate-to-view", ViewRules(), {{agg + "view", "true"}}),
      ClusterRole(
          "system:basic-user",
          json::array({Rule({"create"}, {"authorization.k8s.io"},
                            {"selfsubjectaccessreviews", "selfsubjectrulesreviews"}),
                       Rule({"create"}, {"authentication.k8s.io"}, {"selfsubjectreviews"})})),
      ClusterRole("system:discovery", json::array({UrlRule({"get"}, discovery)})),
      ClusterRole("system:public-info-viewer", json::array({UrlRule({"get"}, health)})),
      Binding("cluster-admin", {kSystemMasters}),
      Binding("system:basic-user", {kAllAuthenticated}),
      Binding("system:discovery", {kAllAuthenticated}),
      Binding("system:public-info-viewer", {kAllAuthenticated, kAllUnauthenticated}),
  };
}

}  // namespace fairway::sandbox
