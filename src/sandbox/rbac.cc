#include "sandbox/rbac.h"

#include <algorithm>
#include <set>

#include "sandbox/internal/util.h"
#include "sandbox/selectors.h"

namespace fairway::sandbox {
namespace {

using nlohmann::json;

constexpr char kRbacGroup[] = "rbac.authorization.k8s.io";

// Go's %q for the names in messages.
std::string Quote(const std::string& s) { return json(s).dump(); }

std::vector<std::string> Strings(const json& obj, const char* key) {
  return internal::GetStrings(obj, key);
}

bool ContainsOrStar(const std::vector<std::string>& list, const std::string& value) {
  for (const std::string& v : list) {
    if (v == "*" || v == value) return true;
  }
  return false;
}

// rbacv1helpers.ResourceMatches: "*", the exact (resource/subresource) string, or "*/sub".
bool ResourceMatches(const std::vector<std::string>& rule_resources, const std::string& combined,
                     const std::string& subresource) {
  for (const std::string& r : rule_resources) {
    if (r == "*" || r == combined) return true;
    if (!subresource.empty() && r == "*/" + subresource) return true;
  }
  return false;
}

bool NameMatches(const std::vector<std::string>& names, const std::string& name) {
  return names.empty() || std::find(names.begin(), names.end(), name) != names.end();
}

bool NonResourceUrlMatches(const std::vector<std::string>& urls, const std::string& path) {
  for (const std::string& u : urls) {
    if (u == "*" || u == path) return true;
    if (!u.empty() && u.back() == '*') {
      std::string prefix = u.substr(0, u.find_last_not_of('*') + 1);
      if (internal::StartsWith(path, prefix)) return true;
    }
  }
  return false;
}

bool RuleAllows(const json& rule, const AuthorizationAttributes& a) {
  if (!ContainsOrStar(Strings(rule, "verbs"), a.verb)) return false;
  if (!a.resource_request) return NonResourceUrlMatches(Strings(rule, "nonResourceURLs"), a.path);
  std::string combined = a.subresource.empty() ? a.resource : a.resource + "/" + a.subresource;
  return ContainsOrStar(Strings(rule, "apiGroups"), a.api_group) &&
         ResourceMatches(Strings(rule, "resources"), combined, a.subresource) &&
         NameMatches(Strings(rule, "resourceNames"), a.name);
}

// upstream appliesToUser.
bool SubjectApplies(const json& subject, const UserInfo& user, const std::string& binding_ns) {
  std::string kind = subject.value("kind", "");
  std::string name = subject.value("name", "");
  if (kind == "User") return user.username == name;
  if (kind == "Group") return HasGroup(user, name);
  if (kind == "ServiceAccount") {
    std::string ns = subject.value("namespace", "");
    if (ns.empty()) ns = binding_ns;
    return !ns.empty() && user.username == "system:serviceaccount:" + ns + ":" + name;
  }
  return false;
}

// The first subject of `binding` that applies to `user`, or nullptr.
const json* AppliesTo(const json& binding, const UserInfo& user, const std::string& binding_ns) {
  const json* subjects = internal::GetPath(binding, {"subjects"});
  if (subjects == nullptr || !subjects->is_array()) return nullptr;
  for (const json& s : *subjects) {
    if (s.is_object() && SubjectApplies(s, user, binding_ns)) return &s;
  }
  return nullptr;
}

std::string DescribeSubject(const json& subject, const std::string& binding_ns) {
  std::string kind = subject.value("kind", "");
  std::string name = subject.value("name", "");
  if (kind == "ServiceAccount") {
    std::string ns = subject.value("namespace", "");
    return kind + " " + Quote(name + "/" + (ns.empty() ? binding_ns : ns));
  }
  return kind + " " + Quote(name);
}

const json* FindByName(const std::vector<ObjectPtr>& objects, const std::string& name) {
  for (const ObjectPtr& o : objects) {
    if (o && internal::NameOf(*o) == name) return o.get();
  }
  return nullptr;
}

// Resolves role references to rules, expanding aggregated ClusterRoles.
class RuleResolver {
 public:
  explicit RuleResolver(const RbacPolicy& policy) : policy_(policy) {}

  // The rules of binding's roleRef; an error string when the role is missing.
  Result<std::vector<const json*>> RoleRefRules(const json& binding,
                                                const std::string& binding_ns) const {
    std::string kind = internal::GetString(binding, {"roleRef", "kind"});
    std::string name = internal::GetString(binding, {"roleRef", "name"});
    std::vector<const json*> rules;
    if (kind == "ClusterRole") {
      std::set<std::string> visiting;
      if (!ClusterRoleRules(name, &visiting, &rules)) return NotFoundRole("clusterrole", name);
      return rules;
    }
    if (kind == "Role" && !binding_ns.empty()) {
      const json* role = FindByName(policy_.roles, name);
      if (role == nullptr) return NotFoundRole("role", name);
      AppendRules(*role, &rules);
      return rules;
    }
    return ApiError(500, "InternalError", "unsupported role reference kind: " + Quote(kind));
  }

