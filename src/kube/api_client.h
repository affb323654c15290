// REST client for the Kubernetes API over nlohmann::json objects (kubernetes-api.md §1-4, §10).
//
// A ResourceRef names a resource (group, version, plural, scope); every call takes the namespace
// ("" for cluster-scoped resources, or for list/watch across all namespaces).
//
// Error mapping (STYLE.md §4), with the server's Status message in the error message:
//   404 NotFound; 409 AlreadyExists on Create, Aborted otherwise (stale resourceVersion, bind
//   conflict); 410 OutOfRange; 400/415/422 InvalidArgument; 401 Unauthenticated;
//   403 PermissionDenied; 429, 5xx, timeouts and resets Unavailable.
//
// Etiquette: every request takes a token from a shared bucket (RestConfig.qps/burst). Idempotent
// calls (Get, List pages, Delete, and the start of a Watch) are retried on 429/5xx/transport
// errors up to `max_retries` times, sleeping Retry-After when given, else a jittered exponential
// backoff from a seeded generator. A 401 invalidates the token source and
// the request is retried once with a fresh token. Non-idempotent calls (POST, PUT, PATCH) are
// never blindly retried: the caller re-reads and redoes its read-modify-write.
//
// Thread-safety: ApiClient implementations are thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/log.h"
#include "common/status.h"
#include "kube/http_transport.h"
#include "kube/kube_config.h"
#include "kube/rate_limit.h"

namespace fairway::kube {

using nlohmann::json;

struct ResourceRef {
  std::string group;  // "" for the core group
  std::string version = "v1";
  std::string plural;
  bool namespaced = true;

  // "v1" or "group/version".
  std::string ApiVersion() const;
  // "/api/v1" or "/apis/group/version".
  std::string BasePath() const;
  // "pods" or "jobs.fairway.dev" (for messages).
  std::string GroupResource() const;

  static ResourceRef Pods() { return {"", "v1", "pods", true}; }
  static ResourceRef Nodes() { return {"", "v1", "nodes", false}; }
  static ResourceRef Events() { return {"", "v1", "events", true}; }
  static ResourceRef Namespaces() { return {"", "v1", "namespaces", false}; }
  static ResourceRef Leases() { return {"coordination.k8s.io", "v1", "leases", true}; }
  static ResourceRef FairwayJobs() { return {"fairway.dev", "v1alpha1", "jobs", true}; }
  static ResourceRef FairwayPartitions() {
    return {"fairway.dev", "v1alpha1", "partitions", false};
  }
  static ResourceRef FairwayAccounts() { return {"fairway.dev", "v1alpha1", "accounts", false}; }
  static ResourceRef FairwayQoses() { return {"fairway.dev", "v1alpha1", "qoses", false}; }
  static ResourceRef FairwayJobRecords() { return {"fairway.dev", "v1alpha1", "jobrecords", true}; }
};

// Path of the collection ("/api/v1/namespaces/ns/pods", "/api/v1/pods" when ns is empty) and of
// one object (with an optional subresource).
std::string CollectionPath(const ResourceRef& ref, const std::string& ns);
std::string ObjectPath(const ResourceRef& ref, const std::string& ns, const std::string& name,
                       const std::string& subresource = "");

struct ListOptions {
  std::string label_selector;
  std::string field_selector;
  // "" unset (quorum read), "0" any (cache), or a version.
  std::string resource_version;
  std::string resource_version_match;  // "", "NotOlderThan", "Exact"
  // Page size; List() follows continue tokens until done. 0: no limit.
  int64_t limit = 500;
};

struct ObjectList {
  std::vector<json> items;
  std::string resource_version;  // the list's metadata.resourceVersion
};

struct DeleteOptions {
  // Preconditions: the delete fails with kAborted if the stored object differs.
  std::optional<std::string> uid;
  std::optional<std::string> resource_version;
  std::optional<int64_t> grace_period_seconds;
  std::string propagation_policy;  // "", "Background", "Foreground", "Orphan"
};

enum class PatchType {
  kMerge,           // application/merge-patch+json (RFC 7386)
  kJson,            // application/json-patch+json (RFC 6902); the patch is a JSON array
  kStrategicMerge,  // application/strategic-merge-patch+json (built-in kinds only)
};

enum class WatchEventType { kAdded, kModified, kDeleted, kBookmark, kError };
const char* WatchEventTypeName(WatchEventType type);

struct WatchEvent {
  WatchEventType type = WatchEventType::kAdded;
  json object;
};

struct WatchOptions {
  std::string label_selector;
  std::string field_selector;
  std::string resource_version;  // resume point; "" or "0" replays current state as ADDED
  bool allow_bookmarks = true;
  // Server-side timeout; the stream ends cleanly after it. The client's idle timeout is this
  // plus 30 s.
  std::chrono::seconds timeout = std::chrono::seconds(300);
};

// Called for every event on the watch thread. Return false to stop watching.
using WatchHandler = std::function<bool(const WatchEvent& event)>;

class ApiClient {
 public:
  virtual ~ApiClient() = default;

