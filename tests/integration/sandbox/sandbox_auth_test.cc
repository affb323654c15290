// Authentication over real HTTPS: bearer tokens from a token file, TLS client certificates issued
// by the sandbox's client CA, and multi-user kubeconfigs read back with the kube client.
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include "common/clock.h"
#include "http_client.h"
#include "kube/http_transport.h"
#include "kube/kube_config.h"
#include "kube/tls_material.h"
#include "sandbox/sandbox.h"

namespace fairway::sandbox {
namespace {

using nlohmann::json;
using testing::HttpClient;

constexpr char kWhoami[] = "/apis/authentication.k8s.io/v1/selfsubjectreviews";

json Whoami(HttpClient& c) {
  auto r =
      c.Post(kWhoami, {{"apiVersion", "authentication.k8s.io/v1"}, {"kind", "SelfSubjectReview"}});
  EXPECT_EQ(r.status, 201) << r.body;
  return r.Json()["status"]["userInfo"];
}

class SandboxAuthTest : public ::testing::Test {
 protected:
  void Start(bool with_tokens) {
    SandboxOptions o;
    o.tls = true;
    if (with_tokens) {
      o.token_auth_file =
          ::testing::TempDir() + "/auth_tokens_" + std::to_string(::getpid()) + ".csv";
      std::ofstream(o.token_auth_file) << "alice-token,alice,a1,\"team-a\"\nbob-token,bob,b1\n";
    }
    auto sb = Sandbox::Start(o, &clock_);
    ASSERT_TRUE(sb.ok()) << sb.status().ToString();
    sb_ = std::move(sb).value();
  }
  void TearDown() override {
    if (sb_) sb_->Stop();
  }
  std::unique_ptr<HttpClient> Client(const std::string& token) {
    auto c = std::make_unique<HttpClient>("127.0.0.1", sb_->port(), sb_->ca_pem());
    c->set_token(token);
    return c;
  }

