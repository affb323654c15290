// The sandbox over real HTTP(S) on 127.0.0.1 (port 0), with the tiny Beast client.
#include <gtest/gtest.h>

#include <thread>

#include "common/base64.h"
#include "common/clock.h"
#include "http_client.h"
#include "sandbox/internal/util.h"
#include "sandbox/sandbox.h"

namespace fairway::sandbox {
namespace {

using nlohmann::json;
using testing::HttpClient;

class SandboxHttpTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    SandboxOptions o;
    o.tls = GetParam();
    o.api.bookmark_interval = std::chrono::milliseconds(300);
    o.kubelet.start_delay = std::chrono::milliseconds(50);
    o.nodes = UniformSimNodes(2, 8, "A100");
    auto sb = Sandbox::Start(o, &clock_);
    ASSERT_TRUE(sb.ok()) << sb.status().ToString();
    sb_ = std::move(sb).value();
    client_ = std::make_unique<HttpClient>("127.0.0.1", sb_->port(), sb_->ca_pem());
  }
  void TearDown() override {
    client_.reset();
    if (sb_) sb_->Stop();
  }

  std::unique_ptr<HttpClient> NewClient() {
    return std::make_unique<HttpClient>("127.0.0.1", sb_->port(), sb_->ca_pem());
  }
  static json Pod(const std::string& name) {
    return {{"metadata", {{"name", name}}},
            {"spec", {{"containers", {{{"name", "c"}, {"image", "i"}}}}}}};
  }
  bool WaitFor(const std::function<bool()>& pred,
               std::chrono::milliseconds limit = std::chrono::seconds(5)) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      if (pred()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return pred();
  }

  RealClock clock_;
  std::unique_ptr<Sandbox> sb_;
  std::unique_ptr<HttpClient> client_;
};

INSTANTIATE_TEST_SUITE_P(PlainAndTls, SandboxHttpTest, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "Tls" : "Plain"; });

TEST_P(SandboxHttpTest, DiscoveryIsAlwaysLegacyJson) {
  auto r = client_->Request(
      "GET", "/api", "", "application/json",
      "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.headers["content-type"], "application/json");
  EXPECT_EQ(r.Json()["kind"], "APIVersions");
  auto apis =
      client_->Request("GET", "/apis", "", "application/json",
                       "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList");
  EXPECT_EQ(apis.Json()["kind"], "APIGroupList");
  EXPECT_EQ(apis.headers["content-type"], "application/json");
  EXPECT_EQ(client_->Get("/version").Json()["major"], "1");
  auto missing = client_->Get("/no/such/path");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.Json()["kind"], "Status");
}

TEST_P(SandboxHttpTest, CrudOverHttp) {
  auto c = client_->Post("/api/v1/namespaces/default/pods", Pod("p"));
  ASSERT_EQ(c.status, 201) << c.body;
  EXPECT_EQ(c.Json()["status"]["phase"], "Pending");
  auto dup = client_->Post("/api/v1/namespaces/default/pods", Pod("p"));
  EXPECT_EQ(dup.status, 409);
  EXPECT_EQ(dup.headers["content-type"], "application/json");
  EXPECT_EQ(dup.Json()["reason"], "AlreadyExists");
  auto list = client_->Get("/api/v1/pods");
  EXPECT_EQ(list.Json()["kind"], "PodList");
  EXPECT_EQ(list.Json()["items"].size(), 1u);
  auto patch =
      client_->Request("PATCH", "/api/v1/namespaces/default/pods/p",
                       R"({"metadata":{"labels":{"a":"b"}}})", "application/merge-patch+json");
  EXPECT_EQ(patch.status, 200);
  auto del = client_->Request("DELETE", "/api/v1/namespaces/default/pods/p");
  EXPECT_EQ(del.status, 200);
  EXPECT_EQ(client_->Get("/api/v1/namespaces/default/pods/p").status, 404);
}

TEST_P(SandboxHttpTest, MalformedInputNeverCrashes) {
  EXPECT_EQ(client_->Request("POST", "/api/v1/namespaces/default/pods", "{{{{").status, 400);
  EXPECT_EQ(client_->Request("POST", "/api/v1/namespaces/default/pods", "[1,2]").status, 400);
  EXPECT_EQ(client_->Request("POST", "/api/v1/namespaces/default/pods", R"({"metadata":7})").status,
            400);
  EXPECT_EQ(client_
                ->Request("POST", "/api/v1/namespaces/default/pods",
                          R"({"metadata":{"name":"x","labels":{"a":1}}})")
                .status,
            400);
  EXPECT_EQ(client_
                ->Request("PATCH", "/api/v1/namespaces/default/pods/x", "nope",
                          "application/json-patch+json")
                .status,
            400);
  EXPECT_EQ(client_->Get("/api/v1/pods?limit=abc").status, 400);
  EXPECT_EQ(client_->Get("/api/v1/pods?watch=1&timeoutSeconds=zz").status, 400);
  EXPECT_EQ(client_->Get("/api/v1/namespaces/default/pods/a/b/c/d").status, 404);
  EXPECT_EQ(client_->Request("OPTIONS", "/api/v1/pods").status, 405);
  EXPECT_EQ(client_->Get("/version").status, 200);
}

