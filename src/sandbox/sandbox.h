// The sandbox as one object: API server + HTTP(S) listener + kubelet simulator, as
// `fairway sandbox`, `fairway demo` and the integration tests use it.
//
//   FakeClock clock;                       // or RealClock
//   SandboxOptions opts;
//   opts.nodes = UniformSimNodes(4, 8, "A100");
//   auto sb = Sandbox::Start(opts, &clock);
//   (*sb)->WriteKubeconfig("/tmp/kubeconfig");   // for kubectl
//
// Thread-safety: Start/Stop from one thread; the accessors' objects are thread-safe.
// REQUIRES: the clock outlives the Sandbox.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "sandbox/api_server.h"
#include "sandbox/http_server.h"
#include "sandbox/kubelet_sim.h"

namespace fairway::sandbox {

struct SandboxOptions {
  std::string address = "127.0.0.1";
  uint16_t port = 0;  // 0: pick a free port
  bool tls = false;
  int io_threads = 2;
  ApiServer::Options api;
  KubeletSimulator::Options kubelet;
  std::vector<SimNodeSpec> nodes;
  // Manifests (files or directories, e.g. CRDs) applied before serving.
  std::vector<std::string> manifests;
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
  KubeletSimulator& kubelet() { return *kubelet_; }
  std::string url() const { return http_->url(); }
  uint16_t port() const { return http_->port(); }
  // PEM of the CA that signed the serving certificate (empty without TLS).
  const std::string& ca_pem() const { return ca_pem_; }

  // A kubeconfig for this server with a dummy bearer token (the sandbox accepts any).
  std::string Kubeconfig(const std::string& token = "fairway-sandbox-token") const;
  Status WriteKubeconfig(const std::string& path) const;
  // Applies every manifest in a file or directory; returns how many objects.
  StatusOr<int> ApplyManifests(const std::string& path);

 private:
  Sandbox() = default;

  std::unique_ptr<ApiServer> api_;
  std::unique_ptr<KubeletSimulator> kubelet_;
  std::unique_ptr<HttpServer> http_;
  std::string ca_pem_;
};

// True for 127.0.0.0/8, ::1 and "localhost".
bool IsLoopbackAddress(const std::string& address);

}  // namespace fairway::sandbox
