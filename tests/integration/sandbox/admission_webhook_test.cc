// Admission webhooks over real HTTPS: the sandbox (with a token file) calls a tiny webhook server
// built on the sandbox's own HttpServer with a handler.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <mutex>
#include <thread>

#include "common/base64.h"
#include "common/clock.h"
#include "http_client.h"
#include "kube/tls_material.h"
#include "sandbox/internal/util.h"
#include "sandbox/sandbox.h"

namespace fairway::sandbox {
namespace {

using nlohmann::json;
using testing::HttpClient;

// An HTTPS admission webhook whose behaviour depends on the path it is called on.
class FakeWebhook {
 public:
  struct Call {
    std::string path;
    json request;  // AdmissionReview.request
  };

  void Start() {
    auto tls = kube::GenerateTlsMaterial({"localhost"}, {"127.0.0.1"});
    ASSERT_TRUE(tls.ok()) << tls.status().ToString();
    ca_pem_ = tls->ca_cert_pem;
    HttpServer::Options o;
    o.tls = true;
    o.cert_pem = tls->server_cert_pem;
    o.key_pem = tls->server_key_pem;
    auto server = HttpServer::Start([this](const HttpRequest& r) { return Handle(r); }, o);
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(server).value();
  }
  void Stop() { server_->Stop(); }

  std::string Url(const std::string& path) const { return server_->url() + path; }
  uint16_t port() const { return server_->port(); }
  std::string CaBundle() const { return Base64Encode(ca_pem_); }
  std::vector<Call> calls() {
    std::lock_guard<std::mutex> lock(mu_);
    return calls_;
  }

 private:
  HandlerReply Handle(const HttpRequest& req) {
    std::string path = req.target.substr(0, req.target.find('?'));
    json review = json::parse(req.body, nullptr, false);
    json request = review.is_object() ? review.value("request", json::object()) : json::object();
    {
      std::lock_guard<std::mutex> lock(mu_);
      calls_.push_back({path, request});
    }
    json response = {{"uid", request.value("uid", "")}, {"allowed", true}};
    if (path == "/mutate") {
      bool has_labels = request.contains("object") && request["object"].is_object() &&
                        request["object"]["metadata"].contains("labels");
      json patch =
          has_labels
              ? json::array(
                    {{{"op", "add"}, {"path", "/metadata/labels/mutated"}, {"value", "true"}}})
              : json::array({{{"op", "add"},
                              {"path", "/metadata/labels"},
                              {"value", {{"mutated", "true"}}}}});
      response["patchType"] = "JSONPatch";
      response["patch"] = Base64Encode(patch.dump());
      response["warnings"] = {"mutated by test"};
    } else if (path == "/deny") {
      response["allowed"] = false;
      response["status"] = {{"code", 403}, {"message", "configmaps must be approved"}};
    } else if (path == "/deny-nocode") {
      response["allowed"] = false;
      response["status"] = {{"message", "bad"}};
    } else if (path == "/warn") {
      response["warnings"] = {"first warning", "second \"quoted\""};
    } else if (path == "/slow") {
      std::this_thread::sleep_for(std::chrono::milliseconds(2500));
    } else if (path == "/bad-uid") {
      response["uid"] = "not-the-request-uid";
    } else if (path == "/http500") {
      HttpResponse r;
      r.status = 500;
      r.body = "boom";
      return {r, nullptr};
    }
    HttpResponse r;
    r.body = json({{"apiVersion", "admission.k8s.io/v1"},
                   {"kind", "AdmissionReview"},
                   {"response", response}})
                 .dump();
    return {r, nullptr};
  }