TEST_P(SandboxHttpTest, WatchStreamsEventsLineByLine) {
  client_->Post("/api/v1/namespaces/default/pods", Pod("a"));
  auto w = NewClient()->OpenWatch("/api/v1/namespaces/default/pods?watch=1");
  ASSERT_EQ(w->status(), 200);
  auto first = w->Next();
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ((*first)["type"], "ADDED");
  client_->Request("PATCH", "/api/v1/namespaces/default/pods/a",
                   R"({"metadata":{"labels":{"x":"y"}}})", "application/merge-patch+json");
  auto mod = w->Next();
  ASSERT_TRUE(mod.has_value());
  EXPECT_EQ((*mod)["type"], "MODIFIED");
  EXPECT_EQ((*mod)["object"]["metadata"]["labels"]["x"], "y");
  EXPECT_EQ((*mod)["object"]["kind"], "Pod");
  client_->Request("DELETE", "/api/v1/namespaces/default/pods/a");
  auto del = w->Next();
  ASSERT_TRUE(del.has_value());
  EXPECT_EQ((*del)["type"], "DELETED");
}

TEST_P(SandboxHttpTest, WatchTimeoutEndsCleanlyAndClosedClientsAreNoticed) {
  auto w = NewClient()->OpenWatch("/api/v1/pods?watch=1&timeoutSeconds=1");
  ASSERT_EQ(w->status(), 200);
  EXPECT_TRUE(w->WaitEnded(std::chrono::seconds(4)));
  // The kubelet simulator holds one store watcher; wait for ours to go.
  size_t base = sb_->api().store().WatcherCount();
  auto w2 = NewClient()->OpenWatch("/api/v1/pods?watch=1");
  ASSERT_EQ(w2->status(), 200);
  ASSERT_TRUE(WaitFor([&] { return sb_->api().store().WatcherCount() == base + 1; }));
  w2->Close();
  EXPECT_TRUE(WaitFor([&] { return sb_->api().store().WatcherCount() == base; }));
}

TEST_P(SandboxHttpTest, BookmarksAndResumeFromResourceVersion) {
  auto c = client_->Post("/api/v1/namespaces/default/pods", Pod("a"));
  std::string rv = c.Json()["metadata"]["resourceVersion"];
  auto w =
      NewClient()->OpenWatch("/api/v1/pods?watch=1&allowWatchBookmarks=true&resourceVersion=" + rv);
  auto bm = w->Next(std::chrono::seconds(4));
  ASSERT_TRUE(bm.has_value());
  EXPECT_EQ((*bm)["type"], "BOOKMARK");
  EXPECT_EQ((*bm)["object"]["metadata"].size(), 1u);
}

TEST_P(SandboxHttpTest, CompactedWatchGetsErrorEventAndDropEndsStreams) {
  client_->Post("/api/v1/namespaces/default/pods", Pod("a"));
  client_->Post("/api/v1/namespaces/default/pods", Pod("b"));
  ASSERT_EQ(client_->Request("POST", "/sandbox/compact").status, 200);
  auto w = NewClient()->OpenWatch("/api/v1/pods?watch=1&resourceVersion=1");
  ASSERT_EQ(w->status(), 200);
  auto err = w->Next();
  ASSERT_TRUE(err.has_value());
  EXPECT_EQ((*err)["type"], "ERROR");
  EXPECT_EQ((*err)["object"]["code"], 410);
  EXPECT_TRUE(w->WaitEnded(std::chrono::seconds(3)));

  auto live = NewClient()->OpenWatch("/api/v1/pods?watch=1");
  ASSERT_TRUE(live->Next().has_value());
  ASSERT_EQ(client_->Request("POST", "/sandbox/watches/drop").status, 200);
  EXPECT_TRUE(live->WaitEnded(std::chrono::seconds(3)));
}

TEST_P(SandboxHttpTest, InjectedFaults) {
  auto add = client_->Post(
      "/sandbox/faults",
      {{"verb", "list"}, {"resource", "pods"}, {"code", 429}, {"retryAfterSeconds", 2}});
  ASSERT_EQ(add.status, 200);
  auto r = client_->Get("/api/v1/pods");
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(r.headers["retry-after"], "2");
  EXPECT_EQ(r.Json()["reason"], "TooManyRequests");
  EXPECT_EQ(client_->Get("/api/v1/pods").status, 200);
  client_->Post("/sandbox/faults/latency", {{"milliseconds", 200}});
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(client_->Get("/api/v1/pods").status, 200);
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(190));
  client_->Request("DELETE", "/sandbox/faults");
  client_->Post("/sandbox/faults", {{"verb", "*"}, {"resource", "*"}, {"code", 500}, {"count", 1}});
  EXPECT_EQ(client_->Get("/api/v1/nodes").status, 500);
  EXPECT_EQ(client_->Get("/api/v1/nodes").status, 200);
}

