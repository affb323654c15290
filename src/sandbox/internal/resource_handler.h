// REST semantics for resource paths (/api/v1/..., /apis/G/V/...): get, list (selectors,
// pagination), watch, create, update, patch, delete, deletecollection, and the status, scale,
// binding and eviction subresources. Cascades run after writes: CRD registration and removal,
// namespace content deletion, and owner-reference garbage collection.
//
// Writes run admission webhooks (AdmissionWebhooks) for the authenticated user in
// HttpRequest::user: mutating webhooks, then the server's own defaulting and validation
// (PrepareCreate/PrepareUpdate/PrepareDelete), then validating webhooks. Updates, patches and
// deletes follow kube-apiserver's GuaranteedUpdate: read the object, compute the next state and
// run admission outside the store lock, then write only if the resourceVersion is unchanged, else
// start over. When no webhook rule matches the request the next state is computed under the store
// lock instead (atomic, as before admission existed). Reads are in resource_handler.cc, writes in
// resource_writes.cc.
//
// Thread-safety: thread-safe; all object state is in the ObjectStore and ResourceRegistry.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/clock.h"
#include "sandbox/admission.h"
#include "sandbox/api_error.h"
#include "sandbox/api_server.h"
#include "sandbox/http_types.h"
#include "sandbox/internal/handler_helpers.h"
#include "sandbox/internal/request.h"
#include "sandbox/internal/write_rules.h"
#include "sandbox/managed_fields.h"
#include "sandbox/object_store.h"
#include "sandbox/rbac.h"
#include "sandbox/resource_registry.h"

namespace fairway::sandbox::internal {

class ResourceHandler {
 public:
  // Every pointer must outlive the handler.
  ResourceHandler(ObjectStore* store, ResourceRegistry* registry, Clock* clock,
                  const ApiServer::Options& options, const Authorizer* authorizer,
                  AdmissionWebhooks* admission);

  // The verb upstream would log for this request (get, list, watch, create, update, patch,
  // delete, deletecollection).
  static std::string Verb(const std::string& method, const ResourcePath& path, const Query& query);

  HandlerReply Handle(const HttpRequest& request, const ResourcePath& path, const Query& query);

  // See ApiServer::ReloadStoredState.
  void ReloadStoredState();

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
  // One write request: who asks (req->user), dryRun=All, fieldValidation, and the warnings of
  // admission webhooks and field validation (sent back as Warning headers).
  struct WriteContext {
    const HttpRequest* req = nullptr;
    bool dry_run = false;
    // Whether a webhook rule matched the request's resource and operation when it arrived;
    // decided once so that a write without admission computes under the store lock (no webhook
    // call can happen there).
    bool admission = false;
    // ?fieldValidation of a create, update or patch.
    FieldValidation field_validation = FieldValidation::kWarn;
    // ?fieldManager, else the User-Agent's product (managed_fields.h).
    std::string field_manager;
    // A server-side apply (?force: take conflicting fields); `applied` is its configuration
    // (storage form) while an apply creates the object.
    bool apply = false;
    bool force = false;
    const nlohmann::json* applied = nullptr;
    std::vector<std::string> warnings;
  };
  // Computes the next state of an existing object from its current state. With ctx.admission it
  // runs outside the store lock and may call admission webhooks; without, it runs under the lock.
  using UpdateFn = std::function<Result<Mutation>(const nlohmann::json& current)>;

  // Whether any admission webhook rule may match a request with `verb` on `p`.
  bool AdmissionMayApply(const ResourceInfo& info, const ResourcePath& p,
                         const std::string& verb) const;
  // Dispatches a non-watch request by verb and subresource.
  Result<HttpResponse> Route(const ResourceInfo& info, const ResourcePath& p, const Query& q,
                             const std::string& verb, WriteContext* ctx);
  Result<HttpResponse> Create(const ResourceInfo& info, const ResourcePath& p,
                              const nlohmann::json& body, WriteContext* ctx);
  Result<HttpResponse> Update(const ResourceInfo& info, const ResourcePath& p,
                              const nlohmann::json& body, WriteContext* ctx);
  Result<HttpResponse> Patch(const ResourceInfo& info, const ResourcePath& p, const Query& q,
                             WriteContext* ctx);
  Result<HttpResponse> Delete(const ResourceInfo& info, const ResourcePath& p, const Query& q,
                              WriteContext* ctx);
  Result<HttpResponse> DeleteCollection(const ResourceInfo& info, const ResourcePath& p,
                                        const Query& q, WriteContext* ctx);
  Result<HttpResponse> Binding(const ResourceInfo& info, const ResourcePath& p,
                               const nlohmann::json& body, WriteContext* ctx);
  Result<HttpResponse> Eviction(const ResourceInfo& info, const ResourcePath& p,
                                const nlohmann::json& body, WriteContext* ctx);
  Result<HttpResponse> Scale(const ResourceInfo& info, const ResourcePath& p,
                             const HttpRequest& req, WriteContext* ctx);
  // The access and self-subject reviews (never stored).
  Result<HttpResponse> Review(const ResourceInfo& info, const nlohmann::json& body,
                              const WriteContext& ctx);

