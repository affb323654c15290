// The admission webhook over real HTTPS: WebhookServer with a generated certificate, called
// through the kube layer's Beast/OpenSSL transport as the API server would call it.
#include "webhook/webhook_server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <thread>

#include "common/base64.h"
#include "kube/http_transport.h"
#include "kube/tls_material.h"
#include "webhook/certificates.h"

namespace fairway::webhook {
namespace {

using nlohmann::json;

json Review(const std::string& user, json object) {
  return {{"apiVersion", "admission.k8s.io/v1"},
          {"kind", "AdmissionReview"},
          {"request",
           {{"uid", "it-1"},
            {"kind", {{"group", "fairway.dev"}, {"version", "v1alpha1"}, {"kind", "Job"}}},
            {"resource", {{"group", "fairway.dev"}, {"version", "v1alpha1"}, {"resource", "jobs"}}},
            {"namespace", "ml"},
            {"name", "j"},
            {"operation", "CREATE"},
            {"userInfo", {{"username", user}, {"groups", {"system:authenticated"}}}},
            {"object", std::move(object)}}}};
}

json JobObject() {
  json job = {{"apiVersion", "fairway.dev/v1alpha1"},
              {"kind", "Job"},
              {"metadata", {{"name", "j"}, {"namespace", "ml"}}}};
  job["spec"]["user"] = "mallory";
  job["spec"]["resources"]["gpus"] = 2;
  job["spec"]["template"]["spec"]["containers"] = json::array({{{"name", "main"}}});
  return job;
}

class WebhookServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    StatusOr<ServingCertificate> cert = LoadOrGenerateServingCertificate("", {"localhost"});
    ASSERT_TRUE(cert.ok()) << cert.status();
    cert_ = *cert;
    view_.accounts["open"] = api::AccountFromJson({{"metadata", {{"name", "open"}}}}).value();
    handler_ = std::make_unique<AdmissionHandler>(&view_, config::AdmissionSettings{});
    Start(WebhookServer::Options{});
  }

  void Start(WebhookServer::Options options) {
    options.address = "127.0.0.1";
    options.port = 0;
    options.cert_pem = cert_.cert_pem;
    options.key_pem = cert_.key_pem;
    server_.reset();
    StatusOr<std::unique_ptr<WebhookServer>> server = WebhookServer::Start(options, handler_.get());
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(server).value();
    ASSERT_NE(server_->port(), 0);
  }

  std::unique_ptr<kube::HttpTransport> Transport(const std::string& ca_pem) {
    kube::TransportOptions o;
    o.server = "https://127.0.0.1:" + std::to_string(server_->port());
    o.ca_pem = ca_pem;
    o.tls_server_name = "localhost";
    StatusOr<std::unique_ptr<kube::HttpTransport>> t = kube::NewHttpTransport(o);
    EXPECT_TRUE(t.ok()) << t.status();
    return t.ok() ? std::move(t).value() : nullptr;
  }

  StatusOr<kube::HttpResponse> Post(kube::HttpTransport* t, const std::string& target,
                                    std::string body) {
    kube::HttpRequest r;
    r.method = "POST";
    r.target = target;
    r.headers = {{"Content-Type", "application/json"}};
    r.body = std::move(body);
    r.timeout = std::chrono::seconds(10);
    return t->Do(r);
  }

  ServingCertificate cert_;
  StaticClusterView view_;
  std::unique_ptr<AdmissionHandler> handler_;
  std::unique_ptr<WebhookServer> server_;
};

TEST_F(WebhookServerTest, MutatesOverTls) {
  std::unique_ptr<kube::HttpTransport> t = Transport(cert_.ca_pem);
  // The API server appends ?timeout=...; keep-alive carries several requests.
  for (int i = 0; i < 3; ++i) {
    StatusOr<kube::HttpResponse> r =
        Post(t.get(), "/mutate-jobs?timeout=10s", Review("alice", JobObject()).dump());
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->status, 200) << r->body;
    json out = json::parse(r->body);
    EXPECT_EQ(out["response"]["uid"], "it-1");
    EXPECT_EQ(out["response"]["allowed"], true);
    json patch = json::parse(Base64Decode(out["response"]["patch"].get<std::string>()).value());
    json mutated = JobObject().patch(patch);
    EXPECT_EQ(mutated["spec"]["user"], "alice");
    EXPECT_EQ(mutated["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"]
                     ["nvidia.com/gpu"],
              "2");
  }
}

TEST_F(WebhookServerTest, ValidatesOverTls) {
  std::unique_ptr<kube::HttpTransport> t = Transport(cert_.ca_pem);
  json object = JobObject();
  object["spec"]["user"] = "alice";
  object["spec"]["groups"] = {"system:authenticated"};
  object["spec"]["account"] = "physics";
  StatusOr<kube::HttpResponse> r = Post(t.get(), "/validate-jobs", Review("alice", object).dump());
  ASSERT_TRUE(r.ok()) << r.status();
  json out = json::parse(r->body);
  EXPECT_EQ(out["response"]["allowed"], false);
  EXPECT_EQ(out["response"]["status"]["message"],
            "Invalid account or account/partition combination specified (spec.account: no "
            "Account \"physics\")");
}

