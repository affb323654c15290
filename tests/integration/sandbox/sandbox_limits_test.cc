// Request hardening of the sandbox's HTTP front end over real sockets: the body, header and
// nesting limits, malformed requests, and the timeouts that disconnect stalled clients.
#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>
#include <thread>

#include "common/clock.h"
#include "common/json_depth.h"
#include "http_client.h"
#include "sandbox/http_server.h"
#include "sandbox/sandbox.h"

namespace fairway::sandbox {
namespace {

using nlohmann::json;
using testing::HttpClient;
using testing::RawConnection;

constexpr size_t kMiB = 1024 * 1024;
const std::string kConfigMaps = "/api/v1/namespaces/default/configmaps";

std::string ConfigMap(const std::string& name, size_t value_bytes) {
  return R"({"metadata":{"name":")" + name + R"("},"data":{"k":")" + std::string(value_bytes, 'x') +
         R"("}})";
}

// {"metadata":{"name":NAME},"x":[[...]]}, nested `depth` levels (the object is the first).
std::string NestedConfigMap(const std::string& name, size_t depth) {
  return R"({"metadata":{"name":")" + name + R"("},"x":)" + std::string(depth - 1, '[') +
         std::string(depth - 1, ']') + "}";
}

class SandboxLimitsTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    SandboxOptions o;
    o.tls = GetParam();
    auto sb = Sandbox::Start(o, &clock_);
    ASSERT_TRUE(sb.ok()) << sb.status().ToString();
    sb_ = std::move(sb).value();
    client_ = std::make_unique<HttpClient>("127.0.0.1", sb_->port(), sb_->ca_pem());
  }
  void TearDown() override {
    client_.reset();
    if (sb_) sb_->Stop();
  }

  RealClock clock_;
  std::unique_ptr<Sandbox> sb_;
  std::unique_ptr<HttpClient> client_;
};

INSTANTIATE_TEST_SUITE_P(PlainAndTls, SandboxLimitsTest, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "Tls" : "Plain"; });

TEST_P(SandboxLimitsTest, BodyOverThreeMebibytesGets413Status) {
  auto big = client_->Request("POST", kConfigMaps, ConfigMap("big", 3 * kMiB));
  ASSERT_EQ(big.status, 413) << big.body.substr(0, 200);
  EXPECT_EQ(big.headers["content-type"], "application/json");
  EXPECT_EQ(big.Json()["kind"], "Status");
  EXPECT_EQ(big.Json()["reason"], "RequestEntityTooLarge");
  EXPECT_EQ(big.Json()["message"], "Request entity too large: limit is 3145728");
  // A body just under the limit is served (on a new connection: the 413 closed the old one).
  auto fits = client_->Request("POST", kConfigMaps, ConfigMap("fits", 3 * kMiB - 100));
  EXPECT_EQ(fits.status, 201) << fits.body.substr(0, 200);
}

TEST_P(SandboxLimitsTest, DeepNestingIsBadRequestAndHandlerThreadsSurviveTheLimit) {
  auto deep = client_->Request("POST", kConfigMaps, NestedConfigMap("deep", 100000));
  EXPECT_EQ(deep.status, 400);
  EXPECT_EQ(deep.Json()["reason"], "BadRequest");
  // At the limit the handler threads (not the test's main thread) walk, store and serve it.
  auto at_limit = client_->Request("POST", kConfigMaps, NestedConfigMap("limit", kMaxJsonDepth));
  EXPECT_EQ(at_limit.status, 201) << at_limit.body.substr(0, 200);
  EXPECT_EQ(client_->Get(kConfigMaps + "/limit").status, 200);
  EXPECT_EQ(client_->Get("/version").status, 200);
}

// The bare HttpServer in front of an ApiServer, with one-second timeouts.
class HttpServerLimitsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    HttpServer::Options o;
    o.idle_timeout = std::chrono::seconds(1);
    o.header_timeout = std::chrono::seconds(1);
    o.body_timeout = std::chrono::seconds(1);
    auto server = HttpServer::Start(&api_, o);
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(server).value();
  }
  void TearDown() override { server_->Stop(); }

  // Sends `bytes` on a new connection; what the server answered before closing it.
  std::string Exchange(const std::string& bytes) {
    RawConnection c("127.0.0.1", server_->port());
    EXPECT_TRUE(c.connected());
    c.Send(bytes);
    std::optional<std::string> reply = c.ReadUntilClosed(std::chrono::seconds(10));
    EXPECT_TRUE(reply.has_value()) << "the server kept the connection open";
    return reply.value_or("");
  }

  RealClock clock_;
  ApiServer api_{&clock_};
  std::unique_ptr<HttpServer> server_;
};

