#include "webhook/configurations.h"

#include <gtest/gtest.h>

#include <map>

#include "common/base64.h"

namespace fairway::webhook {
namespace {

using nlohmann::json;

TEST(ConfigurationsTest, MutatingConfigurationForAService) {
  json c = MutatingWebhookConfiguration(
      WebhookEndpoint::Service("fairway-system", "fairway-webhook"), "CA PEM");
  EXPECT_EQ(c["apiVersion"], "admissionregistration.k8s.io/v1");
  EXPECT_EQ(c["kind"], "MutatingWebhookConfiguration");
  EXPECT_EQ(c["metadata"]["name"], "fairway.dev");
  ASSERT_EQ(c["webhooks"].size(), 1u);
  const json& w = c["webhooks"][0];
  EXPECT_EQ(w["name"], "mutate.jobs.fairway.dev");
  EXPECT_EQ(w["clientConfig"], json({{"service",
                                      {{"namespace", "fairway-system"},
                                       {"name", "fairway-webhook"},
                                       {"path", "/mutate-jobs"},
                                       {"port", 443}}},
                                     {"caBundle", Base64Encode("CA PEM")}}));
  EXPECT_EQ(w["rules"], json::parse(R"([{"operations":["CREATE"],"apiGroups":["fairway.dev"],
      "apiVersions":["v1alpha1"],"resources":["jobs"],"scope":"Namespaced"}])"));
  EXPECT_EQ(w["failurePolicy"], "Fail");
  EXPECT_EQ(w["sideEffects"], "None");
  EXPECT_EQ(w["admissionReviewVersions"], json({"v1"}));
  EXPECT_EQ(w["timeoutSeconds"], 10);
  EXPECT_EQ(w["reinvocationPolicy"], "Never");
}

TEST(ConfigurationsTest, ValidatingConfigurationForAUrl) {
  json c = ValidatingWebhookConfiguration(WebhookEndpoint::Url("https://127.0.0.1:9443"), "");
  EXPECT_EQ(c["kind"], "ValidatingWebhookConfiguration");
  EXPECT_EQ(c["metadata"]["name"], "fairway.dev");
  ASSERT_EQ(c["webhooks"].size(), 2u);
  const json& jobs = c["webhooks"][0];
  EXPECT_EQ(jobs["name"], "validate.jobs.fairway.dev");
  EXPECT_EQ(jobs["clientConfig"], json({{"url", "https://127.0.0.1:9443/validate-jobs"}}));
  EXPECT_EQ(jobs["rules"][0]["operations"], json({"CREATE", "UPDATE", "DELETE"}));
  EXPECT_EQ(jobs["rules"][0]["resources"], json({"jobs"}));  // never jobs/status
  const json& objects = c["webhooks"][1];
  EXPECT_EQ(objects["name"], "validate.cluster-objects.fairway.dev");
  EXPECT_EQ(objects["clientConfig"]["url"], "https://127.0.0.1:9443/validate-cluster-objects");
  EXPECT_EQ(objects["rules"][0]["resources"], json({"accounts", "partitions", "qoses"}));
  EXPECT_EQ(objects["rules"][0]["scope"], "Cluster");
  for (const json& w : c["webhooks"]) {
    EXPECT_EQ(w["failurePolicy"], "Fail");
    EXPECT_EQ(w["sideEffects"], "None");
    EXPECT_FALSE(w.contains("reinvocationPolicy"));
  }
}

// An API server holding webhook configurations, with resourceVersions and injected conflicts.
class FakeApiClient : public kube::ApiClient {
 public:
  std::map<std::string, json> objects;  // key: plural/name
  int conflicts = 0;                    // the next N updates fail with 409
  int updates = 0;