  std::string ca_pem_;
  std::unique_ptr<HttpServer> server_;
  std::mutex mu_;
  std::vector<Call> calls_;  // GUARDED_BY(mu_)
};

json ConfigMapRules(json operations = {"CREATE"}, json resources = {"configmaps"}) {
  return json::array({{{"operations", operations},
                       {"apiGroups", {""}},
                       {"apiVersions", {"v1"}},
                       {"resources", resources}}});
}

class AdmissionWebhookTest : public ::testing::Test {
 protected:
  void SetUp() override {
    webhook_.Start();
    std::string tokens =
        ::testing::TempDir() + "/admission_tokens_" + std::to_string(::getpid()) + ".csv";
    std::ofstream(tokens) << "root-token,root,0,\"system:masters\"\n"
                             "alice-token,alice,alice-uid,\"team-a\"\n";
    SandboxOptions o;
    o.token_auth_file = tokens;
    o.webhook_service_addresses["webhooks/mapped"] = "127.0.0.1:" + std::to_string(webhook_.port());
    auto sb = Sandbox::Start(o, &clock_);
    ASSERT_TRUE(sb.ok()) << sb.status().ToString();
    sb_ = std::move(sb).value();
    // alice may edit the default namespace.
    ASSERT_TRUE(sb_->api()
                    .Call("POST",
                          "/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings",
                          {{"metadata", {{"name", "alice-edit"}}},
                           {"roleRef",
                            {{"apiGroup", "rbac.authorization.k8s.io"},
                             {"kind", "ClusterRole"},
                             {"name", "edit"}}},
                           {"subjects", {{{"kind", "User"}, {"name", "alice"}}}}})
                    .ok());
    alice_ = Client("alice-token");
    root_ = Client("root-token");
  }
  void TearDown() override {
    if (sb_) sb_->Stop();
    webhook_.Stop();
  }

  std::unique_ptr<HttpClient> Client(const std::string& token) {
    auto c = std::make_unique<HttpClient>("127.0.0.1", sb_->port());
    c->set_token(token);
    return c;
  }

  json Webhook(const std::string& name, json client_config, json rules = ConfigMapRules(),
               const std::string& failure_policy = "Fail",
               const std::string& side_effects = "None") {
    return {{"name", name},
            {"clientConfig", client_config},
            {"rules", rules},
            {"failurePolicy", failure_policy},
            {"sideEffects", side_effects},
            {"admissionReviewVersions", {"v1"}},
            {"timeoutSeconds", 1}};
  }
  json UrlConfig(const std::string& path) {
    return {{"url", webhook_.Url(path)}, {"caBundle", webhook_.CaBundle()}};
  }
  void Configure(bool mutating, const std::string& name, std::vector<json> webhooks) {
    std::string plural =
        mutating ? "mutatingwebhookconfigurations" : "validatingwebhookconfigurations";
    json cfg = {
        {"apiVersion", "admissionregistration.k8s.io/v1"},
        {"kind", mutating ? "MutatingWebhookConfiguration" : "ValidatingWebhookConfiguration"},
        {"metadata", {{"name", name}}},
        {"webhooks", webhooks}};
    auto r = root_->Post("/apis/admissionregistration.k8s.io/v1/" + plural, cfg);
    ASSERT_EQ(r.status, 201) << r.body;
  }
  testing::HttpReply CreateConfigMap(HttpClient& c, const std::string& name,
                                     const std::string& query = "") {
    return c.Post("/api/v1/namespaces/default/configmaps" + query,
                  {{"metadata", {{"name", name}, {"annotations", {{"claimed-user", "root"}}}}},
                   {"data", {{"k", "v"}}}});
  }
  bool Exists(const std::string& name) {
    return root_->Get("/api/v1/namespaces/default/configmaps/" + name).status == 200;
  }