  virtual StatusOr<json> Get(const ResourceRef& ref, const std::string& ns,
                             const std::string& name) = 0;
  // Lists every page (limit/continue); restarts once without continue if a token expires (410).
  virtual StatusOr<ObjectList> List(const ResourceRef& ref, const std::string& ns,
                                    const ListOptions& options = {}) = 0;
  // POST; returns the stored object. 409 -> kAlreadyExists.
  virtual StatusOr<json> Create(const ResourceRef& ref, const std::string& ns,
                                const json& object) = 0;
  // PUT of the whole object (name from metadata.name; send metadata.resourceVersion for
  // optimistic concurrency). 409 -> kAborted.
  virtual StatusOr<json> Update(const ResourceRef& ref, const std::string& ns,
                                const json& object) = 0;
  // PUT on the /status subresource.
  virtual StatusOr<json> UpdateStatus(const ResourceRef& ref, const std::string& ns,
                                      const json& object) = 0;
  // PATCH of the object or of a subresource ("status"). 409 -> kAborted.
  virtual StatusOr<json> Patch(const ResourceRef& ref, const std::string& ns,
                               const std::string& name, PatchType type, const json& patch,
                               const std::string& subresource = "") = 0;
  // DELETE; OK for both "object returned" and "Success Status" replies. 409 (precondition) ->
  // kAborted; 404 -> kNotFound.
  virtual Status Delete(const ResourceRef& ref, const std::string& ns, const std::string& name,
                        const DeleteOptions& options = {}) = 0;
  // POST pods/NAME/binding to `node`. `pod_uid`, when set, is a precondition. 409 -> kAborted.
  virtual Status Bind(const std::string& ns, const std::string& pod, const std::string& node,
                      const std::string& pod_uid = "") = 0;
  // Opens a watch and calls `handler` per event until the stream ends. Returns OK on a clean end
  // (server timeout, or the handler returned false), kOutOfRange when the server sent an ERROR
  // 410 event (the caller relists), kCancelled when `cancel` fired, otherwise the error. ERROR
  // events other than 410 are returned as their mapped Status and not passed to the handler.
  virtual Status Watch(const ResourceRef& ref, const std::string& ns, const WatchOptions& options,
                       const WatchHandler& handler, CancelToken* cancel = nullptr) = 0;
};

// Maps an HTTP status code and (maybe) a Status body to a fairway Status. `is_create` selects
// AlreadyExists for 409. 2xx gives OK.
Status StatusFromHttp(int http_code, const std::string& body, bool is_create = false);

struct RestClientOptions {
  int max_retries = 10;  // for idempotent calls, on 429/5xx/transport errors
  // Backoff between retries when the server gives no Retry-After.
  Backoff::Options retry_backoff{std::chrono::milliseconds(100), std::chrono::seconds(5), 2.0, 0.2};
  uint64_t seed = 1;  // for retry jitter
  // A request that waited longer than this for the rate limiter is logged.
  Duration log_wait_over = std::chrono::milliseconds(500);
};

// ApiClient over an HttpTransport (the production one is NewHttpTransport's).
// Sleeps (rate limiter, retries) are real-time sleeps; the clock's monotonic time drives the
// token bucket.
class RestApiClient : public ApiClient {
 public:
  // Builds the production transport (NewHttpTransport) from `config`.
  static StatusOr<std::unique_ptr<RestApiClient>> Create(const RestConfig& config, Clock* clock,
                                                         RestClientOptions options = {});
  // With an explicit transport (tests, or a custom one).
  RestApiClient(std::unique_ptr<HttpTransport> transport, const RestConfig& config, Clock* clock,
                RestClientOptions options = {});
  ~RestApiClient() override;

  StatusOr<json> Get(const ResourceRef& ref, const std::string& ns,
                     const std::string& name) override;
  StatusOr<ObjectList> List(const ResourceRef& ref, const std::string& ns,
                            const ListOptions& options = {}) override;
  StatusOr<json> Create(const ResourceRef& ref, const std::string& ns, const json& object) override;
  StatusOr<json> Update(const ResourceRef& ref, const std::string& ns, const json& object) override;
  StatusOr<json> UpdateStatus(const ResourceRef& ref, const std::string& ns,
                              const json& object) override;
  StatusOr<json> Patch(const ResourceRef& ref, const std::string& ns, const std::string& name,
                       PatchType type, const json& patch,
                       const std::string& subresource = "") override;
  Status Delete(const ResourceRef& ref, const std::string& ns, const std::string& name,
                const DeleteOptions& options = {}) override;
  Status Bind(const std::string& ns, const std::string& pod, const std::string& node,
              const std::string& pod_uid = "") override;
  Status Watch(const ResourceRef& ref, const std::string& ns, const WatchOptions& options,
               const WatchHandler& handler, CancelToken* cancel = nullptr) override;

  const std::string& default_namespace() const { return namespace_; }
  // Number of HTTP requests sent (including retries), for tests and metrics.
  int64_t request_count() const;

 private:
  struct Call;
  StatusOr<HttpResponse> Send(const Call& call, CancelToken* cancel);
  StatusOr<json> SendJson(const Call& call);
  void Sleep(Duration d, CancelToken* cancel);

  std::unique_ptr<HttpTransport> transport_;
  std::shared_ptr<TokenSource> token_;
  std::string namespace_;
  std::string user_agent_;
  Duration timeout_;
  Clock* clock_;
  RestClientOptions options_;
  TokenBucket limiter_;
  Backoff retry_backoff_;
  Logger log_{"kube.client"};
  std::atomic<int64_t> requests_{0};
};

}  // namespace fairway::kube
