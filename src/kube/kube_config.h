// Where the API server is and how to authenticate: in-cluster service-account configuration and
// kubeconfig files (kubernetes-api.md §9), resolved into one RestConfig.
//
// Resolution order of ResolveRestConfig(): the --kubeconfig flag, then $KUBECONFIG (a
// colon-separated list merged first-wins per entry name), then in-cluster (when
// KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are both set), then ~/.kube/config.
//
// Supported kubeconfig fields: clusters[].cluster.{server, certificate-authority(-data),
// tls-server-name, insecure-skip-tls-verify}, users[].user.{client-certificate(-data),
// client-key(-data), token, tokenFile, exec (client.authentication.k8s.io/v1)},
// contexts[].context.{cluster, user, namespace}, current-context. File paths are relative to the
// directory of the kubeconfig that defined the entry. Unknown fields are ignored; malformed ones
// give kInvalidArgument naming the field, never a crash.
//
// Bearer tokens come from a TokenSource: static, a file re-read at most once a minute and after
// Invalidate() (the ApiClient calls it on 401), or an exec plugin cached until its
// expirationTimestamp or Invalidate().
//
// Thread-safety: RestConfig is a value; TokenSource implementations are thread-safe.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "kube/http_transport.h"

namespace fairway::kube {

// Supplies the bearer token of each request.
class TokenSource {
 public:
  virtual ~TokenSource() = default;
  // The current token (may be cached). Errors: kUnauthenticated/kUnavailable when it cannot be
  // obtained (unreadable file, failing exec plugin).
  virtual StatusOr<std::string> Token() = 0;
  // Forgets any cached token so the next Token() re-reads it (called after a 401).
  virtual void Invalidate() = 0;
};

// A fixed token (kubeconfig `token:`).
class StaticTokenSource : public TokenSource {
 public:
  explicit StaticTokenSource(std::string token) : token_(std::move(token)) {}
  StatusOr<std::string> Token() override { return token_; }
  void Invalidate() override {}

 private:
  const std::string token_;
};

// A token file (service-account projected token, kubeconfig `tokenFile:`), re-read when older
// than `refresh` (default 1 min) by `clock`'s monotonic time, and after Invalidate().
class FileTokenSource : public TokenSource {
 public:
  FileTokenSource(std::string path, Clock* clock, Duration refresh = std::chrono::minutes(1));
  StatusOr<std::string> Token() override;
  void Invalidate() override;
  const std::string& path() const { return path_; }

 private:
  const std::string path_;
  Clock* const clock_;
  const Duration refresh_;
  std::mutex mu_;
  std::string token_;                     // GUARDED_BY(mu_)
  std::optional<MonotonicTime> read_at_;  // GUARDED_BY(mu_); nullopt: must re-read
};

// kubeconfig users[].user.exec.
struct ExecConfig {
  std::string api_version = "client.authentication.k8s.io/v1";
  std::string command;
  std::vector<std::string> args;
  std::vector<std::pair<std::string, std::string>> env;
  std::string interactive_mode = "Never";
  // Directory the command is resolved against when it is a relative path with a '/'.
  std::string base_dir;
};

// What an exec plugin returned (ExecCredential.status).
struct ExecCredential {
  std::string token;
  std::string client_certificate_data;  // PEM
  std::string client_key_data;          // PEM
  std::optional<WallTime> expiration;
};

// Runs the plugin and returns its stdout. `exec_info` is the KUBERNETES_EXEC_INFO JSON.
// The default runner forks/execs the command with the extra env and a 30 s limit.
using ExecRunner =
    std::function<StatusOr<std::string>(const ExecConfig& config, const std::string& exec_info)>;
ExecRunner DefaultExecRunner();

// Parses an ExecCredential document (kInvalidArgument on bad JSON / wrong kind or apiVersion).
StatusOr<ExecCredential> ParseExecCredential(const std::string& json_text);

// Token from an exec plugin, cached until 10 s before expirationTimestamp (wall clock) or
// Invalidate().
class ExecTokenSource : public TokenSource {
 public:
  ExecTokenSource(ExecConfig config, Clock* clock, ExecRunner runner = DefaultExecRunner());
  StatusOr<std::string> Token() override;
  void Invalidate() override;

