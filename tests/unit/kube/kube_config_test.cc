#include "kube/kube_config.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

namespace fairway::kube {
namespace {

namespace fs = std::filesystem;

std::string B64(const std::string& in) {
  static const char* k = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  int val = 0, bits = -6;
  for (unsigned char c : in) {
    val = (val << 8) + c;
    bits += 8;
    while (bits >= 0) {
      out.push_back(k[(val >> bits) & 0x3F]);
      bits -= 6;
    }
  }
  if (bits > -6) out.push_back(k[((val << 8) >> (bits + 8)) & 0x3F]);
  while (out.size() % 4) out.push_back('=');
  return out;
}

class KubeconfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("kubecfg_test_" + std::to_string(getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string Write(const std::string& name, const std::string& text) {
    std::string p = (dir_ / name).string();
    std::ofstream(p) << text;
    return p;
  }
  KubeconfigOptions Opts(std::vector<std::string> paths = {}) {
    KubeconfigOptions o;
    o.paths = std::move(paths);
    o.clock = &clock_;
    return o;
  }
  FakeClock clock_;
  fs::path dir_;
};

TEST_F(KubeconfigTest, DataFieldsTokenAndNamespace) {
  std::string y = R"(apiVersion: v1
kind: Config
current-context: dev
clusters:
- name: dev
  cluster: {server: "https://10.0.0.1:6443/", certificate-authority-data: )" + B64("CA-PEM") + R"(, tls-server-name: kubernetes}
users:
- name: admin
  user: {token: abc, client-certificate-data: )" + B64("CERT") + ", client-key-data: " + B64("KEY") + R"(}
contexts:
- name: dev
  context: {cluster: dev, user: admin, namespace: ml}
)";
  auto c = LoadKubeconfigFromString(y, dir_.string(), Opts());
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->transport.server, "https://10.0.0.1:6443");
  EXPECT_EQ(c->transport.ca_pem, "CA-PEM");
  EXPECT_EQ(c->transport.tls_server_name, "kubernetes");
  EXPECT_EQ(c->transport.client_cert_pem, "CERT");
  EXPECT_EQ(c->transport.client_key_pem, "KEY");
  EXPECT_EQ(c->namespace_name, "ml");
  ASSERT_TRUE(c->token);
  EXPECT_EQ(c->token->Token().value(), "abc");
}

TEST_F(KubeconfigTest, FileVariantsRelativeToKubeconfigDir) {
  Write("ca.crt", "CA-FILE");
  Write("tok", "tok-1\n");
  std::string p = Write("config", R"(current-context: c
clusters: [{name: k, cluster: {server: "https://h:1", certificate-authority: ca.crt}}]
users: [{name: u, user: {tokenFile: tok}}]
contexts: [{name: c, context: {cluster: k, user: u}}]
)");
  auto c = LoadKubeconfig(Opts({p}));
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->transport.ca_pem, "CA-FILE");
  EXPECT_EQ(c->namespace_name, "default");
  EXPECT_EQ(c->token->Token().value(), "tok-1");
}

TEST_F(KubeconfigTest, MergesFilesFirstWins) {
  std::string a = Write("a", R"(current-context: one
clusters: [{name: k, cluster: {server: "https://first:1"}}]
contexts: [{name: one, context: {cluster: k}}]
)");
  std::string b = Write("b", R"(current-context: two
clusters: [{name: k, cluster: {server: "https://second:1"}}, {name: k2, cluster: {server: "https://k2:1"}}]
contexts: [{name: two, context: {cluster: k2, namespace: ns2}}]
)");
  auto c = LoadKubeconfig(Opts({a, (dir_ / "missing").string(), b}));
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->transport.server, "https://first:1");
  auto o = Opts({a, b});
  o.context = "two";
  auto c2 = LoadKubeconfig(o);
  ASSERT_TRUE(c2.ok()) << c2.status();
  EXPECT_EQ(c2->transport.server, "https://k2:1");
  EXPECT_EQ(c2->namespace_name, "ns2");
}