  StatusOr<json> Get(const kube::ResourceRef& ref, const std::string&,
                     const std::string& name) override {
    auto it = objects.find(ref.plural + "/" + name);
    if (it == objects.end()) return NotFoundError(ref.plural + " \"" + name + "\" not found");
    return it->second;
  }
  StatusOr<json> Update(const kube::ResourceRef& ref, const std::string&,
                        const json& object) override {
    ++updates;
    std::string key = ref.plural + "/" + object["metadata"]["name"].get<std::string>();
    json& stored = objects.at(key);
    if (conflicts > 0) {
      --conflicts;
      stored["metadata"]["resourceVersion"] =
          std::to_string(std::stoi(stored["metadata"]["resourceVersion"].get<std::string>()) + 1);
    }
    if (object["metadata"]["resourceVersion"] != stored["metadata"]["resourceVersion"]) {
      return AbortedError("the object has been modified");
    }
    stored = object;
    stored["metadata"]["resourceVersion"] =
        std::to_string(std::stoi(object["metadata"]["resourceVersion"].get<std::string>()) + 1);
    return stored;
  }
  StatusOr<kube::ObjectList> List(const kube::ResourceRef&, const std::string&,
                                  const kube::ListOptions&) override {
    return UnimplementedError("List");
  }
  StatusOr<json> Create(const kube::ResourceRef&, const std::string&, const json&) override {
    return UnimplementedError("Create");
  }
  StatusOr<json> UpdateStatus(const kube::ResourceRef&, const std::string&, const json&) override {
    return UnimplementedError("UpdateStatus");
  }
  StatusOr<json> Patch(const kube::ResourceRef&, const std::string&, const std::string&,
                       kube::PatchType, const json&, const std::string&) override {
    return UnimplementedError("Patch");
  }
  Status Delete(const kube::ResourceRef&, const std::string&, const std::string&,
                const kube::DeleteOptions&) override {
    return UnimplementedError("Delete");
  }
  Status Bind(const std::string&, const std::string&, const std::string&,
              const std::string&) override {
    return UnimplementedError("Bind");
  }
  Status Watch(const kube::ResourceRef&, const std::string&, const kube::WatchOptions&,
               const kube::WatchHandler&, kube::CancelToken*) override {
    return UnimplementedError("Watch");
  }
};

void Store(FakeApiClient* client, const std::string& plural, json config) {
  config["metadata"]["resourceVersion"] = "1";
  client->objects[plural + "/fairway.dev"] = std::move(config);
}

TEST(InjectCaBundleTest, SetsEveryCaBundle) {
  FakeApiClient client;
  WebhookEndpoint endpoint = WebhookEndpoint::Service("fairway-system", "fairway-webhook");
  Store(&client, "mutatingwebhookconfigurations", MutatingWebhookConfiguration(endpoint, ""));
  Store(&client, "validatingwebhookconfigurations",
        ValidatingWebhookConfiguration(endpoint, "OLD CA"));
  ASSERT_TRUE(InjectCaBundle(&client, "NEW CA").ok());
  for (const char* plural : {"mutatingwebhookconfigurations", "validatingwebhookconfigurations"}) {
    for (const json& w : client.objects[std::string(plural) + "/fairway.dev"]["webhooks"]) {
      EXPECT_EQ(w["clientConfig"]["caBundle"], Base64Encode("NEW CA")) << plural;
      EXPECT_EQ(w["clientConfig"]["service"]["name"], "fairway-webhook");
    }
  }
  EXPECT_EQ(client.updates, 2);
  // Nothing to change: no writes.
  ASSERT_TRUE(InjectCaBundle(&client, "NEW CA").ok());
  EXPECT_EQ(client.updates, 2);
}

TEST(InjectCaBundleTest, MissingConfigurationsAreSkipped) {
  FakeApiClient client;
  Store(&client, "validatingwebhookconfigurations",
        ValidatingWebhookConfiguration(WebhookEndpoint::Url("https://x"), ""));
  EXPECT_TRUE(InjectCaBundle(&client, "CA").ok());
  EXPECT_EQ(client.objects["validatingwebhookconfigurations/fairway.dev"]["webhooks"][1]
                          ["clientConfig"]["caBundle"],
            Base64Encode("CA"));
  FakeApiClient empty;
  EXPECT_TRUE(InjectCaBundle(&empty, "CA").ok());
}

TEST(InjectCaBundleTest, RereadsOnConflictAndGivesUpAfterFiveAttempts) {
  FakeApiClient client;
  Store(&client, "mutatingwebhookconfigurations",
        MutatingWebhookConfiguration(WebhookEndpoint::Url("https://x"), ""));
  client.conflicts = 2;
  EXPECT_TRUE(InjectCaBundle(&client, "CA").ok());
  EXPECT_EQ(client.updates, 3);
  client.conflicts = 100;
  Status s = InjectCaBundle(&client, "OTHER CA");
  EXPECT_EQ(s.code(), StatusCode::kAborted);
  EXPECT_EQ(s.message(), "mutatingwebhookconfigurations/fairway.dev: the object has been modified");
  EXPECT_EQ(client.updates, 3 + 5);
}

}  // namespace
}  // namespace fairway::webhook