TEST_P(SandboxHttpTest, KubeletSimulatorRunsBoundPods) {
  json pod = Pod("job");
  pod["metadata"]["annotations"] = {{"fairway.dev/sim-duration", "0.2"}};
  ASSERT_EQ(client_->Post("/api/v1/namespaces/default/pods", pod).status, 201);
  auto w = NewClient()->OpenWatch(
      "/api/v1/namespaces/default/pods?watch=1&fieldSelector=metadata.name%3Djob");
  ASSERT_TRUE(w->Next().has_value());
  auto b = client_->Post(
      "/api/v1/namespaces/default/pods/job/binding",
      {{"metadata", {{"name", "job"}}}, {"target", {{"kind", "Node"}, {"name", "gpu-node-1"}}}});
  ASSERT_EQ(b.status, 201);
  std::vector<std::string> phases;
  while (auto e = w->Next(std::chrono::seconds(3))) {
    std::string phase = (*e)["object"]["status"].value("phase", "");
    if (phases.empty() || phases.back() != phase) phases.push_back(phase);
    if (phase == "Succeeded") break;
  }
  EXPECT_EQ(phases, (std::vector<std::string>{"Pending", "Running", "Succeeded"}));
  auto fail = client_->Request("POST", "/sandbox/nodes/gpu-node-0/fail");
  EXPECT_EQ(fail.status, 200) << fail.body;
  auto nodes = client_->Request("GET", "/api/v1/nodes", "", "",
                                "application/json;as=Table;v=v1;g=meta.k8s.io");
  EXPECT_EQ(nodes.Json()["rows"][0]["cells"][1], "NotReady");
}

// POST /sandbox/watches/drop is for clients; the sandbox's own kubelet simulator resumes its pod
// watch, so pods bound afterwards still start (they stayed Pending for ever).
TEST_P(SandboxHttpTest, KubeletSimulatorSurvivesDroppedWatches) {
  ASSERT_EQ(client_->Request("POST", "/sandbox/watches/drop").status, 200);
  json pod = Pod("after-drop");
  pod["metadata"]["annotations"] = {{"fairway.dev/sim-duration", "30"}};
  ASSERT_EQ(client_->Post("/api/v1/namespaces/default/pods", pod).status, 201);
  auto b = client_->Post("/api/v1/namespaces/default/pods/after-drop/binding",
                         {{"metadata", {{"name", "after-drop"}}},
                          {"target", {{"kind", "Node"}, {"name", "gpu-node-0"}}}});
  ASSERT_EQ(b.status, 201);
  auto phase = [&] {
    return client_->Get("/api/v1/namespaces/default/pods/after-drop")
        .Json()["status"]
        .value("phase", "");
  };
  EXPECT_TRUE(WaitFor([&] { return phase() == "Running"; })) << phase();
  // A second drop while the pod runs: its deletion is still seen and completes.
  ASSERT_EQ(client_->Request("POST", "/sandbox/watches/drop").status, 200);
  ASSERT_EQ(client_->Request("DELETE", "/api/v1/namespaces/default/pods/after-drop").status, 200);
  EXPECT_TRUE(WaitFor(
      [&] { return client_->Get("/api/v1/namespaces/default/pods/after-drop").status == 404; }));
}

TEST_P(SandboxHttpTest, KubeconfigPointsAtTheServer) {
  std::string kc = sb_->Kubeconfig();
  EXPECT_NE(kc.find("server: " + sb_->url()), std::string::npos);
  EXPECT_NE(kc.find("token: "), std::string::npos);
  if (GetParam()) {
    EXPECT_NE(kc.find("certificate-authority-data: " + Base64Encode(sb_->ca_pem())),
              std::string::npos);
    EXPECT_EQ(sb_->url().rfind("https://", 0), 0u);
  }
}

TEST_P(SandboxHttpTest, ManyConcurrentClients) {
  std::vector<std::thread> threads;
  std::atomic<int> created{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      auto c = NewClient();
      for (int i = 0; i < 25; ++i) {
        json cm = {{"metadata", {{"name", "c" + std::to_string(t) + "-" + std::to_string(i)}}}};
        if (c->Post("/api/v1/namespaces/default/configmaps", cm).status == 201) ++created;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(created.load(), 100);
  EXPECT_EQ(client_->Get("/api/v1/namespaces/default/configmaps").Json()["items"].size(), 100u);
}

}  // namespace
}  // namespace fairway::sandbox
