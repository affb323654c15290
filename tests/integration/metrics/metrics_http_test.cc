// /metrics, /healthz and /readyz over real HTTP on one listener.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "kube/http_transport.h"
#include "metrics/prometheus_metrics.h"

namespace fairway::metrics {
namespace {

class MetricsHttpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(metrics_.Serve("127.0.0.1:0").ok());
    ASSERT_NE(metrics_.port(), 0);
    kube::TransportOptions to;
    to.server = "http://127.0.0.1:" + std::to_string(metrics_.port());
    auto t = kube::NewHttpTransport(to);
    ASSERT_TRUE(t.ok()) << t.status();
    transport_ = std::move(*t);
  }

  kube::HttpResponse Get(const std::string& path) {
    kube::HttpRequest req;
    req.method = "GET";
    req.target = path;
    auto r = transport_->Do(req);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : kube::HttpResponse{};
  }

  PrometheusMetrics metrics_;
  std::unique_ptr<kube::HttpTransport> transport_;
};

TEST_F(MetricsHttpTest, ServesTheExposition) {
  metrics_.JobsCompleted("COMPLETED", 1);
  kube::HttpResponse r = Get("/metrics");
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("fairway_jobs_completed_total{state=\"COMPLETED\"} 1"), std::string::npos)
      << r.body;
}

TEST_F(MetricsHttpTest, HealthEndpointsAnswerTheChecks) {
  EXPECT_EQ(Get("/healthz").status, 200);
  kube::HttpResponse starting = Get("/readyz");
  EXPECT_EQ(starting.status, 503);
  EXPECT_EQ(starting.body, "starting\n");

  std::atomic<bool> ready{false};
  metrics_.SetHealthChecks(
      {[] { return UnavailableError("scheduler loop wedged: no cycle finished for 130s"); },
       [&ready] { return ready ? OkStatus() : UnavailableError("no scheduling cycle finished"); }});
  kube::HttpResponse wedged = Get("/healthz");
  EXPECT_EQ(wedged.status, 503);
  EXPECT_EQ(wedged.body, "scheduler loop wedged: no cycle finished for 130s\n");
  EXPECT_EQ(Get("/readyz").status, 503);
  ready = true;
  kube::HttpResponse r = Get("/readyz");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "ok\n");
  metrics_.SetHealthChecks({});
}

// A client that connects and sends part of a request, then nothing: a stalled scraper.
class StalledClient {
 public:
  explicit StalledClient(uint16_t port) : fd_(socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
    const char partial[] = "GET /metrics HTTP/1.1\r\n";
    sent_ = send(fd_, partial, sizeof(partial) - 1, 0) > 0;
  }
  ~StalledClient() { close(fd_); }
  bool ok() const { return connected_ && sent_; }

 private:
  int fd_;
  bool connected_ = false;
  bool sent_ = false;
};

TEST_F(MetricsHttpTest, AnswersWhileTwoClientsStall) {
  StalledClient a(metrics_.port());
  StalledClient b(metrics_.port());
  ASSERT_TRUE(a.ok() && b.ok());
  // Let the listener hand both stalled connections to worker threads first.
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  auto start = std::chrono::steady_clock::now();
  kube::HttpResponse r = Get("/metrics");
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(r.status, 200);
  EXPECT_LT(took, std::chrono::seconds(1));
  EXPECT_EQ(Get("/healthz").status, 200);
}

}  // namespace
}  // namespace fairway::metrics