  RealClock clock_;
  std::unique_ptr<Sandbox> sb_;
};

TEST_F(SandboxAuthTest, TokensOverHttps) {
  Start(true);
  EXPECT_EQ(Whoami(*Client("alice-token"))["username"], "alice");
  EXPECT_EQ(Client("wrong")->Get("/api/v1/namespaces/default/pods").status, 401);
  auto anonymous = Client("")->Get("/api/v1/namespaces/default/pods");
  EXPECT_EQ(anonymous.status, 403);
  EXPECT_EQ(
      anonymous.Json()["message"],
      "pods is forbidden: User \"system:anonymous\" cannot list resource \"pods\" in API group "
      "\"\" in the namespace \"default\"");
  // Admin endpoints stay open to the loopback test harness.
  EXPECT_EQ(Client("")->Get("/sandbox/faults").status, 200);
}

TEST_F(SandboxAuthTest, ClientCertificatesAuthenticate) {
  Start(true);
  auto cert = sb_->IssueClientCertificate("carol", {"ops", "system:masters"});
  ASSERT_TRUE(cert.ok()) << cert.status().ToString();
  auto carol = Client("");
  carol->set_client_certificate(cert->cert_pem, cert->key_pem);
  json user = Whoami(*carol);
  EXPECT_EQ(user["username"], "carol");
  EXPECT_EQ(user["groups"], json({"ops", "system:masters", "system:authenticated"}));
  EXPECT_EQ(carol->Get("/api/v1/nodes").status, 200);  // system:masters

  // A certificate from another CA fails the handshake: no request is served.
  auto foreign_ca = kube::GenerateCertificateAuthority("someone-else");
  ASSERT_TRUE(foreign_ca.ok());
  auto forged = kube::IssueClientCertificate(*foreign_ca, "root", {"system:masters"});
  ASSERT_TRUE(forged.ok());
  auto mallory = Client("");
  mallory->set_client_certificate(forged->cert_pem, forged->key_pem);
  EXPECT_EQ(mallory->Get("/api/v1/nodes").status, 0);
  // Headers never authenticate.
  auto claims = Client("");
  claims->add_header("X-Remote-User", "root");
  claims->add_header("X-Remote-Group", "system:masters");
  EXPECT_EQ(claims->Get("/api/v1/nodes").status, 403);
}

TEST_F(SandboxAuthTest, WithoutTokenFileCertificatesStillNameTheUser) {
  Start(false);
  EXPECT_EQ(Whoami(*Client("anything"))["username"], "fairway-sandbox-admin");
  auto cert = sb_->IssueClientCertificate("dave", {"devs"});
  ASSERT_TRUE(cert.ok());
  auto dave = Client("");
  dave->set_client_certificate(cert->cert_pem, cert->key_pem);
  EXPECT_EQ(Whoami(*dave)["username"], "dave");
  EXPECT_EQ(dave->Get("/api/v1/nodes").status, 200);  // nothing is enforced
}

TEST_F(SandboxAuthTest, MultiUserKubeconfigWorksWithTheKubeClient) {
  Start(true);
  auto admin = sb_->IssueClientCertificate("admin", {"system:masters"});
  ASSERT_TRUE(admin.ok());
  std::vector<KubeconfigUser> users = {{"alice", "alice-token", "", "", "default"},
                                       {"bob", "bob-token", "", "", "team-b"},
                                       {"admin", "", admin->cert_pem, admin->key_pem, "default"}};
  std::string kubeconfig = sb_->Kubeconfig(users, "bob");
  for (const auto& [context, want] : std::vector<std::pair<std::string, std::string>>{
           {"", "bob"}, {"alice", "alice"}, {"admin", "admin"}}) {
    kube::KubeconfigOptions ko;
    ko.clock = &clock_;
    ko.context = context;
    auto rest = kube::LoadKubeconfigFromString(kubeconfig, "/tmp", ko);
    ASSERT_TRUE(rest.ok()) << rest.status().ToString();
    auto transport = kube::NewHttpTransport(rest->transport);
    ASSERT_TRUE(transport.ok()) << transport.status().ToString();
    kube::HttpRequest req;
    req.method = "POST";
    req.target = kWhoami;
    req.body = R"({"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview"})";
    req.headers = {{"Content-Type", "application/json"}};
    if (rest->token) {
      auto token = rest->token->Token();
      ASSERT_TRUE(token.ok());
      req.headers.emplace_back("Authorization", "Bearer " + *token);
    }
    auto resp = (*transport)->Do(req);
    ASSERT_TRUE(resp.ok()) << resp.status().ToString();
    ASSERT_EQ(resp->status, 201) << resp->body;
    EXPECT_EQ(json::parse(resp->body)["status"]["userInfo"]["username"], want) << context;
    if (context.empty()) {
      EXPECT_EQ(rest->namespace_name, "team-b");
    }
  }
}

TEST_F(SandboxAuthTest, ClientCertificatesNeedTheGeneratedCa) {
  SandboxOptions o;  // no TLS
  auto sb = Sandbox::Start(o, &clock_);
  ASSERT_TRUE(sb.ok());
  EXPECT_EQ((*sb)->IssueClientCertificate("x", {}).status().code(),
            StatusCode::kFailedPrecondition);
  EXPECT_TRUE((*sb)->client_ca_pem().empty());
  (*sb)->Stop();
}

TEST_F(SandboxAuthTest, MalformedTokenFileFailsStart) {
  SandboxOptions o;
  o.token_auth_file = ::testing::TempDir() + "/bad_tokens_" + std::to_string(::getpid()) + ".csv";
  std::ofstream(o.token_auth_file) << "ok,alice,1\nbroken\n";
  auto sb = Sandbox::Start(o, &clock_);
  ASSERT_FALSE(sb.ok());
  EXPECT_NE(sb.status().message().find("line 2"), std::string::npos) << sb.status().ToString();
}

}  // namespace
}  // namespace fairway::sandbox
