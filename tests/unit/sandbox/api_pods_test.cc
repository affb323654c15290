// Pod semantics: extended resources, binding, graceful deletion, eviction, status.
#include "api_test_util.h"

namespace fairway::sandbox {
namespace {

using nlohmann::json;

class ApiPodsTest : public testing::ApiServerTest {
 protected:
  const std::string kPods = "/api/v1/namespaces/default/pods";

  json PodWithGpu(const std::string& name, json requests, json limits) {
    json p = PodBody(name);
    if (!requests.is_null()) p["spec"]["containers"][0]["resources"]["requests"] = requests;
    if (!limits.is_null()) p["spec"]["containers"][0]["resources"]["limits"] = limits;
    return p;
  }

  testing::Reply Bind(const std::string& name, const std::string& node, json extra = json::object()) {
    json b = {{"apiVersion", "v1"}, {"kind", "Binding"}, {"metadata", {{"name", name}}},
              {"target", {{"kind", "Node"}, {"name", node}}}};
    b.merge_patch(extra);
    return Do("POST", kPods + "/" + name + "/binding", b);
  }
};

TEST_F(ApiPodsTest, CreateStartsPendingWithDefaults) {
  auto r = Do("POST", kPods, PodBody("p"));
  ASSERT_EQ(r.status, 201);
  EXPECT_EQ(r.body["status"]["phase"], "Pending");
  EXPECT_EQ(r.body["spec"]["schedulerName"], "default-scheduler");
  EXPECT_EQ(Do("POST", kPods, json{{"metadata", {{"name", "empty"}}}, {"spec", json::object()}}).status, 422);
}

TEST_F(ApiPodsTest, ExtendedResourceValidation) {
  auto lone_limit = Do("POST", kPods, PodWithGpu("a", nullptr, {{"nvidia.com/gpu", "2"}}));
  ASSERT_EQ(lone_limit.status, 201) << lone_limit.raw.body;
  EXPECT_EQ(lone_limit.body["spec"]["containers"][0]["resources"]["requests"]["nvidia.com/gpu"], "2");
  auto fractional = Do("POST", kPods, PodWithGpu("b", {{"nvidia.com/gpu", "1.5"}}, {{"nvidia.com/gpu", "1.5"}}));
  EXPECT_EQ(fractional.status, 422);
  EXPECT_NE(fractional.raw.body.find("must be an integer"), std::string::npos);
  auto no_limit = Do("POST", kPods, PodWithGpu("c", {{"nvidia.com/gpu", "1"}}, nullptr));
  EXPECT_EQ(no_limit.status, 422);
  EXPECT_NE(no_limit.raw.body.find("Limit must be set for non overcommitable resources"), std::string::npos);
  auto unequal = Do("POST", kPods, PodWithGpu("d", {{"nvidia.com/gpu", "1"}}, {{"nvidia.com/gpu", "2"}}));
  EXPECT_EQ(unequal.status, 422);
  EXPECT_NE(unequal.raw.body.find("must be equal to nvidia.com/gpu limit"), std::string::npos);
  auto cpu_ok = Do("POST", kPods, PodWithGpu("e", {{"cpu", "500m"}}, {{"cpu", "1"}}));
  EXPECT_EQ(cpu_ok.status, 201);
}

TEST_F(ApiPodsTest, BindingSetsNodeAndCondition) {
  Do("POST", kPods, PodBody("p"));
  auto b = Bind("p", "n1", {{"metadata", {{"annotations", {{"fairway.dev/placed", "yes"}}}}}});
  ASSERT_EQ(b.status, 201) << b.raw.body;
  EXPECT_EQ(b.body, json({{"kind", "Status"}, {"apiVersion", "v1"}, {"metadata", json::object()},
                          {"status", "Success"}, {"code", 201}}));
  auto pod = Do("GET", kPods + "/p").body;
  EXPECT_EQ(pod["spec"]["nodeName"], "n1");
  EXPECT_EQ(pod["metadata"]["annotations"]["fairway.dev/placed"], "yes");
  EXPECT_EQ(pod["status"]["conditions"][0]["type"], "PodScheduled");
  EXPECT_EQ(pod["status"]["conditions"][0]["status"], "True");
  auto again = Bind("p", "n2");
  EXPECT_EQ(again.status, 409);
  EXPECT_EQ(again.body["details"]["kind"], "pods/binding");
  EXPECT_EQ(again.body["message"],
            "Operation cannot be fulfilled on pods/binding \"p\": pod p is already assigned to node \"n1\"");
  EXPECT_EQ(Bind("missing", "n1").status, 404);
}

TEST_F(ApiPodsTest, BindingRefusals) {
  json gated = PodBody("g");
  gated["spec"]["schedulingGates"] = {{{"name", "wait"}}};
  auto g = Do("POST", kPods, gated);
  EXPECT_EQ(g.body["status"]["conditions"][0]["reason"], "SchedulingGated");
  EXPECT_EQ(Bind("g", "n1").status, 409);
  Do("POST", kPods, PodBody("u"));
  EXPECT_EQ(Bind("u", "n1", {{"metadata", {{"uid", "wrong"}}}}).status, 409);
  json with_fin = PodBody("f");
  with_fin["metadata"]["finalizers"] = {"x"};
  Do("POST", kPods, with_fin);
  Do("DELETE", kPods + "/f");
  auto deleting = Bind("f", "n1");
  EXPECT_EQ(deleting.status, 409);
  EXPECT_NE(deleting.body["message"].get<std::string>().find("is being deleted"), std::string::npos);
}

TEST_F(ApiPodsTest, PutCannotChangeNodeName) {
  json created = Do("POST", kPods, PodBody("p")).body;
  created["spec"]["nodeName"] = "n1";
  EXPECT_EQ(Do("PUT", kPods + "/p", created).status, 422);
  json preset = PodBody("q");
  preset["spec"]["nodeName"] = "n1";
  EXPECT_EQ(Do("POST", kPods, preset).status, 201);
}

TEST_F(ApiPodsTest, GracefulDeleteOfBoundRunningPod) {
  Do("POST", kPods, PodBody("p"));
  Bind("p", "n1");
  Do("PATCH", kPods + "/p/status", {{"status", {{"phase", "Running"}}}}, "application/strategic-merge-patch+json");
  auto d = Do("DELETE", kPods + "/p");
  ASSERT_EQ(d.status, 200);
  EXPECT_EQ(d.body["kind"], "Pod");
  EXPECT_EQ(d.body["metadata"]["deletionTimestamp"], "2025-03-01T08:00:30Z");
  EXPECT_EQ(d.body["metadata"]["deletionGracePeriodSeconds"], 30);
  EXPECT_EQ(Do("GET", kPods + "/p").status, 200);
  // The kubelet's final delete.
  EXPECT_EQ(Do("DELETE", kPods + "/p?gracePeriodSeconds=0").status, 200);
  EXPECT_EQ(Do("GET", kPods + "/p").status, 404);
  // Unbound and terminal pods go at once.
  Do("POST", kPods, PodBody("unbound"));
  Do("DELETE", kPods + "/unbound");
  EXPECT_EQ(Do("GET", kPods + "/unbound").status, 404);
  Do("POST", kPods, PodBody("done"));
  Bind("done", "n1");
  Do("PATCH", kPods + "/done/status", {{"status", {{"phase", "Succeeded"}}}}, "application/merge-patch+json");
  Do("DELETE", kPods + "/done");
  EXPECT_EQ(Do("GET", kPods + "/done").status, 404);
}

TEST_F(ApiPodsTest, StatusPatchMergesConditionsWithoutTouchingSpec) {
  Do("POST", kPods, PodBody("p"));
  Bind("p", "n1");
  auto s = Do("PATCH", kPods + "/p/status",
              json::parse(R"({"spec":{"nodeName":"evil"},"status":{"phase":"Running","conditions":[{"type":"Ready","status":"True"}]}})"),
              "application/strategic-merge-patch+json");
  ASSERT_EQ(s.status, 200) << s.raw.body;
  EXPECT_EQ(s.body["spec"]["nodeName"], "n1");
  EXPECT_EQ(s.body["status"]["phase"], "Running");
  ASSERT_EQ(s.body["status"]["conditions"].size(), 2u);
  EXPECT_EQ(s.body["status"]["conditions"][0]["type"], "PodScheduled");
}

TEST_F(ApiPodsTest, EvictionHonoursDisruptionBudgets) {
  Do("POST", kPods, PodBody("p"));
  auto e = Do("POST", kPods + "/p/eviction", {{"apiVersion", "policy/v1"}, {"kind", "Eviction"}, {"metadata", {{"name", "p"}}}});
  EXPECT_EQ(e.status, 201);
  EXPECT_EQ(Do("GET", kPods + "/p").status, 404);
  Do("POST", "/apis/policy/v1/namespaces/default/poddisruptionbudgets",
     {{"metadata", {{"name", "pdb"}}}, {"spec", {{"selector", {{"matchLabels", {{"app", "train"}}}}}}},
      {"status", {{"disruptionsAllowed", 0}}}});
  // PDB status is a subresource; set it the way the disruption controller would.
  Do("PATCH", "/apis/policy/v1/namespaces/default/poddisruptionbudgets/pdb/status",
     {{"status", {{"disruptionsAllowed", 0}}}}, "application/merge-patch+json");
  Do("POST", kPods, PodBody("q"));
  auto blocked = Do("POST", kPods + "/q/eviction", {{"metadata", {{"name", "q"}}}});
  EXPECT_EQ(blocked.status, 429);
  EXPECT_EQ(blocked.body["details"]["causes"][0]["reason"], "DisruptionBudget");
}

}  // namespace
}  // namespace fairway::sandbox
