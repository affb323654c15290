// Authentication, impersonation and RBAC through ApiServer::Handle, in-process, and the review
// APIs kubectl's `auth` commands use.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "common/clock.h"
#include "sandbox/api_server.h"

namespace fairway::sandbox {
namespace {

using nlohmann::json;

struct Reply {
  int status = 0;
  json body;
  HttpResponse raw;
};

class ApiAuthTest : public ::testing::Test {
 protected:
  ApiAuthTest()
      : clock_(std::chrono::system_clock::from_time_t(1740816000)), api_(&clock_, Options()) {}

  static ApiServer::Options Options() {
    ApiServer::Options o;
    auto tokens = TokenTable::Parse(
        "root-token,root,0,\"system:masters\"\n"
        "alice-token,alice,a1,\"team-a\"\n"
        "bob-token,bob,b1\n");
    EXPECT_TRUE(tokens.ok());
    o.tokens = *tokens;
    return o;
  }

  Reply Do(const std::string& token, const std::string& method, const std::string& target,
           const json& body = nullptr, std::map<std::string, std::string> headers = {}) {
    HttpRequest req;
    req.method = method;
    req.target = target;
    req.headers = std::move(headers);
    req.headers["content-type"] =
        method == "PATCH" ? "application/merge-patch+json" : "application/json";
    if (!token.empty()) req.headers["authorization"] = "Bearer " + token;
    if (!body.is_null()) req.body = body.dump();
    HandlerReply r = api_.Handle(req);
    if (r.watch) r.watch->Close();
    return {r.response.status, json::parse(r.response.body, nullptr, false), r.response};
  }

  json Whoami(const std::string& token, std::map<std::string, std::string> headers = {}) {
    Reply r = Do(token, "POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews",
                 {{"apiVersion", "authentication.k8s.io/v1"}, {"kind", "SelfSubjectReview"}},
                 std::move(headers));
    EXPECT_EQ(r.status, 201) << r.raw.body;
    return r.body;
  }

  bool CanI(const std::string& token, json resource_attributes) {
    Reply r = Do(token, "POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
                 {{"apiVersion", "authorization.k8s.io/v1"},
                  {"kind", "SelfSubjectAccessReview"},
                  {"spec", {{"resourceAttributes", resource_attributes}}}});
    EXPECT_EQ(r.status, 201) << r.raw.body;
    return r.body["status"]["allowed"] == true;
  }

  void GrantAliceEditIn(const std::string& ns) {
    Reply r = Do(
        "root-token", "POST",
        "/apis/rbac.authorization.k8s.io/v1/namespaces/" + ns + "/rolebindings",
        {{"metadata", {{"name", "alice-edit"}}},
         {"roleRef",
          {{"apiGroup", "rbac.authorization.k8s.io"}, {"kind", "ClusterRole"}, {"name", "edit"}}},
         {"subjects",
          {{{"apiGroup", "rbac.authorization.k8s.io"}, {"kind", "User"}, {"name", "alice"}}}}});
    ASSERT_EQ(r.status, 201) << r.raw.body;
  }