TEST_F(KubeconfigTest, ExecPluginCachedUntilExpiryOrInvalidate) {
  int runs = 0;
  std::string info_seen;
  auto o = Opts();
  o.exec_runner = [&](const ExecConfig& cfg, const std::string& info) -> StatusOr<std::string> {
    ++runs;
    info_seen = info;
    EXPECT_EQ(cfg.command, "get-token");
    EXPECT_EQ(cfg.args, std::vector<std::string>({"--cluster", "dev"}));
    EXPECT_EQ(cfg.env.at(0).first, "FOO");
    return std::string(R"({"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential",
      "status":{"token":"t)") + std::to_string(runs) +
           R"(","expirationTimestamp":"1970-01-01T01:00:00Z"}})";
  };
  std::string y = R"(current-context: c
clusters: [{name: k, cluster: {server: "https://h:1", insecure-skip-tls-verify: true}}]
users: [{name: u, user: {exec: {apiVersion: client.authentication.k8s.io/v1, command: get-token, args: [--cluster, dev], env: [{name: FOO, value: bar}], interactiveMode: Never}}}]
contexts: [{name: c, context: {cluster: k, user: u}}]
)";
  auto c = LoadKubeconfigFromString(y, "", o);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_TRUE(c->transport.insecure_skip_tls_verify);
  EXPECT_EQ(c->token->Token().value(), "t1");
  EXPECT_EQ(c->token->Token().value(), "t1");
  EXPECT_EQ(runs, 1);
  EXPECT_NE(info_seen.find("ExecCredential"), std::string::npos);
  c->token->Invalidate();
  EXPECT_EQ(c->token->Token().value(), "t2");
  clock_.Advance(std::chrono::minutes(61));  // past expirationTimestamp
  EXPECT_EQ(c->token->Token().value(), "t3");
}

TEST_F(KubeconfigTest, DefaultExecRunnerRunsACommand) {
  std::string script = Write("plugin.sh", R"(#!/bin/sh
echo '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"'$FOO'"}}'
)");
  fs::permissions(script, fs::perms::owner_all);
  ExecConfig cfg;
  cfg.command = script;
  cfg.env = {{"FOO", "from-env"}};
  ExecTokenSource src(cfg, &clock_);
  auto t = src.Token();
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(*t, "from-env");
  ExecConfig bad;
  bad.command = "/nonexistent/fairway-plugin";
  ExecTokenSource src2(bad, &clock_);
  EXPECT_EQ(src2.Token().status().code(), StatusCode::kUnauthenticated);
}

TEST_F(KubeconfigTest, FileTokenRereadAtMostOncePerMinuteAndAfterInvalidate) {
  std::string p = Write("token", "one");
  FileTokenSource src(p, &clock_);
  EXPECT_EQ(src.Token().value(), "one");
  Write("token", "two");
  EXPECT_EQ(src.Token().value(), "one");
  clock_.Advance(std::chrono::seconds(61));
  EXPECT_EQ(src.Token().value(), "two");
  Write("token", "three");
  src.Invalidate();
  EXPECT_EQ(src.Token().value(), "three");
}

struct BadCase {
  const char* name;
  const char* yaml;
  const char* want;  // substring of the message
};