TEST_F(HttpServerLimitsTest, MalformedRequestsGet400ThenClose) {
  for (const std::string& request : {
           std::string("GARBAGE\r\n\r\n"),
           std::string("GET /version HTTP/1.x\r\n\r\n"),
           std::string("GET /version HTTP/1.1\r\nNo colon here\r\n\r\n"),
           std::string("POST " + kConfigMaps +
                       " HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n\r\n"),
       }) {
    std::string reply = Exchange(request);
    EXPECT_EQ(reply.rfind("HTTP/1.1 400 Bad Request\r\n", 0), 0u) << request << "\n" << reply;
    EXPECT_NE(reply.find("\r\n\r\n400 Bad Request: "), std::string::npos) << reply;
  }
}

TEST_F(HttpServerLimitsTest, OversizedHeaderGets431) {
  std::string reply = Exchange(
      "GET /version HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(kMiB + 1, 'a') + "\r\n\r\n");
  EXPECT_EQ(reply.rfind("HTTP/1.1 431 ", 0), 0u) << reply;
}

TEST_F(HttpServerLimitsTest, ChunkedBodyOverTheLimitGets413Status) {
  std::string request =
      "POST " + kConfigMaps + " HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
  const std::string chunk(64 * 1024, 'x');
  for (size_t sent = 0; sent <= 3 * kMiB; sent += chunk.size()) {
    request += "10000\r\n" + chunk + "\r\n";
  }
  request += "0\r\n\r\n";
  std::string reply = Exchange(request);
  EXPECT_EQ(reply.rfind("HTTP/1.1 413 ", 0), 0u) << reply.substr(0, 300);
  EXPECT_NE(reply.find(R"("reason":"RequestEntityTooLarge")"), std::string::npos) << reply;
}

TEST_F(HttpServerLimitsTest, StalledClientsAreDisconnected) {
  // All at once: each closes after about one second.
  RawConnection silent("127.0.0.1", server_->port());
  RawConnection half_header("127.0.0.1", server_->port());
  half_header.Send("GET /version HTTP/1.1\r\nHost: x\r\n");
  RawConnection half_body("127.0.0.1", server_->port());
  half_body.Send("POST " + kConfigMaps +
                 " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                 "Content-Length: 100\r\n\r\n{");
  RawConnection kept_alive("127.0.0.1", server_->port());
  kept_alive.Send("GET /version HTTP/1.1\r\nHost: x\r\n\r\n");
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(silent.ReadUntilClosed(std::chrono::seconds(10)), "");
  EXPECT_EQ(half_header.ReadUntilClosed(std::chrono::seconds(10)), "");
  EXPECT_EQ(half_body.ReadUntilClosed(std::chrono::seconds(10)), "");
  std::optional<std::string> served = kept_alive.ReadUntilClosed(std::chrono::seconds(10));
  ASSERT_TRUE(served.has_value());
  EXPECT_EQ(served->rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << *served;
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(900));
}

TEST_F(HttpServerLimitsTest, WatchStreamsOutliveTheTimeouts) {
  auto w =
      HttpClient("127.0.0.1", server_->port()).OpenWatch("/api/v1/namespaces/default/pods?watch=1");
  ASSERT_EQ(w->status(), 200);
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  json pod = {{"metadata", {{"name", "p"}}},
              {"spec", {{"containers", {{{"name", "c"}, {"image", "i"}}}}}}};
  ASSERT_TRUE(api_.Call("POST", "/api/v1/namespaces/default/pods", pod).ok());
  auto added = w->Next(std::chrono::seconds(5));
  ASSERT_TRUE(added.has_value());
  EXPECT_EQ((*added)["type"], "ADDED");
}

}  // namespace
}  // namespace fairway::sandbox
