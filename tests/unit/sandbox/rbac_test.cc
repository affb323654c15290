// The RBAC evaluator (sandbox/rbac.h), table-driven, with fluent builders for the RBAC objects.
#include "sandbox/rbac.h"

#include <gtest/gtest.h>

namespace fairway::sandbox {
namespace {

using nlohmann::json;

// A PolicyRule: Rule().Verbs({"get"}).Groups({""}).Resources({"pods"}).
class Rule {
 public:
  Rule& Verbs(std::vector<std::string> v) { return Set("verbs", std::move(v)); }
  Rule& Groups(std::vector<std::string> v) { return Set("apiGroups", std::move(v)); }
  Rule& Resources(std::vector<std::string> v) { return Set("resources", std::move(v)); }
  Rule& Names(std::vector<std::string> v) { return Set("resourceNames", std::move(v)); }
  Rule& Urls(std::vector<std::string> v) { return Set("nonResourceURLs", std::move(v)); }
  json Build() const { return rule_; }

 private:
  Rule& Set(const char* key, std::vector<std::string> v) {
    rule_[key] = std::move(v);
    return *this;
  }
  json rule_ = json::object();
};

ObjectPtr Role(const std::string& kind, const std::string& name, const std::string& ns,
               std::vector<Rule> rules, json labels = nullptr) {
  json r = {{"apiVersion", "rbac.authorization.k8s.io/v1"},
            {"kind", kind},
            {"metadata", {{"name", name}}},
            {"rules", json::array()}};
  if (!ns.empty()) r["metadata"]["namespace"] = ns;
  if (!labels.is_null()) r["metadata"]["labels"] = labels;
  for (const Rule& rule : rules) r["rules"].push_back(rule.Build());
  return std::make_shared<const json>(std::move(r));
}

ObjectPtr AggregatingRole(const std::string& name, json match_labels, json labels = nullptr) {
  json r = *Role("ClusterRole", name, "", {}, std::move(labels));
  r["aggregationRule"] = {{"clusterRoleSelectors", {{{"matchLabels", match_labels}}}}};
  return std::make_shared<const json>(std::move(r));
}

json Subject(const std::string& kind, const std::string& name, const std::string& ns = "") {
  json s = {{"kind", kind}, {"name", name}};
  if (kind != "ServiceAccount") s["apiGroup"] = "rbac.authorization.k8s.io";
  if (!ns.empty()) s["namespace"] = ns;
  return s;
}

ObjectPtr Binding(const std::string& kind, const std::string& name, const std::string& ns,
                  const std::string& role_kind, const std::string& role,
                  std::vector<json> subjects) {
  json b = {
      {"kind", kind},
      {"metadata", {{"name", name}}},
      {"roleRef", {{"apiGroup", "rbac.authorization.k8s.io"}, {"kind", role_kind}, {"name", role}}},
      {"subjects", subjects}};
  if (!ns.empty()) b["metadata"]["namespace"] = ns;
  return std::make_shared<const json>(std::move(b));
}

AuthorizationAttributes Res(const UserInfo& user, const std::string& verb, const std::string& group,
                            const std::string& resource, const std::string& ns,
                            const std::string& name = "", const std::string& sub = "") {
  AuthorizationAttributes a;
  a.user = user;
  a.verb = verb;
  a.api_group = group;
  a.resource = resource;
  a.ns = ns;
  a.name = name;
  a.subresource = sub;
  return a;
}

AuthorizationAttributes Url(const UserInfo& user, const std::string& verb,
                            const std::string& path) {
  AuthorizationAttributes a;
  a.user = user;
  a.verb = verb;
  a.resource_request = false;
  a.path = path;
  return a;
}

const UserInfo kAlice{"alice", "", {"team-a", "system:authenticated"}, {}};
const UserInfo kBob{"bob", "", {"system:authenticated"}, {}};
const UserInfo kRunner{
    "system:serviceaccount:ml:runner",
    "",
    {"system:serviceaccounts", "system:serviceaccounts:ml", "system:authenticated"},
    {}};
const UserInfo kAnonymous{"system:anonymous", "", {"system:unauthenticated"}, {}};

// The policy every case runs against.
RbacPolicy Policy(const std::string& ns) {
  RbacPolicy p;
  p.cluster_roles = {
      Role("ClusterRole", "pod-reader", "",
           {Rule().Verbs({"get", "list", "watch"}).Groups({""}).Resources({"pods"})}),
      Role("ClusterRole", "status-writer", "",
           {Rule().Verbs({"update", "patch"}).Groups({"*"}).Resources({"*/status"})}),
      Role("ClusterRole", "jobs-admin", "",
           {Rule().Verbs({"*"}).Groups({"fairway.dev"}).Resources({"jobs", "jobs/status"})}),
      Role("ClusterRole", "one-cm", "",
           {Rule()
                .Verbs({"get", "update", "create"})
                .Groups({""})
                .Resources({"configmaps"})
                .Names({"settings"})}),
      Role("ClusterRole", "health", "", {Rule().Verbs({"get"}).Urls({"/healthz", "/apis/*"})}),
      AggregatingRole("edit", {{"aggregate-to-edit", "true"}}),
      AggregatingRole("admin", {{"aggregate-to-admin", "true"}}),
      Role("ClusterRole", "fairway-user", "",
           {Rule().Verbs({"create"}).Groups({"fairway.dev"}).Resources({"jobs"})},
           {{"aggregate-to-edit", "true"}}),
      Role("ClusterRole", "admin-extra", "",
           {Rule().Verbs({"delete"}).Groups({""}).Resources({"secrets"})},
           {{"aggregate-to-admin", "true"}}),
  };
  // edit aggregates into admin through a label, as upstream's edit does.
  json edit = *p.cluster_roles[5];
  edit["metadata"]["labels"] = {{"aggregate-to-admin", "true"}};
  p.cluster_roles[5] = std::make_shared<const json>(edit);
  p.cluster_role_bindings = {
      Binding("ClusterRoleBinding", "readers", "", "ClusterRole", "pod-reader",
              {Subject("Group", "team-a")}),
      Binding(
          "ClusterRoleBinding", "health", "", "ClusterRole", "health",
          {Subject("Group", "system:unauthenticated"), Subject("Group", "system:authenticated")}),
      Binding("ClusterRoleBinding", "sa-status", "", "ClusterRole", "status-writer",
              {Subject("ServiceAccount", "runner", "ml")}),
      Binding("ClusterRoleBinding", "dangling", "", "ClusterRole", "gone",
              {Subject("User", "bob")}),
  };
  if (ns == "ml") {
    p.roles = {Role("Role", "local-secrets", "ml",
                    {Rule().Verbs({"get"}).Groups({""}).Resources({"secrets"})})};
    p.role_bindings = {
        Binding("RoleBinding", "bob-jobs", "ml", "ClusterRole", "jobs-admin",
                {Subject("User", "bob")}),
        Binding("RoleBinding", "bob-secrets", "ml", "Role", "local-secrets",
                {Subject("User", "bob")}),
        Binding("RoleBinding", "sa-cm", "ml", "ClusterRole", "one-cm",
                {Subject("ServiceAccount", "runner")}),
        Binding("RoleBinding", "all-sa-edit", "ml", "ClusterRole", "edit",
                {Subject("Group", "system:serviceaccounts:ml")}),
        Binding("RoleBinding", "alice-admin", "ml", "ClusterRole", "admin",
                {Subject("User", "alice")}),
    };
  }
  if (ns == "team-b") {
    p.role_bindings = {
        Binding("RoleBinding", "bob-jobs", "team-b", "Role", "missing", {Subject("User", "bob")})};
  }
  return p;
}

struct Case {
  const char* name;
  AuthorizationAttributes attrs;
  bool allowed;
};

TEST(RbacTest, Evaluates) {
  const Case cases[] = {
      // verbs and groups
      {"group grants list", Res(kAlice, "list", "", "pods", "default"), true},
      {"verb not granted", Res(kAlice, "delete", "", "pods", "default", "p"), false},
      {"other api group", Res(kAlice, "list", "apps", "pods", "default"), false},
      {"user without bindings", Res(kBob, "list", "", "pods", "default"), false},
      {"verb star", Res(kBob, "deletecollection", "fairway.dev", "jobs", "ml"), true},
      // subresources
      {"resource does not grant subresource",
       Res(kAlice, "get", "", "pods", "default", "p", "status"), false},
      {"explicit subresource", Res(kBob, "update", "fairway.dev", "jobs", "ml", "j", "status"),
       true},
      {"star-slash-sub", Res(kRunner, "patch", "apps", "deployments", "default", "d", "status"),
       true},
      {"star-slash-sub is not the resource",
       Res(kRunner, "patch", "apps", "deployments", "default", "d"), false},
      {"star-slash-sub other sub",
       Res(kRunner, "patch", "apps", "deployments", "default", "d", "scale"), false},
      // resourceNames
      {"named object", Res(kRunner, "get", "", "configmaps", "ml", "settings"), true},
      {"other name", Res(kRunner, "get", "", "configmaps", "ml", "other"), false},
      {"create has no name", Res(kRunner, "create", "", "configmaps", "ml"), false},
      // RoleBinding scope
      {"rolebinding to clusterrole in its namespace",
       Res(kBob, "create", "fairway.dev", "jobs", "ml"), true},
      {"rolebinding does not reach other namespaces",
       Res(kBob, "create", "fairway.dev", "jobs", "default"), false},
      {"rolebinding does not reach cluster scope", Res(kBob, "list", "fairway.dev", "jobs", ""),
       false},
      {"role in namespace", Res(kBob, "get", "", "secrets", "ml", "s"), true},
      // service accounts
      {"SA subject with default namespace",
       Res(kRunner, "update", "", "configmaps", "ml", "settings"), true},
      {"SA group subject + aggregation", Res(kRunner, "create", "fairway.dev", "jobs", "ml"), true},
      {"SA name alone is not enough",
       Res(UserInfo{"runner", "", {}, {}}, "get", "", "configmaps", "ml", "settings"), false},
      // aggregation (admin <- edit <- fairway-user, admin <- admin-extra)
      {"nested aggregation", Res(kAlice, "create", "fairway.dev", "jobs", "ml"), true},
      {"direct aggregation", Res(kAlice, "delete", "", "secrets", "ml", "s"), true},
      {"aggregation grants only what it picks",
       Res(kAlice, "delete", "fairway.dev", "jobs", "ml", "j"), false},
      // non-resource URLs
      {"exact url", Url(kAnonymous, "get", "/healthz"), true},
      {"prefix glob", Url(kBob, "get", "/apis/fairway.dev/v1"), true},
      {"prefix glob needs the slash", Url(kBob, "get", "/apis"), false},
      {"url verb", Url(kBob, "post", "/healthz"), false},
      {"resource rules do not grant urls", Url(kAlice, "get", "/api/v1/pods"), false},
  };
  for (const Case& c : cases) {
    AuthorizationDecision d = EvaluateRbac(Policy(c.attrs.ns), c.attrs);
    EXPECT_EQ(d.allowed, c.allowed) << c.name << ": " << d.reason;
  }
}

TEST(RbacTest, ReasonsNameTheBindingOrTheMissingRole) {
  AuthorizationDecision allowed =
      EvaluateRbac(Policy("ml"), Res(kRunner, "get", "", "configmaps", "ml", "settings"));
  EXPECT_EQ(allowed.reason,
            "RBAC: allowed by RoleBinding \"sa-cm/ml\" of ClusterRole \"one-cm\" to ServiceAccount "
            "\"runner/ml\"");
  AuthorizationDecision cluster =
      EvaluateRbac(Policy(""), Res(kAlice, "get", "", "pods", "x", "p"));
  EXPECT_EQ(cluster.reason,
            "RBAC: allowed by ClusterRoleBinding \"readers\" of ClusterRole \"pod-reader\" to "
            "Group \"team-a\"");
  AuthorizationDecision missing =
      EvaluateRbac(Policy("team-b"), Res(kBob, "get", "", "pods", "team-b", "p"));
  EXPECT_FALSE(missing.allowed);
  EXPECT_EQ(missing.reason,
            "RBAC: [clusterrole.rbac.authorization.k8s.io \"gone\" not found, "
            "role.rbac.authorization.k8s.io \"missing\" not found]");
}

TEST(RbacTest, AggregatedRulesAreTheUnionOfPickedRoles) {
  RbacPolicy p = Policy("");
  std::optional<json> admin = AggregatedRules(p.cluster_roles, "admin");
  ASSERT_TRUE(admin.has_value());
  EXPECT_EQ(admin->size(), 2u);  // fairway-user's (through edit) and admin-extra's, once each
  EXPECT_FALSE(AggregatedRules(p.cluster_roles, "pod-reader").has_value());
  EXPECT_FALSE(AggregatedRules(p.cluster_roles, "nope").has_value());
  // A cycle terminates.
  p.cluster_roles.push_back(AggregatingRole("loop", {{"loop", "true"}}, {{"loop", "true"}}));
  EXPECT_EQ(AggregatedRules(p.cluster_roles, "loop")->size(), 0u);
}

TEST(RbacTest, RulesForListsResourceAndUrlRules) {
  SubjectRules r = RulesFor(Policy("ml"), kBob, "ml");
  EXPECT_EQ(r.non_resource_rules.size(), 1u);
  EXPECT_EQ(r.resource_rules.size(), 2u);  // jobs-admin and local-secrets
  EXPECT_EQ(r.evaluation_error, "clusterrole.rbac.authorization.k8s.io \"gone\" not found");
  EXPECT_EQ(RulesFor(Policy("ml"), kRunner, "ml").resource_rules[1]["resourceNames"],
            json({"settings"}));
}

TEST(RbacTest, ForbiddenMessagesFollowUpstream) {
  ApiError ns = ForbiddenError(Res(kAlice, "delete", "fairway.dev", "jobs", "default", "x"), "");
  EXPECT_EQ(ns.code(), 403);
  EXPECT_EQ(ns.reason(), "Forbidden");
  EXPECT_EQ(
      ns.message(),
      "jobs.fairway.dev \"x\" is forbidden: User \"alice\" cannot delete resource \"jobs\" in "
      "API group \"fairway.dev\" in the namespace \"default\"");
  EXPECT_EQ(ns.details(), json({{"name", "x"}, {"group", "fairway.dev"}, {"kind", "jobs"}}));
  ApiError cluster = ForbiddenError(Res(kAlice, "list", "", "nodes", ""), "RBAC: oops");
  EXPECT_EQ(
      cluster.message(),
      "nodes is forbidden: User \"alice\" cannot list resource \"nodes\" in API group \"\" at "
      "the cluster scope: RBAC: oops");
  EXPECT_EQ(cluster.details(), json({{"kind", "nodes"}}));
  ApiError sub = ForbiddenError(Res(kAlice, "update", "", "pods", "ml", "p", "status"), "");
  EXPECT_EQ(sub.message(),
            "pods \"p\" is forbidden: User \"alice\" cannot update resource \"pods/status\" in API "
            "group \"\" in the namespace \"ml\"");
  ApiError url = ForbiddenError(Url(kAnonymous, "get", "/api"), "");
  EXPECT_EQ(url.message(), "forbidden: User \"system:anonymous\" cannot get path \"/api\"");
  EXPECT_EQ(url.details(), json::object());
}

TEST(AuthorizerTest, MastersAndNoEnforcementAllowEverything) {
  ObjectStore store;
  Authorizer enforcing(&store, true);
  Authorizer open(&store, false);
  AuthorizationAttributes a = Res(kAlice, "delete", "", "nodes", "", "n");
  EXPECT_FALSE(enforcing.Authorize(a).allowed);
  EXPECT_TRUE(open.Authorize(a).allowed);
  a.user.groups.push_back("system:masters");
  EXPECT_TRUE(enforcing.Authorize(a).allowed);
  EXPECT_EQ(open.Rules(kAlice, "ml").resource_rules,
            json::parse(R"([{"verbs":["*"],"apiGroups":["*"],"resources":["*"]}])"));
}

TEST(DefaultRbacTest, SeedsTheRolesKubectlUsersMeet) {
  RbacPolicy p;
  for (const json& o : DefaultRbacObjects()) {
    ObjectPtr ptr = std::make_shared<const json>(o);
    (o["kind"] == "ClusterRole" ? p.cluster_roles : p.cluster_role_bindings).push_back(ptr);
  }
  UserInfo anyone{"carol", "", {"system:authenticated"}, {}};
  EXPECT_TRUE(EvaluateRbac(p, Url(anyone, "get", "/apis/fairway.dev/v1alpha1")).allowed);
  EXPECT_TRUE(
      EvaluateRbac(p, Res(anyone, "create", "authentication.k8s.io", "selfsubjectreviews", ""))
          .allowed);
  EXPECT_TRUE(
      EvaluateRbac(p, Res(anyone, "create", "authorization.k8s.io", "selfsubjectaccessreviews", ""))
          .allowed);
  EXPECT_FALSE(EvaluateRbac(p, Res(anyone, "list", "", "pods", "default")).allowed);
  EXPECT_FALSE(EvaluateRbac(p, Url(kAnonymous, "get", "/api")).allowed);
  EXPECT_TRUE(EvaluateRbac(p, Url(kAnonymous, "get", "/version")).allowed);
  UserInfo master{"root", "", {"system:masters"}, {}};
  EXPECT_TRUE(EvaluateRbac(p, Res(master, "delete", "fairway.dev", "jobs", "x", "j")).allowed);
  // view < edit < admin through aggregation.
  p.role_bindings = {
      Binding("RoleBinding", "b", "ml", "ClusterRole", "admin", {Subject("User", "carol")})};
  EXPECT_TRUE(
      EvaluateRbac(p, Res(anyone, "create", "rbac.authorization.k8s.io", "rolebindings", "ml"))
          .allowed);
  EXPECT_TRUE(EvaluateRbac(p, Res(anyone, "delete", "", "pods", "ml", "p")).allowed);
  EXPECT_TRUE(EvaluateRbac(p, Res(anyone, "watch", "batch", "jobs", "ml")).allowed);
  EXPECT_FALSE(EvaluateRbac(p, Res(anyone, "update", "", "pods", "ml", "p", "status")).allowed);
}

}  // namespace
}  // namespace fairway::sandbox
