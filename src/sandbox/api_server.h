// The sandbox's Kubernetes-compatible API server, independent of the transport: Handle() takes
// one HTTP request and returns the response (or a WatchStream to pump). HttpServer puts it on a
// socket; tests and the kubelet simulator may also call it in-process.
//
// Serves: discovery (/api, /apis, /apis/G, /api/v1, /apis/G/V, /version, /openapi/v3),
// CRUD/list/watch/patch on built-in kinds and CRD-defined custom resources, the status, scale,
// binding and eviction subresources, Table output, and the admin endpoints under /sandbox/:
//   GET|POST|DELETE /sandbox/faults       list / add (a rule or {"rules":[...]}) / clear faults
//   POST /sandbox/faults/latency          {"milliseconds": N}
//   POST /sandbox/faults/unauthorized     {"count": N}: the next N requests get 401
//   POST /sandbox/watches/drop            close every watch stream
//   POST /sandbox/compact                 forget watch history (older resourceVersions -> 410)
// plus any admin routes added with AddAdminRoute (the kubelet simulator's node failures).
//
// Every other request is authenticated (authn.h), may impersonate another identity, is
// authorized with RBAC (rbac.h; everything is allowed when no token file is configured) and, when
// it writes, goes through admission webhooks (admission.h). The /sandbox/ admin routes and the
// health endpoints stay unauthenticated: they are for the loopback-bound test harness.
//
// Thread-safety: Handle and the C++ helpers are thread-safe; call AddAdminRoute before serving.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "sandbox/admission.h"
#include "sandbox/api_error.h"
#include "sandbox/authn.h"
#include "sandbox/faults.h"
#include "sandbox/http_types.h"
#include "sandbox/object_store.h"
#include "sandbox/rbac.h"
#include "sandbox/resource_registry.h"

namespace fairway::sandbox {

namespace internal {
class ResourceHandler;
}

class ApiServer {
 public:
  struct Options {
    // Interval between BOOKMARK events on watches that allow them.
    Duration bookmark_interval = std::chrono::seconds(30);
    // How long a list continue token stays valid.
    Duration continue_ttl = std::chrono::minutes(5);
    // Watch history retained (events); see ObjectStore::Options.
    size_t history_limit = 10000;
    // Reported by /version.
    std::string version_minor = "32";
    // Static bearer tokens (kube-apiserver's --token-auth-file). Set: requests are authenticated
    // (client certificate, bearer token, else system:anonymous) and authorized with RBAC. Unset:
    // every request without a client certificate is the sandbox admin and everything is allowed.
    std::optional<TokenTable> tokens;
    // Admission webhooks configured with a Service: "namespace/name" -> "host:port" to dial (the
    // sandbox has no cluster DNS or Service network).
    std::map<std::string, std::string> webhook_service_addresses;
  };

  // `clock` must outlive the server.
  ApiServer(Clock* clock, Options options);
  explicit ApiServer(Clock* clock);
  ~ApiServer();
  ApiServer(const ApiServer&) = delete;
  ApiServer& operator=(const ApiServer&) = delete;

  HandlerReply Handle(const HttpRequest& request);

  // In-process call with REST semantics: returns the parsed 2xx body or the Status as ApiError.
  // Runs as the loopback user (system:apiserver in system:masters), through admission.
  Result<nlohmann::json> Call(const std::string& method, const std::string& target,
                              const nlohmann::json& body = nullptr,
                              const std::string& content_type = "application/json");
  // Creates the object, or replaces it (keeping its resourceVersion) when it exists; for
  // manifests (--crds) and seeding. The path is derived from apiVersion/kind.
  Result<nlohmann::json> Apply(const nlohmann::json& object);
  // Collection path for apiVersion/kind ("/apis/fairway.dev/v1alpha1/namespaces/ns/jobs").
  Result<std::string> CollectionPath(const std::string& api_version, const std::string& kind,
                                     const std::string& ns) const;

  // Routes POST/GET/... /sandbox/<prefix>... to `handler` (admin extensions).
  using AdminHandler = std::function<HttpResponse(const HttpRequest&, const std::string& rest)>;
  void AddAdminRoute(const std::string& prefix, AdminHandler handler);

  // After the store's objects were replaced (ObjectStore::Restore): serves the custom resources
  // of the stored CRDs and garbage-collects by the stored owner references.
  void ReloadStoredState();
  // Serves the pods/log, exec, attach and portforward subresources (after authentication and
  // authorization, as `get` or `create` on pods/SUBRESOURCE); without one they are 404.
  using PodStreamHandler = std::function<HandlerReply(
      const HttpRequest&, const std::string& ns, const std::string& pod, const std::string& sub)>;
  void SetPodStreamHandler(PodStreamHandler handler);

  ObjectStore& store() { return *store_; }
  const Authorizer& authorizer() const { return *authorizer_; }
  ResourceRegistry& registry() { return *registry_; }
  FaultInjector& faults() { return *faults_; }
  Clock* clock() const { return clock_; }
  const Options& options() const { return options_; }

 private:
  // `trusted`: the identity of an in-process call (no authentication or impersonation).
  HandlerReply HandleUnchecked(const HttpRequest& request, const UserInfo* trusted);
  std::optional<HttpResponse> HandleAdmin(const HttpRequest& request, const std::string& path);
  // Authentication, then impersonation.
  Result<UserInfo> Identify(const HttpRequest& request) const;
  // Authorization and dispatch of a request whose `user` is set.
  HandlerReply Serve(const HttpRequest& request, const std::string& path,
                     const std::map<std::string, std::string>& query);
  // Discovery and OpenAPI documents; nullopt for other paths.
  std::optional<HttpResponse> Discovery(const HttpRequest& request, const std::string& path,
                                        const std::vector<std::string>& segs) const;

  Clock* clock_;
  Options options_;
  std::unique_ptr<ObjectStore> store_;
  std::unique_ptr<ResourceRegistry> registry_;
  std::unique_ptr<FaultInjector> faults_;
  std::unique_ptr<Authenticator> authenticator_;
  std::unique_ptr<Authorizer> authorizer_;
  std::unique_ptr<AdmissionWebhooks> admission_;
  std::unique_ptr<internal::ResourceHandler> resources_;
  std::vector<std::pair<std::string, AdminHandler>> admin_routes_;
  PodStreamHandler pod_streams_;  // set before serving
};

// Serializes an ApiError as the HTTP reply carrying its Status object.
HttpResponse ErrorResponse(const ApiError& error);
HttpResponse JsonResponse(int status, const nlohmann::json& body);

}  // namespace fairway::sandbox