  RealClock clock_;
  FakeWebhook webhook_;
  std::unique_ptr<Sandbox> sb_;
  std::unique_ptr<HttpClient> alice_;
  std::unique_ptr<HttpClient> root_;
};

TEST_F(AdmissionWebhookTest, MutatingWebhookPatchesAndSeesTheAuthenticatedUser) {
  Configure(true, "mutate", {Webhook("mutate.test.fairway.dev", UrlConfig("/mutate"))});
  auto r = CreateConfigMap(*alice_, "c1");
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.Json()["metadata"]["labels"]["mutated"], "true");
  EXPECT_EQ(r.headers["warning"], "299 - \"mutated by test\"");
  auto calls = webhook_.calls();
  ASSERT_EQ(calls.size(), 1u);
  const json& req = calls[0].request;
  EXPECT_EQ(req["operation"], "CREATE");
  EXPECT_EQ(req["userInfo"]["username"], "alice");  // from the token, whatever the body claims
  EXPECT_EQ(req["userInfo"]["uid"], "alice-uid");
  EXPECT_EQ(req["userInfo"]["groups"], json({"team-a", "system:authenticated"}));
  EXPECT_EQ(req["kind"], json({{"group", ""}, {"version", "v1"}, {"kind", "ConfigMap"}}));
  EXPECT_EQ(req["resource"], json({{"group", ""}, {"version", "v1"}, {"resource", "configmaps"}}));
  EXPECT_EQ(req["namespace"], "default");
  EXPECT_EQ(req["name"], "c1");
  EXPECT_EQ(req["object"]["data"]["k"], "v");
  EXPECT_EQ(req["object"]["kind"], "ConfigMap");
  EXPECT_TRUE(req["oldObject"].is_null());
  EXPECT_EQ(req["dryRun"], false);
  EXPECT_EQ(req["options"]["kind"], "CreateOptions");
  EXPECT_EQ(req["uid"].get<std::string>().size(), 36u);
  // An impersonated request reaches the webhook as the impersonated user.
  root_->add_header("Impersonate-User", "alice");
  ASSERT_EQ(CreateConfigMap(*root_, "c2").status, 201);
  EXPECT_EQ(webhook_.calls().back().request["userInfo"]["username"], "alice");
}

TEST_F(AdmissionWebhookTest, CustomResourcesReachWebhooksDefaultedAndPatchesAreValidated) {
  auto crd = root_->Post("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", json::parse(R"({
      "metadata":{"name":"gpujobs.example.com"},
      "spec":{"group":"example.com","scope":"Namespaced",
        "names":{"plural":"gpujobs","singular":"gpujob","kind":"GpuJob","listKind":"GpuJobList"},
        "versions":[{"name":"v1","served":true,"storage":true,
          "schema":{"openAPIV3Schema":{"type":"object","properties":{
            "spec":{"type":"object","properties":{
              "gpus":{"type":"integer","maximum":8},
              "priority":{"type":"integer","default":7}}}}}}}]}})"));
  ASSERT_EQ(crd.status, 201) << crd.body;
  json rules = json::array({{{"operations", {"CREATE"}},
                             {"apiGroups", {"example.com"}},
                             {"apiVersions", {"*"}},
                             {"resources", {"*"}}}});
  Configure(true, "mutate", {Webhook("mutate.test.fairway.dev", UrlConfig("/mutate"), rules)});
  auto created = root_->Post("/apis/example.com/v1/namespaces/default/gpujobs",
                             {{"apiVersion", "example.com/v1"},
                              {"kind", "GpuJob"},
                              {"metadata", {{"name", "j"}}},
                              {"spec", {{"gpus", 2}, {"unknown", 1}}}});
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(created.Json()["metadata"]["labels"]["mutated"], "true");
  auto calls = webhook_.calls();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].request["object"]["spec"], json({{"gpus", 2}, {"priority", 7}}));
  EXPECT_EQ(calls[0].request["kind"],
            json({{"group", "example.com"}, {"version", "v1"}, {"kind", "GpuJob"}}));
  // The server validates what the webhooks produced: a schema violation is still a 422.
  auto invalid = root_->Post("/apis/example.com/v1/namespaces/default/gpujobs",
                             {{"metadata", {{"name", "k"}}}, {"spec", {{"gpus", 99}}}});
  EXPECT_EQ(invalid.status, 422) << invalid.body;
}

TEST_F(AdmissionWebhookTest, ValidatingWebhookDenies) {
  Configure(false, "deny", {Webhook("deny.test.fairway.dev", UrlConfig("/deny"))});
  auto r = CreateConfigMap(*alice_, "c1");
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.Json()["kind"], "Status");
  EXPECT_EQ(r.Json()["reason"], "Forbidden");
  EXPECT_EQ(r.Json()["message"],
            "admission webhook \"deny.test.fairway.dev\" denied the request: configmaps must be "
            "approved");
  EXPECT_FALSE(Exists("c1"));
}

TEST_F(AdmissionWebhookTest, DenialWithoutCodeIs400) {
  Configure(false, "deny", {Webhook("deny.test.fairway.dev", UrlConfig("/deny-nocode"))});
  auto r = CreateConfigMap(*alice_, "c1");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.Json()["reason"], "BadRequest");
  EXPECT_EQ(r.Json()["message"],
            "admission webhook \"deny.test.fairway.dev\" denied the request: bad");
}