 private:
  const ExecConfig config_;
  Clock* const clock_;
  const ExecRunner runner_;
  std::mutex mu_;
  std::optional<ExecCredential> cached_;  // GUARDED_BY(mu_)
};

// Default client-side rate limit. The operator is the main client and a batch scheduler: its
// target is >= 1,000 pods bound/s (20,000 queued 1-GPU jobs onto 1,000 nodes x 8 GPUs), and each
// started pod costs about 3 requests (the pod create, its pods/binding, and a share of the Job's
// status write), so ~3,000 requests/s must pass without waiting, plus informer relists, events
// and Partition/Account status. 5,000/s leaves that headroom; a burst of 10,000 (2 s at the
// rate, ~3,300 pod starts) lets a large cycle run without queueing, and a longer one is paced at
// ~1,600 pods/s rather than stalled.
// kube-scheduler ships `--kube-api-qps 50 --kube-api-burst 100` for one request (a bind) per pod,
// a limit sized for pods arriving over time rather than a queue drained at once; its own
// throughput benchmark (scheduler_perf) raises the client to 5,000/5,000 so that the limiter is
// not what it measures. The API server protects itself with API Priority and Fairness (429 +
// Retry-After, which the client honours), so the client limit is a safety net against runaway
// loops, not the server's admission control. client-go's library default is 5 qps / burst 10.
inline constexpr double kDefaultClientQps = 5000;
inline constexpr int kDefaultClientBurst = 10000;

// Everything a client needs to talk to one API server.
struct RestConfig {
  TransportOptions transport;          // server URL and TLS
  std::shared_ptr<TokenSource> token;  // null: no Authorization header
  // Default namespace (context namespace, the service account's namespace, else "default").
  std::string namespace_name = "default";
  // Client-side rate limit (token bucket, rate_limit.h) on every request; qps <= 0 disables it.
  // `fairway operator --kube-api-qps/--kube-api-burst` override the defaults below.
  double qps = kDefaultClientQps;
  int burst = kDefaultClientBurst;
  // Per-request timeout for non-watch calls.
  Duration timeout = std::chrono::seconds(30);
  // Empty: DefaultUserAgent().
  std::string user_agent;
  // Where the config came from ("in-cluster", or the kubeconfig path and context), for logs.
  std::string source;
};

// "fairway/<version> (linux/amd64)".
std::string DefaultUserAgent();

struct InClusterPaths {
  std::string token = "/var/run/secrets/kubernetes.io/serviceaccount/token";
  std::string ca = "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt";
  std::string ns = "/var/run/secrets/kubernetes.io/serviceaccount/namespace";
};

// In-cluster config from KUBERNETES_SERVICE_HOST/PORT and the service-account files.
// kFailedPrecondition when not running in a cluster (either env var missing).
StatusOr<RestConfig> InClusterConfig(Clock* clock, const InClusterPaths& paths = {});
// Same with explicit host/port (IPv6 hosts are bracketed), for tests.
StatusOr<RestConfig> InClusterConfigFrom(const std::string& host, const std::string& port,
                                         Clock* clock, const InClusterPaths& paths = {});

struct KubeconfigOptions {
  // Files merged first-wins per entry name (and for current-context). Missing files listed in
  // $KUBECONFIG are skipped, as kubectl does; an explicit single path must exist.
  std::vector<std::string> paths;
  std::string context;  // override current-context
  std::string namespace_override;
  Clock* clock = nullptr;  // for token/exec sources; REQUIRED
  ExecRunner exec_runner;  // empty: DefaultExecRunner()
};

// Loads and merges kubeconfig files into a RestConfig.
StatusOr<RestConfig> LoadKubeconfig(const KubeconfigOptions& options);
// Parses one kubeconfig document; relative paths resolve against `base_dir`.
StatusOr<RestConfig> LoadKubeconfigFromString(const std::string& yaml_text,
                                              const std::string& base_dir,
                                              const KubeconfigOptions& options);

// The usual resolution chain (see file comment). `kubeconfig_flag` may be empty.
StatusOr<RestConfig> ResolveRestConfig(const std::string& kubeconfig_flag, Clock* clock,
                                       const std::string& context = "");

}  // namespace fairway::kube
