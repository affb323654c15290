#include "webhook/admission_handler.h"

#include <gtest/gtest.h>

#include <thread>

#include "common/base64.h"
#include "webhook_test_util.h"

namespace fairway::webhook {
namespace {

using namespace testing;  // NOLINT(build/namespaces)

json Review(const std::string& resource, const std::string& operation, const json& user,
            json object, json old_object = nullptr) {
  return {
      {"apiVersion", "admission.k8s.io/v1"},
      {"kind", "AdmissionReview"},
      {"request",
       {{"uid", "abc"},
        {"kind", {{"group", "fairway.dev"}, {"version", "v1alpha1"}, {"kind", "Job"}}},
        {"resource", {{"group", "fairway.dev"}, {"version", "v1alpha1"}, {"resource", resource}}},
        {"namespace", "ml"},
        {"name", "j"},
        {"operation", operation},
        {"userInfo", user},
        {"object", std::move(object)},
        {"oldObject", std::move(old_object)}}}};
}

json Alice() { return {{"username", "alice"}, {"groups", {"system:authenticated"}}}; }

class AdmissionHandlerTest : public ::testing::Test {
 protected:
  json Post(const std::string& path, const json& review, int want_status = 200) {
    HttpReply reply = handler_.Handle(path, review.dump());
    EXPECT_EQ(reply.status, want_status) << reply.body;
    EXPECT_EQ(reply.content_type, "application/json");
    return json::parse(reply.body);
  }

  StaticClusterView view_ = Cluster();
  AdmissionHandler handler_{&view_, Settings()};
};

TEST_F(AdmissionHandlerTest, MutateAnswersWithAJsonPatch) {
  json object = JobJson("j").Stamped("mallory").Build();
  json bob = {{"username", "bob"}, {"groups", {"system:authenticated"}}};
  json out = Post("/mutate-jobs", Review("jobs", "CREATE", bob, object));
  EXPECT_EQ(out["apiVersion"], "admission.k8s.io/v1");
  EXPECT_EQ(out["kind"], "AdmissionReview");
  EXPECT_EQ(out["response"]["uid"], "abc");
  EXPECT_EQ(out["response"]["allowed"], true);
  EXPECT_EQ(out["response"]["patchType"], "JSONPatch");
  StatusOr<std::string> patch = Base64Decode(out["response"]["patch"].get<std::string>());
  ASSERT_TRUE(patch.ok());
  json mutated = ApplyPatch(object, json::parse(*patch));
  EXPECT_EQ(mutated["spec"]["user"], "bob");
  EXPECT_EQ(mutated["spec"]["account"], "physics");
}

TEST_F(AdmissionHandlerTest, ValidateJobsDenies) {
  json out = Post("/validate-jobs",
                  Review("jobs", "CREATE", Alice(), ValidJob().Set("account", "bio").Build()));
  EXPECT_EQ(out["response"]["allowed"], false);
  EXPECT_EQ(out["response"]["status"]["code"], 403);
  EXPECT_EQ(out["response"]["status"]["reason"], "Forbidden");
  EXPECT_EQ(out["response"]["status"]["message"],
            "Invalid account or account/partition combination specified (spec.account: user "
            "\"alice\" is not a member of account \"bio\")");
}

TEST_F(AdmissionHandlerTest, ValidateClusterObjects) {
  json qos = {{"apiVersion", "fairway.dev/v1alpha1"},
              {"kind", "QoS"},
              {"metadata", {{"name", "gold"}}},
              {"spec", json::object()}};
  json out = Post("/validate-cluster-objects", Review("qoses", "CREATE", Alice(), qos));
  EXPECT_EQ(out["response"]["allowed"], false);
  EXPECT_EQ(out["response"]["status"]["message"],
            "Access/permission denied (only admins may create, change or delete qoses)");
  json admin = {{"username", "root"}, {"groups", {"system:masters"}}};
  out = Post("/validate-cluster-objects", Review("qoses", "CREATE", admin, qos));
  EXPECT_EQ(out["response"]["allowed"], true);
}

TEST_F(AdmissionHandlerTest, ResourceTheRouteDoesNotAdmitIsDenied) {
  json out = Post("/validate-jobs", Review("qoses", "CREATE", Alice(), json::object()));
  EXPECT_EQ(out["response"]["allowed"], false);
  EXPECT_EQ(out["response"]["status"]["code"], 400);
  EXPECT_EQ(out["response"]["status"]["message"],
            "/validate-jobs admits fairway.dev jobs; got fairway.dev/qoses");
  out = Post("/validate-cluster-objects", Review("jobs", "CREATE", Alice(), json::object()));
  EXPECT_EQ(out["response"]["status"]["message"],
            "/validate-cluster-objects admits fairway.dev accounts, partitions and qoses; got "
            "fairway.dev/jobs");
}

TEST_F(AdmissionHandlerTest, MalformedBodiesGet400AndUnknownPaths404) {
  HttpReply r = handler_.Handle("/validate-jobs", "garbage");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(json::parse(r.body)["message"],
            "not an AdmissionReview v1: INVALID_ARGUMENT: the body is not JSON");
  r = handler_.Handle("/validate-jobs",
                      R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"})");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(json::parse(r.body)["message"],
            "not an AdmissionReview v1: INVALID_ARGUMENT: request: is required");
  r = handler_.Handle("/elsewhere", "{}");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(json::parse(r.body)["message"], "no admission endpoint at /elsewhere");
}

TEST_F(AdmissionHandlerTest, SettingsCanChangeWhileServing) {
  json review = Review("qoses", "CREATE", Alice(),
                       {{"metadata", {{"name", "gold"}}}, {"spec", json::object()}});
  std::thread reader([&] {
    for (int i = 0; i < 200; ++i) handler_.Handle("/validate-cluster-objects", review.dump());
  });
  config::AdmissionSettings s = Settings();
  s.admin_users = {"alice"};
  for (int i = 0; i < 200; ++i) handler_.SetSettings(s);
  reader.join();
  EXPECT_EQ(handler_.settings().admin_users, std::vector<std::string>({"alice"}));
  EXPECT_EQ(Post("/validate-cluster-objects", review)["response"]["allowed"], true);
}

}  // namespace
}  // namespace fairway::webhook
