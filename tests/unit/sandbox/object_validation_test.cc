// Names, labels, annotations and built-in workload specs are validated as kube-apiserver does,
// with its messages (422 Invalid with causes), on create, update and server dry run.
#include <gtest/gtest.h>

#include <string>

#include "api_test_util.h"

namespace fairway::sandbox {
namespace {

using nlohmann::json;
using testing::Reply;

class ObjectValidationTest : public testing::ApiServerTest {
 protected:
  static json Deployment(const json& selector_labels, const json& template_labels) {
    return {{"apiVersion", "apps/v1"},
            {"kind", "Deployment"},
            {"metadata", {{"name", "web"}}},
            {"spec",
             {{"replicas", 1},
              {"selector", {{"matchLabels", selector_labels}}},
              {"template",
               {{"metadata", {{"labels", template_labels}}},
                {"spec", {{"containers", {{{"name", "c"}, {"image", "nginx"}}}}}}}}}}};
  }
  static std::string Cause(const Reply& r, size_t i = 0) {
    return r.body["details"]["causes"][i].value("field", "") + ": " +
           r.body["details"]["causes"][i].value("message", "");
  }
};

TEST_F(ObjectValidationTest, DeploymentSelectorMustMatchTemplate) {
  const std::string path = "/apis/apps/v1/namespaces/default/deployments";
  Reply dry = Do("POST", path + "?dryRun=All", Deployment({{"app", "web"}}, {{"app", "db"}}));
  EXPECT_EQ(dry.status, 422);
  EXPECT_EQ(dry.body["reason"], "Invalid");
  EXPECT_EQ(dry.body["message"],
            "Deployment.apps \"web\" is invalid: spec.template.metadata.labels: Invalid value: "
            "map[string]string{\"app\":\"db\"}: `selector` does not match template `labels`");
  EXPECT_EQ(Do("POST", path, Deployment({{"app", "web"}}, {{"app", "db"}})).status, 422);

  Reply empty = Do("POST", path, Deployment(json::object(), {{"app", "web"}}));
  EXPECT_EQ(empty.status, 422);
  EXPECT_NE(Cause(empty).find("spec.selector: Invalid value: &LabelSelector{"), std::string::npos);
  EXPECT_NE(Cause(empty).find("empty selector is invalid for deployment"), std::string::npos);

  ASSERT_EQ(Do("POST", path, Deployment({{"app", "web"}}, {{"app", "web"}, {"tier", "1"}})).status,
            201);
  // An update that breaks the match is refused as well.
  Reply update = Do("PATCH", path + "/web",
                    {{"spec", {{"template", {{"metadata", {{"labels", {{"app", "x"}}}}}}}}}},
                    "application/merge-patch+json");
  EXPECT_EQ(update.status, 422);
  Reply negative =
      Do("PATCH", path + "/web", {{"spec", {{"replicas", -1}}}}, "application/merge-patch+json");
  EXPECT_EQ(negative.status, 422);
  EXPECT_EQ(Cause(negative),
            "spec.replicas: Invalid value: -1: must be greater than or equal to 0");
}

TEST_F(ObjectValidationTest, BatchJobsNeedATemplateWhosePodsEnd) {
  const std::string path = "/apis/batch/v1/namespaces/default/jobs";
  json job = {
      {"apiVersion", "batch/v1"},
      {"kind", "Job"},
      {"metadata", {{"name", "pi"}}},
      {"spec", {{"template", {{"spec", {{"containers", {{{"name", "c"}, {"image", "perl"}}}}}}}}}}};
  Reply missing = Do("POST", path, job);
  EXPECT_EQ(missing.status, 422);
  EXPECT_EQ(missing.body["message"],
            "Job.batch \"pi\" is invalid: spec.template.spec.restartPolicy: Required value: valid "
            "values: \"OnFailure\", \"Never\"");
  job["spec"]["template"]["spec"]["restartPolicy"] = "Always";
  Reply always = Do("POST", path, job);
  EXPECT_EQ(always.status, 422);
  EXPECT_EQ(Cause(always),
            "spec.template.spec.restartPolicy: Unsupported value: \"Always\": supported values: "
            "\"OnFailure\", \"Never\"");
  job["spec"]["template"]["spec"]["restartPolicy"] = "Never";
  job["spec"]["parallelism"] = -1;
  Reply negative = Do("POST", path + "?dryRun=All", job);
  EXPECT_EQ(negative.status, 422);
  EXPECT_EQ(Cause(negative),
            "spec.parallelism: Invalid value: -1: must be greater than or equal to 0");
  job["spec"]["parallelism"] = 2;
  job["spec"]["selector"] = {{"matchLabels", {{"app", "pi"}}}};
  Reply mismatch = Do("POST", path, job);
  EXPECT_EQ(mismatch.status, 422);
  EXPECT_EQ(Cause(mismatch),
            "spec.template.metadata.labels: Invalid value: map[string]string{}: `selector` does "
            "not match template `labels`");
  job["spec"].erase("selector");
  ASSERT_EQ(Do("POST", path, job).status, 201);
  Reply update =
      Do("PATCH", path + "/pi", {{"spec", {{"completions", -3}}}}, "application/merge-patch+json");
  EXPECT_EQ(update.status, 422);
}

TEST_F(ObjectValidationTest, NamesFollowTheResourceRule) {
  json pod = PodBody(std::string(254, 'a'));
  Reply long_name = Do("POST", "/api/v1/namespaces/default/pods", pod);
  EXPECT_EQ(long_name.status, 422);
  EXPECT_NE(Cause(long_name).find("must be no more than 253 characters"), std::string::npos);
  EXPECT_EQ(Do("POST", "/api/v1/namespaces/default/pods", PodBody(std::string(253, 'a'))).status,
            201);
  EXPECT_EQ(Do("POST", "/api/v1/namespaces/default/pods", PodBody("Upper")).status, 422);

  // Namespaces are DNS labels (63), services DNS-1035 labels (a letter first).
  Reply ns = Do("POST", "/api/v1/namespaces", {{"metadata", {{"name", std::string(64, 'n')}}}});
  EXPECT_EQ(ns.status, 422);
  EXPECT_EQ(Cause(ns), "metadata.name: Invalid value: \"" + std::string(64, 'n') +
                           "\": must be no more than 63 characters");
  Reply svc = Do("POST", "/api/v1/namespaces/default/services",
                 {{"metadata", {{"name", "1svc"}}}, {"spec", json::object()}});
  EXPECT_EQ(svc.status, 422);
  EXPECT_NE(Cause(svc).find("a DNS-1035 label must consist of"), std::string::npos);
  // RBAC names are path segments: system:... is fine, '/' is not.
  EXPECT_EQ(Do("POST", "/apis/rbac.authorization.k8s.io/v1/clusterroles",
               {{"metadata", {{"name", "system:test:role"}}}, {"rules", json::array()}})
                .status,
            201);
  Reply slash = Do("POST", "/apis/rbac.authorization.k8s.io/v1/clusterroles",
                   {{"metadata", {{"name", "a/b"}}}, {"rules", json::array()}});
  EXPECT_EQ(slash.status, 422);
  EXPECT_EQ(Cause(slash), "metadata.name: Invalid value: \"a/b\": may not contain '/'");
}

TEST_F(ObjectValidationTest, LabelsAndAnnotations) {
  json pod = PodBody("labelled");
  pod["metadata"]["labels"] = {{"app", std::string(64, 'v')}};
  Reply value = Do("POST", "/api/v1/namespaces/default/pods", pod);
  EXPECT_EQ(value.status, 422);
  EXPECT_EQ(Cause(value), "metadata.labels: Invalid value: \"" + std::string(64, 'v') +
                              "\": must be no more than 63 characters");

  pod["metadata"]["labels"] = {{"bad key", "v"}};
  Reply key = Do("POST", "/api/v1/namespaces/default/pods", pod);
  EXPECT_EQ(key.status, 422);
  EXPECT_NE(Cause(key).find("metadata.labels: Invalid value: \"bad key\": name part must consist"),
            std::string::npos);

  pod["metadata"]["labels"] = {{"example.com/app", "my_value.1"}, {"empty", ""}};
  pod["metadata"]["annotations"] = {{"Example.COM/Note", std::string(1000, 'x')}};
  ASSERT_EQ(Do("POST", "/api/v1/namespaces/default/pods", pod).status, 201);

  // 256 KiB of annotations in total, keys included.
  json big = {{"metadata",
               {{"annotations",
                 {{"a", std::string(200 * 1024, 'x')}, {"b", std::string(56 * 1024, 'x')}}}}}};
  Reply size =
      Do("PATCH", "/api/v1/namespaces/default/pods/labelled", big, "application/merge-patch+json");
  EXPECT_EQ(size.status, 422);
  EXPECT_EQ(Cause(size), "metadata.annotations: Too long: must have at most 262144 bytes");
  big["metadata"]["annotations"]["b"] = std::string(56 * 1024 - 2, 'x');
  big["metadata"]["annotations"]["Example.COM/Note"] = nullptr;  // exactly 262144 bytes left
  EXPECT_EQ(
      Do("PATCH", "/api/v1/namespaces/default/pods/labelled", big, "application/merge-patch+json")
          .status,
      200);
}

}  // namespace
}  // namespace fairway::sandbox