  FakeClock clock_;
  ApiServer api_;
};

TEST_F(ApiAuthTest, UnknownTokenIs401AndAnonymousIs403) {
  Reply bad = Do("nope", "GET", "/api/v1/namespaces/default/pods");
  EXPECT_EQ(bad.status, 401);
  EXPECT_EQ(bad.body["reason"], "Unauthorized");
  Reply anonymous = Do("", "GET", "/api/v1/namespaces/default/pods");
  EXPECT_EQ(anonymous.status, 403);
  EXPECT_EQ(anonymous.body["message"],
            "pods is forbidden: User \"system:anonymous\" cannot list resource \"pods\" in API "
            "group \"\" in the namespace \"default\"");
  Reply discovery = Do("", "GET", "/api");
  EXPECT_EQ(discovery.status, 403);
  EXPECT_EQ(discovery.body["message"],
            "forbidden: User \"system:anonymous\" cannot get path \"/api\"");
  EXPECT_EQ(Do("", "GET", "/version").status, 200);
  EXPECT_EQ(Do("", "GET", "/healthz").status, 200);
}

TEST_F(ApiAuthTest, AuthenticatedUsersDiscoverButNeedRbac) {
  EXPECT_EQ(Do("bob-token", "GET", "/api").status, 200);
  EXPECT_EQ(Do("bob-token", "GET", "/apis").status, 200);
  EXPECT_EQ(Do("bob-token", "GET", "/api/v1").status, 200);
  EXPECT_EQ(Do("bob-token", "GET", "/openapi/v3").status, 200);
  Reply denied = Do("bob-token", "DELETE", "/api/v1/namespaces/default/configmaps/x");
  EXPECT_EQ(denied.status, 403);
  EXPECT_EQ(denied.body["message"],
            "configmaps \"x\" is forbidden: User \"bob\" cannot delete resource \"configmaps\" in "
            "API group \"\" in the namespace \"default\"");
  EXPECT_EQ(denied.body["details"], json({{"name", "x"}, {"kind", "configmaps"}}));
  Reply nodes = Do("bob-token", "GET", "/api/v1/nodes");
  EXPECT_EQ(nodes.body["message"],
            "nodes is forbidden: User \"bob\" cannot list resource \"nodes\" in API group \"\" at "
            "the cluster scope");
  EXPECT_EQ(Do("root-token", "GET", "/api/v1/nodes").status, 200);
}

TEST_F(ApiAuthTest, RoleBindingGrantsOnlyItsNamespace) {
  GrantAliceEditIn("default");
  json cm = {{"metadata", {{"name", "c"}}}};
  EXPECT_EQ(Do("alice-token", "POST", "/api/v1/namespaces/default/configmaps", cm).status, 201);
  EXPECT_EQ(Do("alice-token", "POST", "/api/v1/namespaces/kube-system/configmaps", cm).status, 403);
  EXPECT_EQ(Do("alice-token", "GET", "/api/v1/namespaces/default").status,
            200);  // view: own namespace
  EXPECT_EQ(Do("alice-token", "GET", "/api/v1/namespaces/kube-system").status, 403);
  // edit does not grant status writes.
  Reply status = Do("alice-token", "PATCH", "/api/v1/namespaces/default/pods/p/status",
                    {{"status", json::object()}});
  EXPECT_EQ(status.status, 403);
  EXPECT_EQ(status.body["message"],
            "pods \"p\" is forbidden: User \"alice\" cannot patch resource \"pods/status\" in API "
            "group \"\" in the namespace \"default\"");
  // watch authorizes as verb watch
  EXPECT_EQ(Do("alice-token", "GET", "/api/v1/namespaces/default/configmaps?watch=1").status, 200);
  EXPECT_EQ(Do("bob-token", "GET", "/api/v1/namespaces/default/configmaps?watch=1").body["message"],
            "configmaps is forbidden: User \"bob\" cannot watch resource \"configmaps\" in API "
            "group \"\" in the namespace \"default\"");
}

TEST_F(ApiAuthTest, AggregatedRolesPickUpLabelledRoles) {
  GrantAliceEditIn("default");
  json priority = {{"metadata", {{"name", "high"}}}, {"value", 1000}};
  EXPECT_EQ(
      Do("alice-token", "POST", "/apis/scheduling.k8s.io/v1/priorityclasses", priority).status,
      403);
  Reply role =
      Do("root-token", "POST", "/apis/rbac.authorization.k8s.io/v1/clusterroles",
         {{"metadata",
           {{"name", "fairway-user"},
            {"labels", {{"rbac.authorization.k8s.io/aggregate-to-edit", "true"}}}}},
          {"rules",
           {{{"verbs", {"create"}}, {"apiGroups", {"fairway.dev"}}, {"resources", {"jobs"}}}}}});
  ASSERT_EQ(role.status, 201) << role.raw.body;
  EXPECT_TRUE(CanI("alice-token", {{"namespace", "default"},
                                   {"verb", "create"},
                                   {"group", "fairway.dev"},
                                   {"resource", "jobs"}}));
  EXPECT_FALSE(CanI("alice-token", {{"namespace", "other"},
                                    {"verb", "create"},
                                    {"group", "fairway.dev"},
                                    {"resource", "jobs"}}));
  // The aggregation controller wrote the union into edit and admin.
  json edit = Do("root-token", "GET", "/apis/rbac.authorization.k8s.io/v1/clusterroles/edit").body;
  bool found = false;
  for (const json& r : edit["rules"]) found = found || r["apiGroups"] == json({"fairway.dev"});
  EXPECT_TRUE(found) << edit.dump();
  json admin =
      Do("root-token", "GET", "/apis/rbac.authorization.k8s.io/v1/clusterroles/admin").body;
  EXPECT_GT(admin["rules"].size(), edit["rules"].size());
}

TEST_F(ApiAuthTest, SelfSubjectReviewIsWhoami) {
  json alice = Whoami("alice-token");
  EXPECT_EQ(alice["kind"], "SelfSubjectReview");
  EXPECT_EQ(alice["apiVersion"], "authentication.k8s.io/v1");
  EXPECT_EQ(alice["metadata"]["creationTimestamp"], "2025-03-01T08:00:00Z");
  EXPECT_EQ(
      alice["status"]["userInfo"],
      json({{"username", "alice"}, {"uid", "a1"}, {"groups", {"team-a", "system:authenticated"}}}));
  for (const char* v : {"v1beta1", "v1alpha1"}) {
    Reply r = Do(
        "bob-token", "POST",
        std::string("/apis/authentication.k8s.io/") + v + "/selfsubjectreviews",
        {{"apiVersion", std::string("authentication.k8s.io/") + v}, {"kind", "SelfSubjectReview"}});
    EXPECT_EQ(r.status, 201);
    EXPECT_EQ(r.body["status"]["userInfo"]["username"], "bob");
  }
  // Anonymous users may not even ask.
  EXPECT_EQ(
      Do("", "POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews", json::object()).status,
      403);
}

TEST_F(ApiAuthTest, ImpersonationNeedsPermission) {
  Reply denied = Do("bob-token", "GET", "/api/v1/namespaces/default/pods", nullptr,
                    {{"impersonate-user", "alice"}});
  EXPECT_EQ(denied.status, 403);
  EXPECT_EQ(denied.body["message"],
            "users \"alice\" is forbidden: User \"bob\" cannot impersonate resource \"users\" in "
            "API group \"\" at the cluster scope");
  json root_as_alice =
      Whoami("root-token", {{"impersonate-user", "alice"}, {"impersonate-group", "g1, g2"}});
  EXPECT_EQ(root_as_alice["status"]["userInfo"]["username"], "alice");
  EXPECT_EQ(root_as_alice["status"]["userInfo"]["groups"],
            json({"g1", "g2", "system:authenticated"}));
  // The impersonated user's permissions apply, not the impersonator's.
  Reply as_alice =
      Do("root-token", "GET", "/api/v1/nodes", nullptr, {{"impersonate-user", "alice"}});
  EXPECT_EQ(as_alice.status, 403);
  // A ClusterRole granting impersonation of one user.
  ASSERT_EQ(Do("root-token", "POST", "/apis/rbac.authorization.k8s.io/v1/clusterroles",
               {{"metadata", {{"name", "as-alice"}}},
                {"rules",
                 {{{"verbs", {"impersonate"}},
                   {"apiGroups", {""}},
                   {"resources", {"users"}},
                   {"resourceNames", {"alice"}}}}}})
                .status,
            201);
  ASSERT_EQ(Do("root-token", "POST", "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
               {{"metadata", {{"name", "bob-as-alice"}}},
                {"roleRef",
                 {{"apiGroup", "rbac.authorization.k8s.io"},
                  {"kind", "ClusterRole"},
                  {"name", "as-alice"}}},
                {"subjects", {{{"kind", "User"}, {"name", "bob"}}}}})
                .status,
            201);
  EXPECT_EQ(Whoami("bob-token", {{"impersonate-user", "alice"}})["status"]["userInfo"]["username"],
            "alice");
  EXPECT_EQ(Do("bob-token", "GET", "/api", nullptr, {{"impersonate-user", "carol"}}).status, 403);
}

TEST_F(ApiAuthTest, AccessReviews) {
  EXPECT_TRUE(CanI("root-token", {{"verb", "delete"}, {"resource", "nodes"}}));
  EXPECT_FALSE(
      CanI("bob-token", {{"verb", "list"}, {"resource", "pods"}, {"namespace", "default"}}));
  EXPECT_TRUE(CanI("bob-token", {{"verb", "create"},
                                 {"group", "authorization.k8s.io"},
                                 {"resource", "selfsubjectaccessreviews"}}));
  Reply url = Do("bob-token", "POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
                 {{"spec", {{"nonResourceAttributes", {{"path", "/apis"}, {"verb", "get"}}}}}});
  EXPECT_EQ(url.body["status"]["allowed"], true);
  EXPECT_EQ(url.body["status"]["reason"],
            "RBAC: allowed by ClusterRoleBinding \"system:discovery\" of ClusterRole "
            "\"system:discovery\" to Group \"system:authenticated\"");
  Reply neither = Do("bob-token", "POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
                     {{"spec", json::object()}});
  EXPECT_EQ(neither.status, 422);

  // SubjectAccessReview: needs permission, then answers for spec.user.
  json sar = {{"spec",
               {{"user", "alice"},
                {"groups", {"team-a"}},
                {"resourceAttributes",
                 {{"verb", "get"}, {"resource", "pods"}, {"namespace", "default"}}}}}};
  EXPECT_EQ(
      Do("bob-token", "POST", "/apis/authorization.k8s.io/v1/subjectaccessreviews", sar).status,
      403);
  Reply for_alice =
      Do("root-token", "POST", "/apis/authorization.k8s.io/v1/subjectaccessreviews", sar);
  EXPECT_EQ(for_alice.status, 201);
  EXPECT_EQ(for_alice.body["status"]["allowed"], false);
  GrantAliceEditIn("default");
  EXPECT_EQ(Do("root-token", "POST", "/apis/authorization.k8s.io/v1/subjectaccessreviews", sar)
                .body["status"]["allowed"],
            true);
  EXPECT_EQ(Do("root-token", "POST", "/apis/authorization.k8s.io/v1/subjectaccessreviews",
               {{"spec", {{"resourceAttributes", {{"verb", "get"}}}}}})
                .status,
            422);

  // SelfSubjectRulesReview (kubectl auth can-i --list).
  Reply rules = Do("alice-token", "POST", "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews",
                   {{"spec", {{"namespace", "default"}}}});
  ASSERT_EQ(rules.status, 201);
  EXPECT_GT(rules.body["status"]["resourceRules"].size(), 10u);
  EXPECT_EQ(rules.body["status"]["incomplete"], false);
}

TEST_F(ApiAuthTest, InProcessCallsAreTrusted) {
  Result<json> r =
      api_.Call("POST", "/api/v1/namespaces/default/configmaps", {{"metadata", {{"name", "x"}}}});
  EXPECT_TRUE(r.ok());
}

TEST_F(ApiAuthTest, DefaultRolesAreSeeded) {
  for (const char* name : {"cluster-admin", "admin", "edit", "view", "system:basic-user",
                           "system:discovery", "system:public-info-viewer"}) {
    EXPECT_EQ(Do("root-token", "GET",
                 std::string("/apis/rbac.authorization.k8s.io/v1/clusterroles/") + name)
                  .status,
              200)
        << name;
  }
  json view = Do("root-token", "GET", "/apis/rbac.authorization.k8s.io/v1/clusterroles/view").body;
  EXPECT_FALSE(view["rules"].empty());  // aggregated from system:aggregate-to-view
}

// Without a token file: everyone is the admin, everything is allowed, impersonation still works.
class OpenApiAuthTest : public ::testing::Test {
 protected:
  OpenApiAuthTest() : clock_(std::chrono::system_clock::from_time_t(1740816000)), api_(&clock_) {}
  FakeClock clock_;
  ApiServer api_;
};

TEST_F(OpenApiAuthTest, AdminAndImpersonation) {
  HttpRequest req;
  req.method = "POST";
  req.target = "/apis/authentication.k8s.io/v1/selfsubjectreviews";
  req.body = "{}";
  req.headers["authorization"] = "Bearer whatever";
  req.user = UserInfo{"forged", "", {"system:masters"}, {}};  // never trusted
  json admin = json::parse(api_.Handle(req).response.body);
  EXPECT_EQ(admin["status"]["userInfo"]["username"], "fairway-sandbox-admin");
  EXPECT_EQ(admin["status"]["userInfo"]["groups"],
            json({"system:masters", "system:authenticated"}));
  req.headers["impersonate-user"] = "alice";
  json alice = json::parse(api_.Handle(req).response.body);
  EXPECT_EQ(alice["status"]["userInfo"]["username"], "alice");
  req.target = "/api/v1/nodes";
  req.method = "GET";
  EXPECT_EQ(api_.Handle(req).response.status, 200);  // no RBAC without a token file
}

}  // namespace
}  // namespace fairway::sandbox

namespace fairway::sandbox {
namespace {

// Unconditional patches of one object from many threads all land: GuaranteedUpdate retries on a
// changed resourceVersion instead of failing.
TEST_F(OpenApiAuthTest, ConcurrentPatchesOfOneObjectAllApply) {
  ASSERT_TRUE(
      api_.Call("POST", "/api/v1/namespaces/default/configmaps", {{"metadata", {{"name", "hot"}}}})
          .ok());
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        json patch = {{"data", {{"k" + std::to_string(t) + "-" + std::to_string(i), "v"}}}};
        auto r = api_.Call("PATCH", "/api/v1/namespaces/default/configmaps/hot", patch,
                           "application/merge-patch+json");
        if (!r.ok()) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  auto cm = api_.Call("GET", "/api/v1/namespaces/default/configmaps/hot");
  ASSERT_TRUE(cm.ok());
  EXPECT_EQ((*cm)["data"].size(), 200u);
}

}  // namespace
}  // namespace fairway::sandbox