TEST_F(KubeconfigTest, BadKubeconfigsGiveClearErrors) {
  const BadCase cases[] = {
      {"not yaml", "clusters: [unclosed", "invalid YAML"},
      {"not a map", "- a\n- b\n", "not a YAML mapping"},
      {"wrong kind", "kind: Pod\n", "want Config"},
      {"no context", "clusters: []\n", "no current-context"},
      {"missing context", "current-context: x\n", "context \"x\" not found"},
      {"missing cluster", "current-context: c\ncontexts: [{name: c, context: {cluster: nope}}]\n",
       "cluster \"nope\""},
      {"no server",
       "current-context: c\nclusters: [{name: k, cluster: {}}]\ncontexts: [{name: c, context: {cluster: k}}]\n",
       "has no server"},
      {"bad scheme",
       "current-context: c\nclusters: [{name: k, cluster: {server: ftp://x}}]\ncontexts: [{name: c, context: {cluster: k}}]\n",
       "must start with https://"},
      {"bad base64",
       "current-context: c\nclusters: [{name: k, cluster: {server: https://x, certificate-authority-data: '!!!'}}]\n"
       "contexts: [{name: c, context: {cluster: k}}]\n",
       "base64"},
      {"missing ca file",
       "current-context: c\nclusters: [{name: k, cluster: {server: https://x, certificate-authority: /nonexistent/ca}}]\n"
       "contexts: [{name: c, context: {cluster: k}}]\n",
       "cannot read"},
      {"insecure with ca",
       "current-context: c\nclusters: [{name: k, cluster: {server: https://x, insecure-skip-tls-verify: true, "
       "certificate-authority-data: QQ==}}]\ncontexts: [{name: c, context: {cluster: k}}]\n",
       "cannot be combined"},
      {"missing user",
       "current-context: c\nclusters: [{name: k, cluster: {server: https://x}}]\ncontexts: [{name: c, context: {cluster: k, user: u}}]\n",
       "user \"u\" not found"},
      {"cert without key",
       "current-context: c\nclusters: [{name: k, cluster: {server: https://x}}]\nusers: [{name: u, user: {client-certificate-data: QQ==}}]\n"
       "contexts: [{name: c, context: {cluster: k, user: u}}]\n",
       "must be set together"},
      {"exec old api",
       "current-context: c\nclusters: [{name: k, cluster: {server: https://x}}]\n"
       "users: [{name: u, user: {exec: {apiVersion: client.authentication.k8s.io/v1alpha1, command: x}}}]\n"
       "contexts: [{name: c, context: {cluster: k, user: u}}]\n",
       "unsupported"},
      {"clusters not list", "clusters: {a: b}\n", "must be a list"},
      {"entry without name", "clusters: [{cluster: {server: https://x}}]\n", "needs a name"},
  };
  for (const BadCase& bc : cases) {
    auto c = LoadKubeconfigFromString(bc.yaml, dir_.string(), Opts());
    ASSERT_FALSE(c.ok()) << bc.name;
    EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument) << bc.name;
    EXPECT_NE(c.status().message().find(bc.want), std::string::npos)
        << bc.name << ": " << c.status().message();
  }
  EXPECT_EQ(LoadKubeconfig(Opts({(dir_ / "absent").string()})).status().code(),
            StatusCode::kInvalidArgument);
}

TEST_F(KubeconfigTest, InClusterConfig) {
  InClusterPaths paths;
  paths.token = Write("token", "sa-token\n");
  paths.ca = Write("ca.crt", "CA");
  paths.ns = Write("namespace", "fairway-system");
  auto c = InClusterConfigFrom("fd00::1", "443", &clock_, paths);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->transport.server, "https://[fd00::1]:443");
  EXPECT_EQ(c->namespace_name, "fairway-system");
  EXPECT_EQ(c->token->Token().value(), "sa-token");
  EXPECT_EQ(InClusterConfigFrom("", "443", &clock_, paths).status().code(),
            StatusCode::kFailedPrecondition);
  paths.token = (dir_ / "nope").string();
  EXPECT_EQ(InClusterConfigFrom("10.0.0.1", "443", &clock_, paths).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(ExecCredentialTest, ParsesAndRejects) {
  auto c = ParseExecCredential(
      R"({"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"x","expirationTimestamp":"2025-03-01T09:00:00Z"}})");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->token, "x");
  EXPECT_TRUE(c->expiration.has_value());
  EXPECT_FALSE(ParseExecCredential("nope").ok());
  EXPECT_FALSE(ParseExecCredential(R"({"kind":"Other"})").ok());
  EXPECT_FALSE(ParseExecCredential(
                   R"({"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{}})")
                   .ok());
}

TEST(UserAgentTest, Format) {
  std::string ua = DefaultUserAgent();
  EXPECT_EQ(ua.rfind("fairway/", 0), 0u);
  EXPECT_NE(ua.find(" (linux/amd64)"), std::string::npos);
}

}  // namespace
}  // namespace fairway::kube