TEST_F(AdmissionWebhookTest, FailurePolicyWhenTheWebhookIsDown) {
  webhook_.Stop();
  Configure(false, "down", {Webhook("down.test.fairway.dev", UrlConfig("/allow"))});
  auto r = CreateConfigMap(*alice_, "c1");
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.Json()["reason"], "InternalError");
  std::string msg = r.Json()["message"];
  EXPECT_EQ(msg.rfind("Internal error occurred: failed calling webhook \"down.test.fairway.dev\": "
                      "failed to call webhook: Post \"https://127.0.0.1:",
                      0),
            0u)
      << msg;
  EXPECT_FALSE(Exists("c1"));
  ASSERT_EQ(
      root_
          ->Request("DELETE",
                    "/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/down")
          .status,
      200);
  Configure(false, "down-ignored",
            {Webhook("down.test.fairway.dev", UrlConfig("/allow"), ConfigMapRules(), "Ignore")});
  EXPECT_EQ(CreateConfigMap(*alice_, "c1").status, 201);
}

TEST_F(AdmissionWebhookTest, WrongCaBundleFailsTheHandshake) {
  auto other = kube::GenerateTlsMaterial({"localhost"}, {"127.0.0.1"});
  ASSERT_TRUE(other.ok());
  json cfg = {{"url", webhook_.Url("/allow")}, {"caBundle", Base64Encode(other->ca_cert_pem)}};
  Configure(false, "wrong-ca", {Webhook("ca.test.fairway.dev", cfg)});
  auto r = CreateConfigMap(*alice_, "c1");
  EXPECT_EQ(r.status, 500);
  EXPECT_NE(
      r.Json()["message"].get<std::string>().find("failed calling webhook \"ca.test.fairway.dev\""),
      std::string::npos);
  EXPECT_TRUE(webhook_.calls().empty());
  EXPECT_FALSE(Exists("c1"));
}

TEST_F(AdmissionWebhookTest, MalformedResponsesAndTimeoutsAreCallFailures) {
  Configure(false, "bad", {Webhook("uid.test.fairway.dev", UrlConfig("/bad-uid"))});
  auto uid = CreateConfigMap(*alice_, "c1");
  EXPECT_EQ(uid.status, 500);
  EXPECT_NE(uid.Json()["message"].get<std::string>().find("expected response.uid="),
            std::string::npos);
  ASSERT_EQ(
      root_
          ->Request("DELETE",
                    "/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/bad")
          .status,
      200);

  Configure(false, "http500", {Webhook("500.test.fairway.dev", UrlConfig("/http500"))});
  auto e500 = CreateConfigMap(*alice_, "c1");
  EXPECT_EQ(e500.status, 500);
  EXPECT_NE(e500.Json()["message"].get<std::string>().find("the server responded with HTTP 500"),
            std::string::npos);
  ASSERT_EQ(
      root_
          ->Request("DELETE",
                    "/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/http500")
          .status,
      200);

  Configure(false, "slow",
            {Webhook("slow.test.fairway.dev", UrlConfig("/slow"))});  // timeoutSeconds 1
  auto slow = CreateConfigMap(*alice_, "c1");
  // The webhook would allow after 2.5 s: a 500 naming the timeout shows timeoutSeconds applied.
  EXPECT_EQ(slow.status, 500) << slow.body;
  EXPECT_NE(slow.Json()["message"].get<std::string>().find(": timeout"), std::string::npos)
      << slow.body;
  EXPECT_FALSE(Exists("c1"));
}

TEST_F(AdmissionWebhookTest, DryRunCreatesNothingAndTellsTheWebhook) {
  Configure(false, "allow", {Webhook("allow.test.fairway.dev", UrlConfig("/allow"))});
  auto r = CreateConfigMap(*alice_, "c1", "?dryRun=All");
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_FALSE(Exists("c1"));
  auto calls = webhook_.calls();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].request["dryRun"], true);
  EXPECT_EQ(calls[0].request["options"]["dryRun"], json({"All"}));
  // A webhook with side effects refuses dry runs.
  Configure(
      false, "effects",
      {Webhook("effects.test.fairway.dev", UrlConfig("/allow"), ConfigMapRules(), "Fail", "Some")});
  auto refused = CreateConfigMap(*alice_, "c1", "?dryRun=All");
  EXPECT_EQ(refused.status, 400);
  EXPECT_EQ(refused.Json()["message"],
            "admission webhook \"effects.test.fairway.dev\" does not support dry run");
  EXPECT_EQ(CreateConfigMap(*alice_, "c1").status, 201);
}

