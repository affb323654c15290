// REST semantics for resource paths (/api/v1/..., /apis/G/V/...): get, list (selectors,
// pagination), watch, create, update, patch, delete, deletecollection, and the status, scale,
// binding and eviction subresources. Cascades run after writes: CRD registration and removal,
// namespace content deletion, and owner-reference garbage collection.
//
// Thread-safety: thread-safe; all object state is in the ObjectStore and ResourceRegistry.
#pragma once

#include <atomic>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "sandbox/api_error.h"
#include "sandbox/api_server.h"
#include "sandbox/http_types.h"
#include "sandbox/internal/request.h"
#include "sandbox/internal/write_rules.h"
#include "sandbox/object_store.h"
#include "sandbox/resource_registry.h"

namespace fairway::sandbox::internal {

class ResourceHandler {
 public:
  ResourceHandler(ObjectStore* store, ResourceRegistry* registry, Clock* clock,
                  const ApiServer::Options& options);

  // The verb upstream would log for this request (get, list, watch, create, update, patch,
  // delete, deletecollection).
  static std::string Verb(const std::string& method, const ResourcePath& path, const Query& query);

  HandlerReply Handle(const HttpRequest& request, const ResourcePath& path, const Query& query);

 private:
  struct ContinueEntry {
    int64_t rv = 0;
    std::vector<ObjectPtr> remaining;
    MonotonicTime expires;
  };

  Result<HttpResponse> Get(const ResourceInfo& info, const ResourcePath& p, const Query& q,
                           const HttpRequest& req);
  Result<HttpResponse> List(const ResourceInfo& info, const ResourcePath& p, const Query& q,
                            const HttpRequest& req);
  HandlerReply Watch(const ResourceInfoPtr& info, const ResourcePath& p, const Query& q,
                     const HttpRequest& req);
  Result<HttpResponse> Create(const ResourceInfo& info, const ResourcePath& p, const Query& q,
                              const nlohmann::json& body);
  Result<HttpResponse> Update(const ResourceInfo& info, const ResourcePath& p, const Query& q,
                              const nlohmann::json& body);
  Result<HttpResponse> Patch(const ResourceInfo& info, const ResourcePath& p, const Query& q,
                             const HttpRequest& req);
  Result<HttpResponse> Delete(const ResourceInfo& info, const ResourcePath& p, const Query& q,
                              const std::string& body);
  Result<HttpResponse> DeleteCollection(const ResourceInfo& info, const ResourcePath& p,
                                        const Query& q, const std::string& body);
  Result<HttpResponse> Binding(const ResourceInfo& info, const ResourcePath& p,
                               const nlohmann::json& body);
  Result<HttpResponse> Eviction(const ResourceInfo& info, const ResourcePath& p,
                                const nlohmann::json& body);
  Result<HttpResponse> Scale(const ResourceInfo& info, const ResourcePath& p,
                             const HttpRequest& req);

  // Stores a new object (generateName retries) and runs cascades.
  Result<ObjectPtr> CreateObject(const ResourceInfo& info, nlohmann::json obj, bool dry_run);
  // Deletes one object with options; `removed` tells whether it is gone.
  Result<ObjectStore::WriteResult> DeleteObject(const ResourceInfo& info, const std::string& ns,
                                                const std::string& name,
                                                const DeleteOptions& options);
  // Runs `fn` as an update of an existing object and the cascades after it.
  Result<ObjectStore::WriteResult> MutateObject(const ResourceInfo& info, const std::string& ns,
                                                const std::string& name,
                                                const ObjectStore::MutateFn& fn);
  void AfterWrite(const ResourceInfo& info, const ObjectStore::WriteResult& result);
  void AfterRemove(const ResourceInfo& info, const nlohmann::json& last);
  void CollectGarbage(const std::string& owner_uid);

  HttpResponse ObjectResponse(int status, const ResourceInfo& info, const nlohmann::json& stored,
                              const HttpRequest* req);
  std::string StoreContinue(ContinueEntry entry);

  ObjectStore* store_;
  ResourceRegistry* registry_;
  Clock* clock_;
  ApiServer::Options options_;
  std::atomic<bool> owner_refs_seen_{false};
  std::mutex continue_mu_;
  std::map<std::string, ContinueEntry> continues_;  // GUARDED_BY(continue_mu_)
};

}  // namespace fairway::sandbox::internal
