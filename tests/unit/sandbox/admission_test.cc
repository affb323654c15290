// The pure parts of webhook admission (sandbox/admission.h): rule matching, the AdmissionReview
// request, response verification and denial errors. Calls over HTTPS are in
// tests/integration/sandbox/admission_webhook_test.cc.
#include "sandbox/admission.h"

#include <gtest/gtest.h>

#include "common/base64.h"
#include "sandbox/internal/util.h"

namespace fairway::sandbox {
namespace {

using nlohmann::json;

AdmissionAttributes Jobs(const std::string& op, const std::string& sub = "",
                         const std::string& ns = "default") {
  AdmissionAttributes a;
  a.operation = op;
  a.kind = {"fairway.dev", "v1alpha1", "Job"};
  a.resource = {"fairway.dev", "v1alpha1", "jobs"};
  a.subresource = sub;
  a.name = "train";
  a.ns = ns;
  a.user = UserInfo{"alice", "u1", {"team-a", "system:authenticated"}, {}};
  return a;
}

json Rule(json ops, json resources, const std::string& scope = "") {
  json r = {{"operations", ops},
            {"apiGroups", {"fairway.dev"}},
            {"apiVersions", {"*"}},
            {"resources", resources}};
  if (!scope.empty()) r["scope"] = scope;
  return r;
}

TEST(AdmissionRuleTest, MatchesLikeUpstream) {
  struct Case {
    const char* name;
    json rule;
    AdmissionAttributes attrs;
    bool match;
  };
  const Case cases[] = {
      {"exact", Rule({"CREATE"}, {"jobs"}), Jobs("CREATE"), true},
      {"operation star", Rule({"*"}, {"jobs"}), Jobs("DELETE"), true},
      {"other operation", Rule({"CREATE"}, {"jobs"}), Jobs("UPDATE"), false},
      {"other resource", Rule({"*"}, {"partitions"}), Jobs("CREATE"), false},
      {"resource does not match subresource", Rule({"UPDATE"}, {"jobs"}), Jobs("UPDATE", "status"),
       false},
      {"explicit subresource", Rule({"UPDATE"}, {"jobs/status"}), Jobs("UPDATE", "status"), true},
      {"explicit subresource not main", Rule({"UPDATE"}, {"jobs/status"}), Jobs("UPDATE"), false},
      {"star is main resources only", Rule({"UPDATE"}, {"*"}), Jobs("UPDATE", "status"), false},
      {"star slash star", Rule({"UPDATE"}, {"*/*"}), Jobs("UPDATE", "status"), true},
      {"resource slash star: main", Rule({"UPDATE"}, {"jobs/*"}), Jobs("UPDATE"), true},
      {"resource slash star: sub", Rule({"UPDATE"}, {"jobs/*"}), Jobs("UPDATE", "scale"), true},
      {"star slash sub", Rule({"UPDATE"}, {"*/status"}), Jobs("UPDATE", "status"), true},
      {"namespaced scope", Rule({"*"}, {"jobs"}, "Namespaced"), Jobs("CREATE"), true},
      {"cluster scope", Rule({"*"}, {"jobs"}, "Cluster"), Jobs("CREATE"), false},
      {"cluster scope cluster object", Rule({"*"}, {"jobs"}, "Cluster"), Jobs("CREATE", "", ""),
       true},
      {"all scopes", Rule({"*"}, {"jobs"}, "*"), Jobs("CREATE", "", ""), true},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(AdmissionRuleMatches(c.rule, c.attrs), c.match) << c.name;
  }
  json other_group = Rule({"*"}, {"*"});
  other_group["apiGroups"] = {"apps"};
  EXPECT_FALSE(AdmissionRuleMatches(other_group, Jobs("CREATE")));
  json other_version = Rule({"*"}, {"*"});
  other_version["apiVersions"] = {"v1"};
  EXPECT_FALSE(AdmissionRuleMatches(other_version, Jobs("CREATE")));
  EXPECT_FALSE(AdmissionRuleMatches(json::object(), Jobs("CREATE")));
}

TEST(AdmissionReviewTest, RequestHasTheReferenceShape) {
  AdmissionAttributes a = Jobs("UPDATE");
  a.object = {{"metadata", {{"name", "train"}}}, {"spec", {{"gpus", 4}}}};
  a.old_object = {{"metadata", {{"name", "train"}}}, {"spec", {{"gpus", 2}}}};
  a.dry_run = true;
  a.options = {{"apiVersion", "meta.k8s.io/v1"}, {"kind", "UpdateOptions"}};
  json review = AdmissionReviewRequest(a, "uid-1");
  EXPECT_EQ(review["apiVersion"], "admission.k8s.io/v1");
  EXPECT_EQ(review["kind"], "AdmissionReview");
  const json& r = review["request"];
  EXPECT_EQ(r["uid"], "uid-1");
  EXPECT_EQ(r["kind"], json({{"group", "fairway.dev"}, {"version", "v1alpha1"}, {"kind", "Job"}}));
  EXPECT_EQ(r["resource"],
            json({{"group", "fairway.dev"}, {"version", "v1alpha1"}, {"resource", "jobs"}}));
  EXPECT_EQ(r["requestKind"], r["kind"]);
  EXPECT_EQ(r["requestResource"], r["resource"]);
  EXPECT_EQ(r["subResource"], "");
  EXPECT_EQ(r["name"], "train");
  EXPECT_EQ(r["namespace"], "default");
  EXPECT_EQ(r["operation"], "UPDATE");
  EXPECT_EQ(
      r["userInfo"],
      json({{"username", "alice"}, {"uid", "u1"}, {"groups", {"team-a", "system:authenticated"}}}));
  EXPECT_EQ(r["object"]["spec"]["gpus"], 4);
  EXPECT_EQ(r["oldObject"]["spec"]["gpus"], 2);
  EXPECT_EQ(r["dryRun"], true);
  EXPECT_EQ(r["options"]["kind"], "UpdateOptions");
  json create = AdmissionReviewRequest(Jobs("CREATE"), "u")["request"];
  EXPECT_TRUE(create.contains("oldObject"));
  EXPECT_TRUE(create["oldObject"].is_null());
}

std::string Reply(json response) {
  return json({{"apiVersion", "admission.k8s.io/v1"},
               {"kind", "AdmissionReview"},
               {"response", response}})
      .dump();
}

TEST(AdmissionResponseTest, AcceptsAllowAndPatch) {
  std::string patch = R"([{"op":"add","path":"/metadata/labels","value":{"a":"b"}}])";
  auto r = ParseAdmissionResponse(Reply({{"uid", "x"},
                                         {"allowed", true},
                                         {"patchType", "JSONPatch"},
                                         {"patch", Base64Encode(patch)},
                                         {"warnings", {"w1", "w2"}}}),
                                  "x", true);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_TRUE(r->allowed);
  EXPECT_EQ(r->patch, json::parse(patch));
  EXPECT_EQ(r->warnings, (std::vector<std::string>{"w1", "w2"}));
  auto deny = ParseAdmissionResponse(
      Reply({{"uid", "x"}, {"allowed", false}, {"status", {{"code", 403}, {"message", "no"}}}}),
      "x", false);
  ASSERT_TRUE(deny.ok());
  EXPECT_FALSE(deny->allowed);
  EXPECT_EQ(deny->status["message"], "no");
}

TEST(AdmissionResponseTest, RejectsMalformedReviews) {
  const std::string b64 = Base64Encode("[]");
  struct Case {
    std::string body;
    bool mutating;
    const char* want;
  };
  const Case cases[] = {
      {"not json", true, "not a JSON object"},
      {R"({"apiVersion":"admission.k8s.io/v1beta1","kind":"AdmissionReview","response":{"uid":"x"}})",
       true, "expected webhook response of admission.k8s.io/v1, Kind=AdmissionReview"},
      {R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"})", true,
       "webhook response was absent"},
      {Reply({{"uid", "other"}, {"allowed", true}}), true,
       "expected response.uid=\"x\", got \"other\""},
      {Reply({{"uid", "x"}, {"allowed", true}, {"patch", b64}}), true,
       "response.patch but not response.patchType"},
      {Reply({{"uid", "x"}, {"allowed", true}, {"patch", b64}, {"patchType", "Merge"}}), true,
       "invalid response.patchType of \"Merge\""},
      {Reply({{"uid", "x"}, {"allowed", true}, {"patch", b64}, {"patchType", "JSONPatch"}}), false,
       "validating webhook may not return response.patch"},
      {Reply({{"uid", "x"}, {"allowed", true}, {"patch", "!!"}, {"patchType", "JSONPatch"}}), true,
       "not base64"},
      {Reply({{"uid", "x"},
              {"allowed", true},
              {"patch", Base64Encode("{}")},
              {"patchType", "JSONPatch"}}),
       true, "not a JSON patch array"},
  };
  for (const Case& c : cases) {
    auto r = ParseAdmissionResponse(c.body, "x", c.mutating);
    ASSERT_FALSE(r.ok()) << c.body;
    EXPECT_NE(r.error().message().find(c.want), std::string::npos) << r.error().message();
    EXPECT_EQ(r.error().message().rfind("received invalid webhook response: ", 0), 0u);
  }
}

TEST(AdmissionDeniedTest, CodeMessageAndReason) {
  ApiError e = AdmissionDenied("validate.jobs.fairway.dev",
                               {{"code", 403}, {"message", "gpus must be even"}});
  EXPECT_EQ(e.code(), 403);
  EXPECT_EQ(e.reason(), "Forbidden");
  EXPECT_EQ(
      e.message(),
      "admission webhook \"validate.jobs.fairway.dev\" denied the request: gpus must be even");
  ApiError low = AdmissionDenied("w", {{"code", 200}, {"message", "m"}});
  EXPECT_EQ(low.code(), 400);
  EXPECT_EQ(low.reason(), "BadRequest");
  ApiError none = AdmissionDenied("w", nullptr);
  EXPECT_EQ(none.code(), 400);
  EXPECT_EQ(none.message(), "admission webhook \"w\" denied the request without explanation");
  ApiError by_reason = AdmissionDenied("w", {{"code", 422}, {"reason", "Invalid"}});
  EXPECT_EQ(by_reason.reason(), "Invalid");
  EXPECT_EQ(by_reason.message(), "admission webhook \"w\" denied the request: Invalid");
  EXPECT_EQ(by_reason.ToStatusJson()["status"], "Failure");
}

}  // namespace
}  // namespace fairway::sandbox
