// Authorization of the sandbox API server: kube-apiserver's RBAC authorizer over the Roles,
// ClusterRoles, RoleBindings and ClusterRoleBindings in the store.
//
// EvaluateRbac is the pure evaluator (upstream pkg/registry/rbac/validation and
// plugin/pkg/auth/authorizer/rbac):
//   - ClusterRoleBindings grant everywhere; RoleBindings grant in their namespace only, whether
//     they refer to a Role (same namespace) or a ClusterRole.
//   - Subjects: User (name), Group (any of the user's groups), ServiceAccount (the user
//     system:serviceaccount:NS:NAME; NS defaults to the binding's namespace). The groups
//     system:serviceaccounts and system:serviceaccounts:NS are ordinary Group subjects.
//   - Rules: verbs and apiGroups match exactly or by "*"; resources match "*", exactly ("pods",
//     "pods/status": "pods" does not grant "pods/status") or "*/SUB" for a subresource;
//     resourceNames, when listed, must contain the request's name (so they never grant create,
//     or list/watch without a metadata.name field selector); nonResourceURLs match "*", exactly
//     or as a "prefix*" glob.
//   - A ClusterRole with aggregationRule.clusterRoleSelectors has the rules of every ClusterRole
//     whose labels match a selector (recursively, as the upstream aggregation controller
//     converges to), evaluated at request time.
//   - Nothing denies: a request is allowed when some rule allows it. A binding whose role is
//     missing is reported in the reason ("RBAC: clusterrole.rbac.authorization.k8s.io "x" not
//     found"), as upstream.
//
// Authorizer adds what kube-apiserver puts in front of RBAC: the system:masters group is always
// allowed, and with enforcement off (no authentication configured) everything is allowed.
//
// Thread-safety: EvaluateRbac and RulesFor are pure; Authorizer is thread-safe (it reads the
// store's immutable snapshots).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "sandbox/api_error.h"
#include "sandbox/http_types.h"
#include "sandbox/object_store.h"

namespace fairway::sandbox {

inline constexpr char kSystemMasters[] = "system:masters";
inline constexpr char kAllAuthenticated[] = "system:authenticated";
inline constexpr char kAllUnauthenticated[] = "system:unauthenticated";
inline constexpr char kAnonymousUser[] = "system:anonymous";

// What a request asks to do (upstream authorizer.Attributes).
struct AuthorizationAttributes {
  UserInfo user;
  std::string verb;  // get, list, watch, create, update, patch, delete, deletecollection,
                     // impersonate, ...; for non-resource requests the lower-case HTTP method
  bool resource_request = true;
  // Resource requests.
  std::string api_group;  // "" for core
  std::string api_version;
  std::string resource;  // plural
  std::string subresource;
  std::string name;
  std::string ns;
  // Non-resource requests.
  std::string path;
};

struct AuthorizationDecision {
  bool allowed = false;
  // Allowed: which binding granted it. Denied: RBAC evaluation errors, usually empty.
  std::string reason;
};

// The RBAC objects (as stored) one evaluation looks at.
struct RbacPolicy {
  std::vector<ObjectPtr> cluster_roles;
  std::vector<ObjectPtr> cluster_role_bindings;
  // Roles and RoleBindings of the request's namespace (others are ignored).
  std::vector<ObjectPtr> roles;
  std::vector<ObjectPtr> role_bindings;
};

AuthorizationDecision EvaluateRbac(const RbacPolicy& policy, const AuthorizationAttributes& attrs);

// The rules that apply to `user` in namespace `ns` (cluster-wide ones too), as a
// SelfSubjectRulesReview reports them.
struct SubjectRules {
  nlohmann::json resource_rules = nlohmann::json::array();      // [{verbs, apiGroups, ...}]
  nlohmann::json non_resource_rules = nlohmann::json::array();  // [{verbs, nonResourceURLs}]
  std::string evaluation_error;                                 // missing roles
};
SubjectRules RulesFor(const RbacPolicy& policy, const UserInfo& user, const std::string& ns);

// The rules of ClusterRole `name` when it has an aggregationRule: the rules of the ClusterRoles its
// selectors pick (recursively), each once. nullopt for a missing or non-aggregated role. The
// evaluator computes this per request; the API server also writes it into the role's `rules`,
// like upstream's aggregation controller, so `kubectl get clusterrole edit -o yaml` shows it.
std::optional<nlohmann::json> AggregatedRules(const std::vector<ObjectPtr>& cluster_roles,
                                              const std::string& name);

// The 403 kube-apiserver answers for a denied request:
//   jobs.fairway.dev "x" is forbidden: User "alice" cannot delete resource "jobs" in API group
//   "fairway.dev" in the namespace "default"
// with details {name, group, kind: resource}; `reason` is appended after ": " when not empty.
ApiError ForbiddenError(const AuthorizationAttributes& attrs, const std::string& reason);

// True when `user` is in `group`.
bool HasGroup(const UserInfo& user, const std::string& group);

class Authorizer {
 public:
  // `store` must outlive the authorizer. `enforce` false: every request is allowed.
  Authorizer(const ObjectStore* store, bool enforce);

  AuthorizationDecision Authorize(const AuthorizationAttributes& attrs) const;
  SubjectRules Rules(const UserInfo& user, const std::string& ns) const;
  bool enforcing() const { return enforce_; }

 private:
  RbacPolicy Policy(const std::string& ns) const;

  const ObjectStore* store_;
  const bool enforce_;
};

// The ClusterRoles and ClusterRoleBindings kube-apiserver bootstraps that kubectl users meet:
// cluster-admin (bound to system:masters), admin/edit/view (aggregated from the
// system:aggregate-to-* roles and anything labelled rbac.authorization.k8s.io/aggregate-to-*),
// system:basic-user (self reviews), system:discovery and system:public-info-viewer.
std::vector<nlohmann::json> DefaultRbacObjects();

}  // namespace fairway::sandbox