TEST_F(AdmissionWebhookTest, WarningsBecomeWarningHeaders) {
  Configure(false, "warn", {Webhook("warn.test.fairway.dev", UrlConfig("/warn"))});
  auto r = CreateConfigMap(*alice_, "c1");
  ASSERT_EQ(r.status, 201);
  EXPECT_EQ(r.headers["warning"], "299 - \"first warning\", 299 - \"second \\\"quoted\\\"\"");
}

TEST_F(AdmissionWebhookTest, RulesThatDoNotMatchDoNotCall) {
  ASSERT_EQ(CreateConfigMap(*alice_, "c").status, 201);
  Configure(false, "cm-create", {Webhook("cm.test.fairway.dev", UrlConfig("/deny"))});
  EXPECT_EQ(
      alice_->Post("/api/v1/namespaces/default/secrets", {{"metadata", {{"name", "s"}}}}).status,
      201);
  auto update = alice_->Request("PATCH", "/api/v1/namespaces/default/configmaps/c",
                                R"({"data":{"a":"b"}})", "application/merge-patch+json");
  EXPECT_EQ(update.status, 200) << update.body;  // UPDATE is not in the rule
  EXPECT_TRUE(webhook_.calls().empty());

  // A rule on pods does not match the status subresource; one on pods/status does.
  ASSERT_EQ(root_
                ->Post("/api/v1/namespaces/default/pods",
                       {{"metadata", {{"name", "p"}}},
                        {"spec", {{"containers", {{{"name", "c"}, {"image", "i"}}}}}}})
                .status,
            201);
  Configure(false, "pods",
            {Webhook("pods.test.fairway.dev", UrlConfig("/allow"),
                     ConfigMapRules({"UPDATE"}, {"pods"}))});
  auto status = root_->Request("PATCH", "/api/v1/namespaces/default/pods/p/status",
                               R"({"status":{"phase":"Running"}})", "application/merge-patch+json");
  ASSERT_EQ(status.status, 200) << status.body;
  EXPECT_TRUE(webhook_.calls().empty());
  Configure(false, "pods-status",
            {Webhook("status.test.fairway.dev", UrlConfig("/allow"),
                     ConfigMapRules({"UPDATE"}, {"pods/status"}))});
  ASSERT_EQ(root_
                ->Request("PATCH", "/api/v1/namespaces/default/pods/p/status",
                          R"({"status":{"phase":"Succeeded"}})", "application/merge-patch+json")
                .status,
            200);
  auto calls = webhook_.calls();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].request["subResource"], "status");
  EXPECT_EQ(calls[0].request["oldObject"]["status"]["phase"], "Running");
  EXPECT_EQ(calls[0].request["object"]["status"]["phase"], "Succeeded");
}

TEST_F(AdmissionWebhookTest, ScaleSubresourceIsAdmittedAsScale) {
  json deployment = {{"metadata", {{"name", "d"}}},
                     {"spec",
                      {{"replicas", 1},
                       {"selector", {{"matchLabels", {{"app", "d"}}}}},
                       {"template",
                        {{"metadata", {{"labels", {{"app", "d"}}}}},
                         {"spec", {{"containers", {{{"name", "c"}, {"image", "i"}}}}}}}}}}};
  ASSERT_EQ(root_->Post("/apis/apps/v1/namespaces/default/deployments", deployment).status, 201);
  json rules = json::array({{{"operations", {"UPDATE"}},
                             {"apiGroups", {"apps"}},
                             {"apiVersions", {"v1"}},
                             {"resources", {"deployments/scale"}}}});
  Configure(false, "scale", {Webhook("scale.test.fairway.dev", UrlConfig("/allow"), rules)});
  auto r = root_->Request("PATCH", "/apis/apps/v1/namespaces/default/deployments/d/scale",
                          R"({"spec":{"replicas":3}})", "application/merge-patch+json");
  ASSERT_EQ(r.status, 200) << r.body;
  auto calls = webhook_.calls();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].request["kind"],
            json({{"group", "autoscaling"}, {"version", "v1"}, {"kind", "Scale"}}));
  EXPECT_EQ(calls[0].request["subResource"], "scale");
  EXPECT_EQ(calls[0].request["object"]["spec"]["replicas"], 3);
  EXPECT_EQ(calls[0].request["oldObject"]["spec"]["replicas"], 1);
  EXPECT_EQ(root_->Get("/apis/apps/v1/namespaces/default/deployments/d").Json()["spec"]["replicas"],
            3);
}