TEST_F(WebhookServerTest, WrongCaFailsTheHandshake) {
  StatusOr<kube::TlsMaterial> other = kube::GenerateTlsMaterial({"localhost"}, {"127.0.0.1"});
  ASSERT_TRUE(other.ok());
  std::unique_ptr<kube::HttpTransport> t = Transport(other->ca_cert_pem);
  StatusOr<kube::HttpResponse> r =
      Post(t.get(), "/mutate-jobs", Review("alice", JobObject()).dump());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
}

TEST_F(WebhookServerTest, BadRequestsGetHttpErrors) {
  std::unique_ptr<kube::HttpTransport> t = Transport(cert_.ca_pem);
  StatusOr<kube::HttpResponse> r = Post(t.get(), "/validate-jobs", "garbage");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(json::parse(r->body)["message"],
            "not an AdmissionReview v1: INVALID_ARGUMENT: the body is not JSON");
  r = Post(t.get(), "/nowhere", "{}");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 404);

  kube::HttpRequest get;
  get.target = "/validate-jobs";
  r = t->Do(get);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 405);
  get.target = "/healthz";
  r = t->Do(get);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "ok\n");
}

TEST_F(WebhookServerTest, BodiesOverTheLimitGet413) {
  std::unique_ptr<kube::HttpTransport> t = Transport(cert_.ca_pem);
  StatusOr<kube::HttpResponse> r =
      Post(t.get(), "/validate-jobs", std::string(5 * 1024 * 1024, ' '));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 413);
  EXPECT_EQ(r->body, "request body too large\n");
  // The server is still serving (on a new connection).
  std::unique_ptr<kube::HttpTransport> again = Transport(cert_.ca_pem);
  r = Post(again.get(), "/validate-jobs", "garbage");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 400);
}

// Opens a plain TCP connection to the server (no TLS handshake: it holds a slot).
int Connect(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  return fd;
}

TEST_F(WebhookServerTest, ConnectionsAreBounded) {
  WebhookServer::Options options;
  options.max_connections = 2;
  Start(options);
  int a = Connect(server_->port());
  int b = Connect(server_->port());
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // both accepted
  std::unique_ptr<kube::HttpTransport> t = Transport(cert_.ca_pem);
  StatusOr<kube::HttpResponse> r = Post(t.get(), "/validate-jobs", "garbage");
  EXPECT_FALSE(r.ok());
  ::close(a);
  ::close(b);
  bool served = false;
  for (int i = 0; i < 50 && !served; ++i) {  // the slots free up once the server sees the close
    std::unique_ptr<kube::HttpTransport> fresh = Transport(cert_.ca_pem);
    r = Post(fresh.get(), "/validate-jobs", "garbage");
    served = r.ok() && r->status == 400;
    if (!served) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(served);
}

TEST_F(WebhookServerTest, CertificateCanBeReplaced) {
  StatusOr<ServingCertificate> next = LoadOrGenerateServingCertificate("", {"localhost"});
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(server_->SetCertificate(next->cert_pem, cert_.key_pem).code(),
            StatusCode::kInvalidArgument);  // the key does not match
  ASSERT_TRUE(server_->SetCertificate(next->cert_pem, next->key_pem).ok());
  std::unique_ptr<kube::HttpTransport> old_ca = Transport(cert_.ca_pem);
  EXPECT_FALSE(Post(old_ca.get(), "/validate-jobs", "garbage").ok());
  std::unique_ptr<kube::HttpTransport> new_ca = Transport(next->ca_pem);
  StatusOr<kube::HttpResponse> r = Post(new_ca.get(), "/validate-jobs", "garbage");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 400);
}

TEST_F(WebhookServerTest, StartFailsOnABadCertificateOrAddress) {
  WebhookServer::Options o;
  o.address = "127.0.0.1";
  o.port = 0;
  o.cert_pem = "junk";
  o.key_pem = "junk";
  EXPECT_EQ(WebhookServer::Start(o, handler_.get()).status().code(), StatusCode::kInvalidArgument);
  o.cert_pem = cert_.cert_pem;
  o.key_pem = cert_.key_pem;
  o.port = server_->port();  // taken
  o.address = "127.0.0.1";
  StatusOr<std::unique_ptr<WebhookServer>> s = WebhookServer::Start(o, handler_.get());
  // SO_REUSEADDR does not allow two listeners on one port.
  EXPECT_EQ(s.status().code(), StatusCode::kUnavailable);
}

}  // namespace
}  // namespace fairway::webhook
