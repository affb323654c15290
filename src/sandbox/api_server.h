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
// Thread-safety: Handle and the C++ helpers are thread-safe; call AddAdminRoute before serving.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "sandbox/api_error.h"
#include "sandbox/faults.h"
#include "sandbox/http_types.h"
#include "sandbox/object_store.h"
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
  };

  // `clock` must outlive the server.
  ApiServer(Clock* clock, Options options);
  explicit ApiServer(Clock* clock);
  ~ApiServer();
  ApiServer(const ApiServer&) = delete;
  ApiServer& operator=(const ApiServer&) = delete;

  HandlerReply Handle(const HttpRequest& request);

  // In-process call with REST semantics: returns the parsed 2xx body or the Status as ApiError.
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

  ObjectStore& store() { return *store_; }
  ResourceRegistry& registry() { return *registry_; }
  FaultInjector& faults() { return *faults_; }
  Clock* clock() const { return clock_; }
  const Options& options() const { return options_; }

 private:
  HandlerReply HandleUnchecked(const HttpRequest& request);
  std::optional<HttpResponse> HandleAdmin(const HttpRequest& request, const std::string& path);

  Clock* clock_;
  Options options_;
  std::unique_ptr<ObjectStore> store_;
  std::unique_ptr<ResourceRegistry> registry_;
  std::unique_ptr<FaultInjector> faults_;
  std::unique_ptr<internal::ResourceHandler> resources_;
  std::vector<std::pair<std::string, AdminHandler>> admin_routes_;
};

// Serializes an ApiError as the HTTP reply carrying its Status object.
HttpResponse ErrorResponse(const ApiError& error);
HttpResponse JsonResponse(int status, const nlohmann::json& body);

}  // namespace fairway::sandbox
