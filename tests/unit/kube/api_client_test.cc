#include "kube/api_client.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <deque>
#include <filesystem>
#include <fstream>

#include "kube/leader_election.h"

namespace fairway::kube {
namespace {

// Scripted transport: pops one reply per request, records requests.
class FakeTransport : public HttpTransport {
 public:
  struct Reply {
    int status = 200;
    std::string body = "{}";
    std::map<std::string, std::string> headers;
    bool transport_error = false;
  };
  StatusOr<HttpResponse> Do(const HttpRequest& r, CancelToken*) override {
    std::lock_guard<std::mutex> lock(mu);
    requests.push_back(r);
    if (replies.empty()) return HttpResponse{200, {}, "{}"};
    Reply rep = replies.front();
    replies.pop_front();
    if (rep.transport_error) return UnavailableError("connection reset");
    return HttpResponse{rep.status, rep.headers, rep.body};
  }
  StatusOr<HttpResponse> Stream(const HttpRequest& r, const LineHandler& on_line,
                                CancelToken* c) override {
    auto resp = Do(r, c);
    if (!resp.ok() || resp->status != 200) return resp;
    std::string body = resp->body;
    size_t pos = 0;
    while (pos < body.size()) {
      size_t nl = body.find('\n', pos);
      if (nl == std::string::npos) nl = body.size();
      if (nl > pos && !on_line(std::string_view(body).substr(pos, nl - pos))) break;
      pos = nl + 1;
    }
    resp->body.clear();
    return resp;
  }
  std::string Header(size_t i, const std::string& name) {
    for (auto& [k, v] : requests.at(i).headers) {
      if (k == name) return v;
    }
    return "";
  }
  std::mutex mu;
  std::deque<Reply> replies;
  std::vector<HttpRequest> requests;
};

std::string StatusBody(int code, const std::string& reason, const std::string& msg) {
  return json({{"kind", "Status"}, {"apiVersion", "v1"}, {"status", "Failure"}, {"code", code},
               {"reason", reason}, {"message", msg}})
      .dump();
}

class ApiClientTest : public ::testing::Test {
 protected:
  std::unique_ptr<RestApiClient> Make(RestConfig cfg = {}) {
    auto t = std::make_unique<FakeTransport>();
    transport_ = t.get();
    cfg.qps = 0;
    RestClientOptions o;
    o.retry_backoff = {std::chrono::milliseconds(1), std::chrono::milliseconds(2), 2.0, 0.2};
    return std::make_unique<RestApiClient>(std::move(t), cfg, &clock_, o);
  }
  RealClock clock_;
  FakeTransport* transport_ = nullptr;
};

TEST_F(ApiClientTest, MapsHttpCodesAsStyleGuideSays) {
  struct Case {
    int http;
    bool create;
    StatusCode want;
  } cases[] = {{404, false, StatusCode::kNotFound},      {409, true, StatusCode::kAlreadyExists},
               {409, false, StatusCode::kAborted},       {410, false, StatusCode::kOutOfRange},
               {400, false, StatusCode::kInvalidArgument}, {422, false, StatusCode::kInvalidArgument},
               {401, false, StatusCode::kUnauthenticated}, {403, false, StatusCode::kPermissionDenied},
               {429, false, StatusCode::kUnavailable},   {500, false, StatusCode::kUnavailable},
               {503, false, StatusCode::kUnavailable},   {504, false, StatusCode::kUnavailable}};
  for (const Case& c : cases) {
    Status s = StatusFromHttp(c.http, StatusBody(c.http, "R", "server says " + std::to_string(c.http)),
                              c.create);
    EXPECT_EQ(s.code(), c.want) << c.http;
    EXPECT_EQ(s.message(), "server says " + std::to_string(c.http));
  }
  EXPECT_TRUE(StatusFromHttp(201, "").ok());
  Status raw = StatusFromHttp(502, "<html>bad gateway</html>");
  EXPECT_EQ(raw.code(), StatusCode::kUnavailable);
  EXPECT_NE(raw.message().find("bad gateway"), std::string::npos);
}

TEST_F(ApiClientTest, SendsPathsHeadersAndUserAgent) {
  RestConfig cfg;
  cfg.token = std::make_shared<StaticTokenSource>("tkn");
  auto c = Make(cfg);
  transport_->replies.push_back({200, R"({"metadata":{"name":"p"}})"});
  ASSERT_TRUE(c->Get(ResourceRef::Pods(), "ml", "p").ok());
  EXPECT_EQ(transport_->requests[0].target, "/api/v1/namespaces/ml/pods/p");
  EXPECT_EQ(transport_->Header(0, "Authorization"), "Bearer tkn");
  EXPECT_EQ(transport_->Header(0, "User-Agent"), DefaultUserAgent());
  EXPECT_EQ(transport_->Header(0, "Accept"), "application/json");
  (void)c->Get(ResourceRef::FairwayPartitions(), "ignored", "gpu");
  EXPECT_EQ(transport_->requests[1].target, "/apis/fairway.dev/v1alpha1/partitions/gpu");
  (void)c->Patch(ResourceRef::Pods(), "ml", "p", PatchType::kStrategicMerge, json::object(), "status");
  EXPECT_EQ(transport_->requests[2].target, "/api/v1/namespaces/ml/pods/p/status");
  EXPECT_EQ(transport_->Header(2, "Content-Type"), "application/strategic-merge-patch+json");
  ListOptions lo;
  lo.label_selector = "app in (a,b)";
  lo.field_selector = "spec.nodeName=n1";
  lo.limit = 0;
  (void)c->List(ResourceRef::Pods(), "", lo);
  EXPECT_EQ(transport_->requests[3].target,
            "/api/v1/pods?labelSelector=app%20in%20%28a%2Cb%29&fieldSelector=spec.nodeName%3Dn1");
}

TEST_F(ApiClientTest, ListFollowsContinueTokens) {
  auto c = Make();
  transport_->replies.push_back(
      {200, R"({"metadata":{"resourceVersion":"10","continue":"c1"},"items":[{"a":1},{"a":2}]})"});
  transport_->replies.push_back({200, R"({"metadata":{"resourceVersion":"10"},"items":[{"a":3}]})"});
  auto l = c->List(ResourceRef::Nodes(), "", {});
  ASSERT_TRUE(l.ok()) << l.status();
  EXPECT_EQ(l->items.size(), 3u);
  EXPECT_EQ(l->resource_version, "10");
  EXPECT_NE(transport_->requests[1].target.find("continue=c1"), std::string::npos);
}

TEST_F(ApiClientTest, RetriesIdempotentCallsHonouringRetryAfter) {
  auto c = Make();
  transport_->replies.push_back({429, StatusBody(429, "TooManyRequests", "slow"), {{"retry-after", "0"}}});
  transport_->replies.push_back({503, StatusBody(503, "ServiceUnavailable", "busy")});
  transport_->replies.push_back({0, "", {}, true});
  transport_->replies.push_back({200, R"({"ok":true})"});
  auto r = c->Get(ResourceRef::Nodes(), "", "n");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(c->request_count(), 4);
}

TEST_F(ApiClientTest, GivesUpAfterTenRetries) {
  auto c = Make();
  for (int i = 0; i < 20; ++i) transport_->replies.push_back({500, StatusBody(500, "InternalError", "boom")});
  auto r = c->Get(ResourceRef::Nodes(), "", "n");
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(r.status().message().find("boom"), std::string::npos);
  EXPECT_EQ(c->request_count(), 11);
}

TEST_F(ApiClientTest, NeverBlindlyRetriesWrites) {
  auto c = Make();
  for (int i = 0; i < 2; ++i) transport_->replies.push_back({503, StatusBody(503, "ServiceUnavailable", "busy")});
  EXPECT_EQ(c->Create(ResourceRef::Pods(), "ml", json{{"metadata", {{"name", "p"}}}}).status().code(),
            StatusCode::kUnavailable);
  EXPECT_EQ(c->Update(ResourceRef::Pods(), "ml", json{{"metadata", {{"name", "p"}}}}).status().code(),
            StatusCode::kUnavailable);
  EXPECT_EQ(c->request_count(), 2);
  transport_->replies.push_back({409, StatusBody(409, "AlreadyExists", "exists")});
  EXPECT_EQ(c->Create(ResourceRef::Pods(), "ml", json{{"metadata", {{"name", "p"}}}}).status().code(),
            StatusCode::kAlreadyExists);
}

TEST_F(ApiClientTest, RereadsTokenFileAfter401) {
  namespace fs = std::filesystem;
  std::string path = (fs::temp_directory_path() / ("tok_" + std::to_string(getpid()))).string();
  std::ofstream(path) << "old";
  FakeClock fake;
  RestConfig cfg;
  cfg.token = std::make_shared<FileTokenSource>(path, &fake);
  auto c = Make(cfg);
  ASSERT_TRUE(c->Get(ResourceRef::Nodes(), "", "n").ok());
  std::ofstream(path) << "new";
  transport_->replies.push_back({401, StatusBody(401, "Unauthorized", "expired")});
  ASSERT_TRUE(c->Get(ResourceRef::Nodes(), "", "n").ok());
  ASSERT_EQ(transport_->requests.size(), 3u);
  EXPECT_EQ(transport_->Header(0, "Authorization"), "Bearer old");
  EXPECT_EQ(transport_->Header(1, "Authorization"), "Bearer old");
  EXPECT_EQ(transport_->Header(2, "Authorization"), "Bearer new");
  // A second 401 in a row is returned, not looped on.
  transport_->replies.push_back({401, StatusBody(401, "Unauthorized", "no")});
  transport_->replies.push_back({401, StatusBody(401, "Unauthorized", "no")});
  EXPECT_EQ(c->Get(ResourceRef::Nodes(), "", "n").status().code(), StatusCode::kUnauthenticated);
  fs::remove(path);
}

TEST_F(ApiClientTest, WatchParsesEventsAndMaps410) {
  auto c = Make();
  transport_->replies.push_back(
      {200,
       "{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"name\":\"a\",\"resourceVersion\":\"5\"}}}\n"
       "{\"type\":\"BOOKMARK\",\"object\":{\"metadata\":{\"resourceVersion\":\"9\"}}}\n"
       "{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\",\"code\":410,\"reason\":\"Expired\","
       "\"message\":\"too old resource version: 1 (5)\"}}\n"});
  std::vector<WatchEventType> seen;
  WatchOptions wo;
  wo.resource_version = "4";
  Status s = c->Watch(ResourceRef::Pods(), "", wo, [&](const WatchEvent& e) {
    seen.push_back(e.type);
    return true;
  });
  EXPECT_EQ(s.code(), StatusCode::kOutOfRange);
  EXPECT_NE(s.message().find("too old resource version"), std::string::npos);
  EXPECT_EQ(seen, std::vector<WatchEventType>({WatchEventType::kAdded, WatchEventType::kBookmark}));
  const std::string& t = transport_->requests[0].target;
  EXPECT_NE(t.find("watch=1"), std::string::npos);
  EXPECT_NE(t.find("resourceVersion=4"), std::string::npos);
  EXPECT_NE(t.find("allowWatchBookmarks=true"), std::string::npos);
  EXPECT_NE(t.find("timeoutSeconds=300"), std::string::npos);
  EXPECT_GT(transport_->requests[0].timeout, std::chrono::seconds(300));
}

TEST(LeaderElectionConfigTest, ValidatesTimings) {
  LeaderElectionConfig c;
  c.lease_namespace = "ns";
  c.lease_name = "l";
  c.identity = "me";
  EXPECT_TRUE(ValidateLeaderElectionConfig(c).ok());
  auto bad = c;
  bad.renew_deadline = std::chrono::seconds(15);
  EXPECT_EQ(ValidateLeaderElectionConfig(bad).code(), StatusCode::kInvalidArgument);
  bad = c;
  bad.retry_period = std::chrono::seconds(9);  // 1.2 x 9 > 10
  EXPECT_EQ(ValidateLeaderElectionConfig(bad).code(), StatusCode::kInvalidArgument);
  bad = c;
  bad.identity = "";
  EXPECT_EQ(ValidateLeaderElectionConfig(bad).code(), StatusCode::kInvalidArgument);
  FakeClock clock;
  EXPECT_FALSE(LeaderElector::Create(nullptr, &clock, bad).ok());
}

TEST(MicroTimeTest, SixFractionalDigitsRoundTrip) {
  WallTime t = WallTime(std::chrono::seconds(1740816298)) + std::chrono::microseconds(120455);
  std::string s = FormatMicroTime(t);
  EXPECT_EQ(s, "2025-03-01T08:04:58.120455Z");
  auto back = ParseMicroTime(s);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, t);
  EXPECT_EQ(FormatMicroTime(WallTime(std::chrono::seconds(1740816000))), "2025-03-01T08:00:00.000000Z");
  EXPECT_FALSE(ParseMicroTime("yesterday").ok());
}

}  // namespace
}  // namespace fairway::kube
