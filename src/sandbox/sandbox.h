// The sandbox as one object: API server + HTTP(S) listener + kubelet simulator, as
// `fairway sandbox`, `fairway demo` and the integration tests use it.
//
//   FakeClock clock;                       // or RealClock
//   SandboxOptions opts;
//   opts.nodes = UniformSimNodes(4, 8, "A100");
//   auto sb = Sandbox::Start(opts, &clock);
//   (*sb)->WriteKubeconfig("/tmp/kubeconfig");   // for kubectl
//
// With a token file (SandboxOptions::token_auth_file) requests are authenticated and RBAC is
// enforced; a kubeconfig with one context per identity comes from
//   (*sb)->WriteKubeconfig(path, {{"alice", "alice-token"}, {"bob", "bob-token"}}, "alice");
// and, with TLS, (*sb)->IssueClientCertificate("admin", {"system:masters"}) gives a certificate
// for a KubeconfigUser instead of a token.
//
// Thread-safety: Start/Stop from one thread; the accessors' objects are thread-safe.
// REQUIRES: the clock outlives the Sandbox.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "kube/tls_material.h"
#include "sandbox/api_server.h"
#include "sandbox/autoscaler_sim.h"
#include "sandbox/http_server.h"
#include "sandbox/kubelet_sim.h"
#include "sandbox/persistence.h"

namespace fairway::sandbox {

struct SandboxOptions {
  std::string address = "127.0.0.1";
  uint16_t port = 0;  // 0: pick a free port
  bool tls = false;
  int io_threads = 2;
  ApiServer::Options api;
  KubeletSimulator::Options kubelet;
  std::vector<SimNodeSpec> nodes;
  // Set: a simulated autoscaler grows and shrinks the Partitions' node pools (autoscaler_sim.h).
  std::optional<AutoscalerSimOptions> autoscaler;
  // Manifests (files or directories, e.g. CRDs) applied before serving.
  std::vector<std::string> manifests;
  // kube-apiserver --token-auth-file CSV (see authn.h), loaded into api.tokens at Start. Empty
  // (and api.tokens unset): no authentication, every request is the sandbox admin and RBAC is not
  // enforced, as before.
  std::string token_auth_file;
  // Admission webhook Services: "namespace/name" -> "host:port" to dial (merged into
  // api.webhook_service_addresses).
  std::map<std::string, std::string> webhook_service_addresses;
  // Keep objects and resourceVersions in this directory across restarts (persistence.h). Empty:
  // state lives in memory only and is gone when the sandbox stops.
  std::string data_dir;
  // TLS client certificates: PEM of the CA(s) they must chain to. Empty with `tls`: the sandbox
  // generates its own client CA and issues certificates with IssueClientCertificate.
  std::string client_ca_pem;
};

// One user of a multi-user kubeconfig: a context and user entry named `name`, authenticating with
// a bearer token or (TLS only) a client certificate.
struct KubeconfigUser {
  std::string name;
  std::string token;
  std::string client_cert_pem;
  std::string client_key_pem;
  std::string ns = "default";  // the context's namespace
};

class Sandbox {
 public:
  static StatusOr<std::unique_ptr<Sandbox>> Start(const SandboxOptions& options, Clock* clock);
  ~Sandbox();
  Sandbox(const Sandbox&) = delete;
  Sandbox& operator=(const Sandbox&) = delete;

  // Stops serving and the kubelet simulator; idempotent.
  void Stop();

  ApiServer& api() { return *api_; }
  // What --data-dir held at start (zeros without one).
  const FileJournal::Recovery& recovery() const { return recovery_; }
  KubeletSimulator& kubelet() { return *kubelet_; }
  std::string url() const { return http_->url(); }
  uint16_t port() const { return http_->port(); }
  // PEM of the CA that signed the serving certificate (empty without TLS).
  const std::string& ca_pem() const { return ca_pem_; }

  // A kubeconfig for this server with one bearer token (without a token file the sandbox accepts
  // any, so the default is a dummy).
  std::string Kubeconfig(const std::string& token = "fairway-sandbox-token") const;
  // A kubeconfig with one context per user (see KubeconfigUser), `current_context` selected.
  std::string Kubeconfig(const std::vector<KubeconfigUser>& users,
                         const std::string& current_context) const;
  Status WriteKubeconfig(const std::string& path) const;
  Status WriteKubeconfig(const std::string& path, const std::vector<KubeconfigUser>& users,
                         const std::string& current_context) const;

  // PEM of the CA client certificates must chain to (empty without TLS).
  const std::string& client_ca_pem() const { return client_ca_pem_; }
  // A client certificate for `user` in `groups` (CN and O) signed by the sandbox's generated client
  // CA. FailedPrecondition without TLS or when SandboxOptions::client_ca_pem supplied the CA.
  StatusOr<kube::IssuedCertificate> IssueClientCertificate(
      const std::string& user, const std::vector<std::string>& groups) const;
  // Applies every manifest in a file or directory; returns how many objects.
  StatusOr<int> ApplyManifests(const std::string& path);

 private:
  Sandbox() = default;

  FileJournal::Recovery recovery_;
  // Declared before api_: the store writes to it until the API server is gone.
  std::unique_ptr<FileJournal> journal_;
  std::unique_ptr<ApiServer> api_;
  std::unique_ptr<KubeletSimulator> kubelet_;
  std::unique_ptr<AutoscalerSimulator> autoscaler_;  // with SandboxOptions::autoscaler
  std::unique_ptr<HttpServer> http_;
  std::string ca_pem_;
  std::string client_ca_pem_;
  std::optional<kube::CertificateAuthority> client_ca_;  // when the sandbox generated it
};

// True for 127.0.0.0/8, ::1 and "localhost".
bool IsLoopbackAddress(const std::string& address);

}  // namespace fairway::sandbox