  // False when the ClusterRole does not exist. An aggregated role's rules are those of the roles
  // its selectors pick (its own `rules` are the controller's output, so they are not added).
  bool ClusterRoleRules(const std::string& name, std::set<std::string>* visiting,
                        std::vector<const json*>* out) const;

 private:
  static ApiError NotFoundRole(const std::string& kind, const std::string& name) {
    return ApiError(404, "NotFound", kind + "." + kRbacGroup + " " + Quote(name) + " not found");
  }

  static void AppendRules(const json& role, std::vector<const json*>* out) {
    const json* rules = internal::GetPath(role, {"rules"});
    if (rules == nullptr || !rules->is_array()) return;
    for (const json& r : *rules) {
      if (r.is_object()) out->push_back(&r);
    }
  }

  static bool MatchesAny(const json& selectors, const json& role) {
    const json* labels = internal::GetPath(role, {"metadata", "labels"});
    for (const json& s : selectors) {
      // A null selector matches nothing (metav1.LabelSelectorAsSelector(nil)).
      if (!s.is_object()) continue;
      Result<LabelSelector> sel = LabelSelector::FromJson(s);
      if (sel.ok() && sel->Matches(labels == nullptr ? json() : *labels)) return true;
    }
    return false;
  }

  const RbacPolicy& policy_;
};

bool RuleResolver::ClusterRoleRules(const std::string& name, std::set<std::string>* visiting,
                                    std::vector<const json*>* out) const {
  const json* role = FindByName(policy_.cluster_roles, name);
  if (role == nullptr) return false;
  if (!visiting->insert(name).second) return true;  // aggregation cycle
  const json* selectors = internal::GetPath(*role, {"aggregationRule", "clusterRoleSelectors"});
  if (selectors == nullptr || !selectors->is_array()) {
    AppendRules(*role, out);
    return true;
  }
  for (const ObjectPtr& other : policy_.cluster_roles) {
    std::string other_name = internal::NameOf(*other);
    if (other_name == name || !MatchesAny(*selectors, *other)) continue;
    ClusterRoleRules(other_name, visiting, out);
  }
  return true;
}

// Walks every rule granted to `user` (cluster bindings first, then the namespace's bindings),
// calling visit(rule, source description) until it returns false. Role lookup errors go to
// *errors.
template <typename Visit>
void VisitRules(const RbacPolicy& policy, const UserInfo& user, const std::string& ns,
                std::vector<std::string>* errors, const Visit& visit) {
  RuleResolver resolver(policy);
  auto walk = [&](const std::vector<ObjectPtr>& bindings, bool cluster) {
    for (const ObjectPtr& b : bindings) {
      const json* subject = AppliesTo(*b, user, cluster ? "" : ns);
      if (subject == nullptr) continue;
      Result<std::vector<const json*>> rules = resolver.RoleRefRules(*b, cluster ? "" : ns);
      if (!rules.ok()) {
        errors->push_back(rules.error().message());
        continue;
      }
      std::string source =
          std::string(cluster ? "ClusterRoleBinding " + Quote(internal::NameOf(*b))
                              : "RoleBinding " + Quote(internal::NameOf(*b) + "/" + ns)) +
          " of " + internal::GetString(*b, {"roleRef", "kind"}) + " " +
          Quote(internal::GetString(*b, {"roleRef", "name"})) + " to " +
          DescribeSubject(*subject, cluster ? "" : ns);
      for (const json* rule : *rules) {
        if (!visit(*rule, source)) return false;
      }
    }
    return true;
  };
  if (!walk(policy.cluster_role_bindings, true)) return;
  if (!ns.empty()) walk(policy.role_bindings, false);
}

// upstream utilerrors.NewAggregate(errs).Error(): deduplicated, bracketed when several.
std::string AggregateErrors(const std::vector<std::string>& errors) {
  std::vector<std::string> unique;
  for (const std::string& e : errors) {
    if (std::find(unique.begin(), unique.end(), e) == unique.end()) unique.push_back(e);
  }
  if (unique.size() == 1) return unique[0];
  std::string out = "[";
  for (size_t i = 0; i < unique.size(); ++i) out += (i > 0 ? ", " : "") + unique[i];
  return out + "]";
}

}  // namespace

bool HasGroup(const UserInfo& user, const std::string& group) {
  return std::find(user.groups.begin(), user.groups.end(), group) != user.groups.end();
}

AuthorizationDecision EvaluateRbac(const RbacPolicy& policy, const AuthorizationAttributes& attrs) {
  AuthorizationDecision d;
  std::vector<std::string> errors;
  const std::string ns = attrs.resource_request ? attrs.ns : "";
  VisitRules(policy, attrs.user, ns, &errors, [&](const json& rule, const std::string& source) {
    if (!RuleAllows(rule, attrs)) return true;
    d.allowed = true;
    d.reason = "RBAC: allowed by " + source;
    return false;
  });
  if (!d.allowed && !errors.empty()) d.reason = "RBAC: " + AggregateErrors(errors);
  return d;
}

SubjectRules RulesFor(const RbacPolicy& policy, const UserInfo& user, const std::string& ns) {
  SubjectRules out;
  std::vector<std::string> errors;
  VisitRules(policy, user, ns, &errors, [&](const json& rule, const std::string&) {
    std::vector<std::string> verbs = Strings(rule, "verbs");
    if (!Strings(rule, "resources").empty()) {
      json r = {{"verbs", verbs},
                {"apiGroups", Strings(rule, "apiGroups")},
                {"resources", Strings(rule, "resources")}};
      if (std::vector<std::string> names = Strings(rule, "resourceNames"); !names.empty()) {
        r["resourceNames"] = names;
      }
      out.resource_rules.push_back(std::move(r));
    }
    if (std::vector<std::string> urls = Strings(rule, "nonResourceURLs"); !urls.empty()) {
      out.non_resource_rules.push_back({{"verbs", verbs}, {"nonResourceURLs", urls}});
    }
    return true;
  });
  if (!errors.empty()) out.evaluation_error = AggregateErrors(errors);
  return out;
}

std::optional<json> AggregatedRules(const std::vector<ObjectPtr>& cluster_roles,
                                    const std::string& name) {
  const json* role = FindByName(cluster_roles, name);
  if (role == nullptr || !internal::GetPath(*role, {"aggregationRule"})) return std::nullopt;
  RbacPolicy policy;
  policy.cluster_roles = cluster_roles;
  std::set<std::string> visiting;
  std::vector<const json*> rules;
  RuleResolver(policy).ClusterRoleRules(name, &visiting, &rules);
  json out = json::array();
  for (const json* r : rules) {
    if (std::find(out.begin(), out.end(), *r) == out.end()) out.push_back(*r);
  }
  return out;
}

ApiError ForbiddenError(const AuthorizationAttributes& a, const std::string& reason) {
  std::string msg;
  if (!a.resource_request) {
    msg = "User " + Quote(a.user.username) + " cannot " + a.verb + " path " + Quote(a.path);
  } else {
    std::string resource = a.subresource.empty() ? a.resource : a.resource + "/" + a.subresource;
    msg = "User " + Quote(a.user.username) + " cannot " + a.verb + " resource " + Quote(resource) +
          " in API group " + Quote(a.api_group) +
          (a.ns.empty() ? " at the cluster scope" : " in the namespace " + Quote(a.ns));
  }
  if (!reason.empty()) msg += ": " + reason;
  // apierrors.NewForbidden(GroupResource{group, resource}, name, err).
  const bool has_resource = a.resource_request && !a.resource.empty();
  std::string qualified = a.api_group.empty() ? a.resource : a.resource + "." + a.api_group;
  std::string message;
  if (!has_resource) {
    message = "forbidden: " + msg;
  } else if (a.name.empty()) {
    message = qualified + " is forbidden: " + msg;
  } else {
    message = qualified + " " + Quote(a.name) + " is forbidden: " + msg;
  }
  json details = json::object();
  if (!a.name.empty()) details["name"] = a.name;
  if (has_resource && !a.api_group.empty()) details["group"] = a.api_group;
  if (has_resource) details["kind"] = a.resource;
  return Forbidden(message, details);
}

Authorizer::Authorizer(const ObjectStore* store, bool enforce) : store_(store), enforce_(enforce) {}

RbacPolicy Authorizer::Policy(const std::string& ns) const {
  const std::string prefix = std::string(kRbacGroup) + "/";
  RbacPolicy p;
  p.cluster_roles = store_->List(prefix + "clusterroles", "").items;
  p.cluster_role_bindings = store_->List(prefix + "clusterrolebindings", "").items;
  if (!ns.empty()) {
    p.roles = store_->List(prefix + "roles", ns).items;
    p.role_bindings = store_->List(prefix + "rolebindings", ns).items;
  }
  return p;
}

AuthorizationDecision Authorizer::Authorize(const AuthorizationAttributes& attrs) const {
  // kube-apiserver's privileged-group authorizer runs before RBAC; without authentication the
  // sandbox behaves like --authorization-mode=AlwaysAllow.
  if (!enforce_ || HasGroup(attrs.user, kSystemMasters)) return {true, ""};
  return EvaluateRbac(Policy(attrs.resource_request ? attrs.ns : ""), attrs);
}

SubjectRules Authorizer::Rules(const UserInfo& user, const std::string& ns) const {
  if (!enforce_) {
    // upstream alwaysAllowAuthorizer.RulesFor.
    SubjectRules all;
    all.resource_rules.push_back({{"verbs", {"*"}}, {"apiGroups", {"*"}}, {"resources", {"*"}}});
    all.non_resource_rules.push_back({{"verbs", {"*"}}, {"nonResourceURLs", {"*"}}});
    return all;
  }
  return RulesFor(Policy(ns), user, ns);
}

}  // namespace fairway::sandbox