// With admission the write is optimistic (GuaranteedUpdate); concurrent unconditional patches
// of one object still all land.
TEST_F(AdmissionWebhookTest, ConcurrentPatchesThroughAdmissionAllApply) {
  ASSERT_EQ(CreateConfigMap(*alice_, "hot").status, 201);
  Configure(false, "updates",
            {Webhook("updates.test.fairway.dev", UrlConfig("/allow"), ConfigMapRules({"UPDATE"}))});
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      auto c = Client("root-token");
      for (int i = 0; i < 15; ++i) {
        std::string key = "k" + std::to_string(t) + "-" + std::to_string(i);
        auto r = c->Request("PATCH", "/api/v1/namespaces/default/configmaps/hot",
                            json({{"data", {{key, "v"}}}}).dump(), "application/merge-patch+json");
        if (r.status != 200) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(root_->Get("/api/v1/namespaces/default/configmaps/hot").Json()["data"].size(), 61u);
}

TEST_F(AdmissionWebhookTest, UpdatesAndDeletesCarryTheOldObject) {
  ASSERT_EQ(CreateConfigMap(*alice_, "c1").status, 201);
  Configure(false, "writes",
            {Webhook("writes.test.fairway.dev", UrlConfig("/allow"),
                     ConfigMapRules({"UPDATE", "DELETE"}))});
  auto patch = alice_->Request("PATCH", "/api/v1/namespaces/default/configmaps/c1",
                               R"({"data":{"k":"v2"}})", "application/merge-patch+json");
  ASSERT_EQ(patch.status, 200);
  auto put_body = patch.Json();
  put_body["data"]["k"] = "v3";
  ASSERT_EQ(
      alice_->Request("PUT", "/api/v1/namespaces/default/configmaps/c1", put_body.dump()).status,
      200);
  ASSERT_EQ(alice_->Request("DELETE", "/api/v1/namespaces/default/configmaps/c1").status, 200);
  auto calls = webhook_.calls();
  ASSERT_EQ(calls.size(), 3u);
  EXPECT_EQ(calls[0].request["operation"], "UPDATE");
  EXPECT_EQ(calls[0].request["options"]["kind"], "PatchOptions");
  EXPECT_EQ(calls[0].request["oldObject"]["data"]["k"], "v");
  EXPECT_EQ(calls[0].request["object"]["data"]["k"], "v2");
  EXPECT_EQ(calls[1].request["options"]["kind"], "UpdateOptions");
  EXPECT_EQ(calls[1].request["object"]["data"]["k"], "v3");
  EXPECT_EQ(calls[2].request["operation"], "DELETE");
  EXPECT_TRUE(calls[2].request["object"].is_null());
  EXPECT_EQ(calls[2].request["oldObject"]["data"]["k"], "v3");
  EXPECT_EQ(calls[2].request["options"]["kind"], "DeleteOptions");
}

TEST_F(AdmissionWebhookTest, DeniedUpdateAndDeleteChangeNothing) {
  ASSERT_EQ(CreateConfigMap(*alice_, "c1").status, 201);
  Configure(
      false, "deny-writes",
      {Webhook("deny.test.fairway.dev", UrlConfig("/deny"), ConfigMapRules({"UPDATE", "DELETE"}))});
  EXPECT_EQ(alice_
                ->Request("PATCH", "/api/v1/namespaces/default/configmaps/c1",
                          R"({"data":{"k":"x"}})", "application/merge-patch+json")
                .status,
            403);
  EXPECT_EQ(alice_->Request("DELETE", "/api/v1/namespaces/default/configmaps/c1").status, 403);
  EXPECT_EQ(root_->Get("/api/v1/namespaces/default/configmaps/c1").Json()["data"]["k"], "v");
}

TEST_F(AdmissionWebhookTest, ServicesResolveThroughTheOptionOrEndpoints) {
  json mapped = {{"service", {{"namespace", "webhooks"}, {"name", "mapped"}, {"path", "/allow"}}},
                 {"caBundle", webhook_.CaBundle()}};
  Configure(false, "mapped", {Webhook("mapped.test.fairway.dev", mapped)});
  ASSERT_EQ(CreateConfigMap(*alice_, "c1").status, 201);
  ASSERT_EQ(webhook_.calls().size(), 1u);
  EXPECT_EQ(webhook_.calls()[0].path, "/allow");

  // A Service with Endpoints, the way a cluster would publish the webhook.
  ASSERT_EQ(root_->Post("/api/v1/namespaces", {{"metadata", {{"name", "hooks"}}}}).status, 201);
  ASSERT_EQ(root_
                ->Post("/api/v1/namespaces/hooks/services",
                       {{"metadata", {{"name", "svc"}}},
                        {"spec",
                         {{"ports", {{{"name", "https"}, {"port", 443}, {"targetPort", 9443}}}}}}})
                .status,
            201);
  ASSERT_EQ(root_
                ->Post("/api/v1/namespaces/hooks/endpoints",
                       {{"metadata", {{"name", "svc"}}},
                        {"subsets",
                         {{{"addresses", {{{"ip", "127.0.0.1"}}}},
                           {"ports", {{{"name", "https"}, {"port", webhook_.port()}}}}}}}})
                .status,
            201);
  json endpoints = {{"service", {{"namespace", "hooks"}, {"name", "svc"}, {"path", "/deny"}}},
                    {"caBundle", webhook_.CaBundle()}};
  Configure(false, "endpoints", {Webhook("endpoints.test.fairway.dev", endpoints)});
  auto denied = CreateConfigMap(*alice_, "c2");
  EXPECT_EQ(denied.status, 403) << denied.body;

  ASSERT_EQ(
      root_
          ->Request(
              "DELETE",
              "/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/endpoints")
          .status,
      200);
  // An EndpointSlice labelled with its Service (no Service object: ports match by number).
  ASSERT_EQ(
      root_
          ->Post(
              "/apis/discovery.k8s.io/v1/namespaces/hooks/endpointslices",
              {{"metadata",
                {{"name", "sliced-x1"}, {"labels", {{"kubernetes.io/service-name", "sliced"}}}}},
               {"addressType", "IPv4"},
               {"endpoints", {{{"addresses", {"127.0.0.1"}}, {"conditions", {{"ready", true}}}}}},
               {"ports", {{{"port", webhook_.port()}}}}})
          .status,
      201);
  json sliced = {
      {"service",
       {{"namespace", "hooks"}, {"name", "sliced"}, {"path", "/deny"}, {"port", webhook_.port()}}},
      {"caBundle", webhook_.CaBundle()}};
  Configure(false, "sliced", {Webhook("sliced.test.fairway.dev", sliced)});
  EXPECT_EQ(CreateConfigMap(*alice_, "c3").status, 403);
  ASSERT_EQ(
      root_
          ->Request("DELETE",
                    "/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/sliced")
          .status,
      200);

  json nowhere = {{"service", {{"namespace", "hooks"}, {"name", "missing"}}},
                  {"caBundle", webhook_.CaBundle()}};
  Configure(false, "nowhere", {Webhook("nowhere.test.fairway.dev", nowhere)});
  auto failed = CreateConfigMap(*alice_, "c4");
  EXPECT_EQ(failed.status, 500);
  EXPECT_NE(
      failed.Json()["message"].get<std::string>().find("--webhook-service-address hooks/missing="),
      std::string::npos);
}

TEST_F(AdmissionWebhookTest, NamespaceAndObjectSelectors) {
  json hook = Webhook("selective.test.fairway.dev", UrlConfig("/deny"));
  hook["namespaceSelector"] = {{"matchLabels", {{"env", "prod"}}}};
  hook["objectSelector"] = {{"matchExpressions", {{{"key", "guarded"}, {"operator", "Exists"}}}}};
  Configure(false, "selective", {hook});
  EXPECT_EQ(CreateConfigMap(*alice_, "c1").status, 201);  // namespace not labelled
  ASSERT_EQ(
      root_
          ->Request("PATCH", "/api/v1/namespaces/default",
                    R"({"metadata":{"labels":{"env":"prod"}}})", "application/merge-patch+json")
          .status,
      200);
  EXPECT_EQ(CreateConfigMap(*alice_, "c2").status, 201);  // object not labelled
  auto guarded = alice_->Post("/api/v1/namespaces/default/configmaps",
                              {{"metadata", {{"name", "c3"}, {"labels", {{"guarded", "yes"}}}}}});
  EXPECT_EQ(guarded.status, 403);
  EXPECT_EQ(webhook_.calls().size(), 1u);
}

}  // namespace
}  // namespace fairway::sandbox