  // Admission of a new object (storage form, namespace resolved), then defaulting and
  // validation, then storage (generateName retries) and cascades.
  Result<ObjectPtr> CreateObject(const ResourceInfo& info, nlohmann::json obj,
                                 const nlohmann::json& options, WriteContext* ctx);
  // A delete through admission (DELETE) and GuaranteedUpdate.
  Result<ObjectStore::WriteResult> DeleteWithAdmission(
      const ResourceInfo& info, const std::string& ns, const std::string& name,
      const DeleteOptions& options, const nlohmann::json& options_json, WriteContext* ctx);
  // kube-apiserver's GuaranteedUpdate: `compute` on the current object outside the lock, then a
  // write conditional on its resourceVersion; starts over (at most kMaxUpdateAttempts times,
  // then 409 Conflict) when the object changed meanwhile. Without admission (ctx.admission
  // false) it is LockedUpdate. On a dry run nothing is written and the result holds the object
  // as it would have been stored.
  Result<ObjectStore::WriteResult> GuaranteedUpdate(const ResourceInfo& info, const std::string& ns,
                                                    const std::string& name,
                                                    const WriteContext& ctx,
                                                    const UpdateFn& compute);
  // `compute` under the store lock: atomic, never a conflict. REQUIRES: `compute` calls no
  // webhook.
  Result<ObjectStore::WriteResult> LockedUpdate(const ResourceInfo& info, const std::string& ns,
                                                const std::string& name, bool dry_run,
                                                const UpdateFn& compute);

  // The admission request of a write on `info` at `p` by ctx's user.
  AdmissionAttributes AdmissionFor(const ResourceInfo& info, const ResourcePath& p,
                                   const std::string& operation, const nlohmann::json& options,
                                   const WriteContext& ctx) const;
  // Mutating webhooks on `obj` (storage form); the storage form after their patches.
  Result<nlohmann::json> MutatingAdmission(const ResourceInfo& info, AdmissionAttributes attrs,
                                           const nlohmann::json& obj, WriteContext* ctx);
  // Mutating then validating webhooks on the body of a create on a subresource whose object is
  // of kind `kind` (pods/binding, pods/eviction); the body after their patches.
  Result<nlohmann::json> SubresourceCreateAdmission(const ResourceInfo& info, const ResourcePath& p,
                                                    GroupVersionKind kind,
                                                    const nlohmann::json& body, WriteContext* ctx);
  // An update of `cur` to `incoming` (storage form) through admission: mutating webhooks,
  // PrepareUpdate, validating webhooks.
  Result<Mutation> AdmitUpdate(const ResourceInfo& info, const ResourcePath& p,
                               AdmissionAttributes attrs, const nlohmann::json& cur,
                               nlohmann::json incoming, bool is_patch, WallTime now,
                               WriteContext* ctx);
  // The managedFields entry a write on `info` (through `subresource`) by ctx's manager goes to.
  FieldManager ManagerOf(const ResourceInfo& info, const std::string& subresource,
                         const WriteContext& ctx) const;
  // Validating webhooks on the object a Mutation is about to store (old: `current`).
  MaybeError ValidatingAdmission(const ResourceInfo& info, AdmissionAttributes attrs,
                                 const nlohmann::json& next, WriteContext* ctx);

  // Deletes one object with options without admission (cascades, eviction); `removed` tells
  // whether it is gone.
  Result<ObjectStore::WriteResult> DeleteObject(const ResourceInfo& info, const std::string& ns,
                                                const std::string& name,
                                                const DeleteOptions& options);
  // Runs `fn` under the store lock as an update of an existing object, and the cascades after it.
  // `fn` must not call admission webhooks.
  Result<ObjectStore::WriteResult> MutateObject(const ResourceInfo& info, const std::string& ns,
                                                const std::string& name,
                                                const ObjectStore::MutateFn& fn);
  void AfterWrite(const ResourceInfo& info, const ObjectStore::WriteResult& result);
  void AfterRemove(const ResourceInfo& info, const nlohmann::json& last);
  // Upstream's ClusterRole aggregation controller, run after every ClusterRole write: stores
  // each aggregated role's rules (authorization computes them per request regardless).
  void AggregateClusterRoles(const ResourceInfo& info);
  void CollectGarbage(const std::string& owner_uid);

  HttpResponse ObjectResponse(int status, const ResourceInfo& info, const nlohmann::json& stored,
                              const HttpRequest* req);
  std::string StoreContinue(ContinueEntry entry);

  ObjectStore* store_;
  ResourceRegistry* registry_;
  Clock* clock_;
  ApiServer::Options options_;
  const Authorizer* authorizer_;
  AdmissionWebhooks* admission_;
  std::atomic<bool> owner_refs_seen_{false};
  std::mutex continue_mu_;
  std::map<std::string, ContinueEntry> continues_;  // GUARDED_BY(continue_mu_)
};

}  // namespace fairway::sandbox::internal
