// ResourceHandler's write path: create, update, patch, delete and deletecollection through
// admission, and GuaranteedUpdate (see resource_handler.h).
#include "sandbox/authn.h"
#include "sandbox/internal/access_reviews.h"
#include "sandbox/internal/delete_options_body.h"
#include "sandbox/internal/handler_helpers.h"
#include "sandbox/internal/resource_handler.h"
#include "sandbox/internal/util.h"
#include "sandbox/internal/views.h"
#include "sandbox/patch.h"
#include "sandbox/schema.h"

namespace fairway::sandbox::internal {
namespace {

using nlohmann::json;

// Optimistic-concurrency rounds of GuaranteedUpdate before giving up with 409 Conflict. Some
// writer wins every round, so upstream retries without bound; the bound only stops a
// pathological livelock (each round re-runs the webhooks).
constexpr int kMaxUpdateAttempts = 64;

constexpr char kNamespaceMismatch[] =
    "the namespace of the provided object does not match the namespace sent on the request";

// 404 for a missing namespace, 403 for one being deleted.
MaybeError CheckNamespaceOpen(const ObjectStore& store, const ResourceInfo& info,
                              const std::string& ns, const std::string& name) {
  const ResourceRef namespaces{"", "namespaces", "/namespaces"};
  Result<ObjectPtr> nsobj = store.Get(namespaces, "", ns);
  if (!nsobj.ok()) return NotFound(namespaces, ns);
  if (GetString(**nsobj, {"metadata", "deletionTimestamp"}).empty() &&
      GetString(**nsobj, {"status", "phase"}) != "Terminating") {
    return std::nullopt;
  }
  return Forbidden(info.Ref().Qualified() + " \"" + name +
                       "\" is forbidden: unable to create new content in namespace " + ns +
                       " because it is being terminated",
                   {{"name", name},
                    {"kind", info.plural},
                    {"causes",
                     {{{"reason", "NamespaceTerminating"},
                       {"message", "namespace " + ns + " is being terminated"},
                       {"field", "metadata.namespace"}}}}});
}

// The stored form of `cur` after a PATCH body of `type`.
Result<json> PatchedObject(const ResourceInfo& info, PatchType type, const json& cur,
                           const json& patch) {
  json view = ToView(info, cur);
  Result<json> patched = json();
  switch (type) {
    case PatchType::kMerge:
    case PatchType::kApply:
      patched = ApplyMergePatch(view, patch);
      break;
    case PatchType::kJson:
      patched = ApplyJsonPatch(view, patch);
      break;
    case PatchType::kStrategic:
      patched = ApplyStrategicMergePatch(view, patch);
      break;
  }
  if (!patched.ok()) return patched.error();
  json incoming = FromView(info, *patched);
  // Apply is not conditional on a resourceVersion the client did not send.
  if (type == PatchType::kApply &&
      (!patch.contains("metadata") || !patch["metadata"].contains("resourceVersion"))) {
    EnsureObject(incoming, "metadata")["resourceVersion"] = cur["metadata"]["resourceVersion"];
  }
  return incoming;
}

// The DeleteOptions an AdmissionReview carries: the request body's, with TypeMeta.
json DeleteOptionsJson(const std::string& body, bool dry_run) {
  json o = body.empty() ? json::object() : json::parse(body, nullptr, false);
  if (!o.is_object()) o = json::object();
  o["apiVersion"] = "meta.k8s.io/v1";
  o["kind"] = "DeleteOptions";
  if (dry_run) o["dryRun"] = {"All"};
  return o;
}

// fieldValidation on custom resource `obj` as decoded from a request (a create or update body,
// a patched object), for the fields its schema does not declare: a warning each under Warn; under
// Strict the error `strict_error` shapes from upstream's text, `strict decoding error: unknown
// field "spec.a", unknown field "spec.b"`. The fields themselves are pruned later, before
// defaulting and validation, whatever the directive.
MaybeError ValidateFields(const ResourceInfo& info, const json& obj, FieldValidation validation,
                          std::vector<std::string>* warnings,
                          const std::function<ApiError(const std::string&)>& strict_error) {
  if (!info.schema || validation == FieldValidation::kIgnore) return std::nullopt;
  std::string strict;
  for (const std::string& path : UnknownFields(info.schema->document(), obj)) {
    std::string problem = "unknown field \"" + path + "\"";
    if (validation == FieldValidation::kWarn) warnings->push_back(problem);
    strict += (strict.empty() ? "strict decoding error: " : ", ") + problem;
  }
  if (validation == FieldValidation::kWarn || strict.empty()) return std::nullopt;
  return strict_error(strict);
}

// Upstream's 400 for a create or update body that does not decode as the resource's kind.
ApiError UndecodableBody(const ResourceInfo& info, const std::string& why) {
  return BadRequest(info.kind + " in version \"" + info.version + "\" cannot be handled as a " +
                    info.kind + ": " + why);
}

const UserInfo& RequestUser(const HttpRequest& req) {
  static const UserInfo* const kLoopback = new UserInfo(LoopbackUser());
  return req.user ? *req.user : *kLoopback;
}

}  // namespace

AdmissionAttributes ResourceHandler::AdmissionFor(const ResourceInfo& info, const ResourcePath& p,
                                                  const std::string& operation, const json& options,
                                                  const WriteContext& ctx) const {
  AdmissionAttributes a;
  a.operation = operation;
  a.kind = {info.group, info.version, info.kind};
  a.resource = {info.group, info.version, info.plural};
  a.subresource = p.subresource;
  a.name = p.name;
  a.ns = info.namespaced ? p.ns : "";
  a.dry_run = ctx.dry_run;
  a.options = options;
  a.user = RequestUser(*ctx.req);
  return a;
}

Result<json> ResourceHandler::MutatingAdmission(const ResourceInfo& info, AdmissionAttributes attrs,
                                                const json& obj, WriteContext* ctx) {
  if (!ctx->admission) return obj;
  // Custom resources reach admission as upstream decodes them: pruned and defaulted.
  json decoded = obj;
  if (info.schema) {
    PruneObject(info.schema->document(), &decoded);
    ApplyDefaults(info.schema->document(), &decoded);
  }
  attrs.object = ToView(info, decoded);
  SANDBOX_ASSIGN_OR_RETURN(json mutated, admission_->Mutate(attrs, &ctx->warnings));
  if (mutated == attrs.object) return decoded;
  return FromView(info, mutated);
}

FieldManager ResourceHandler::ManagerOf(const ResourceInfo& info, const std::string& subresource,
                                        const WriteContext& ctx) const {
  FieldManager who;
  who.manager = ctx.field_manager;
  who.apply = ctx.apply;
  who.subresource = subresource;
  who.api_version = info.GroupVersion();
  who.status_subresource = info.status_subresource;
  return who;
}

MaybeError ResourceHandler::ValidatingAdmission(const ResourceInfo& info, AdmissionAttributes attrs,
                                                const json& next, WriteContext* ctx) {
  if (!ctx->admission) return std::nullopt;
  attrs.object = ToView(info, next);
  return admission_->Validate(attrs, &ctx->warnings);
}

Result<json> ResourceHandler::SubresourceCreateAdmission(const ResourceInfo& info,
                                                         const ResourcePath& p,
                                                         GroupVersionKind kind, const json& body,
                                                         WriteContext* ctx) {
  if (!ctx->admission) return body;
  AdmissionAttributes attrs =
      AdmissionFor(info, p, "CREATE", WriteOptions("CreateOptions", ctx->dry_run), *ctx);
  attrs.kind = std::move(kind);
  attrs.object = body;
  SANDBOX_ASSIGN_OR_RETURN(attrs.object, admission_->Mutate(attrs, &ctx->warnings));
  SANDBOX_RETURN_IF_ERROR(admission_->Validate(attrs, &ctx->warnings));
  return attrs.object;
}

Result<Mutation> ResourceHandler::AdmitUpdate(const ResourceInfo& info, const ResourcePath& p,
                                              AdmissionAttributes attrs, const json& cur,
                                              json incoming, bool is_patch, WallTime now,
                                              WriteContext* ctx) {
  if (ctx->admission) attrs.old_object = ToView(info, cur);
  const std::string name = NameOf(incoming);
  const std::string ns = NamespaceOf(incoming);
  SANDBOX_ASSIGN_OR_RETURN(incoming, MutatingAdmission(info, attrs, incoming, ctx));
  if (NameOf(incoming) != name || NamespaceOf(incoming) != ns) {
    return BadRequest("the name of the object (" + NameOf(incoming) +
                      ") does not match the name on the URL (" + p.name + ")");
  }
  SANDBOX_ASSIGN_OR_RETURN(
      Mutation m, PrepareUpdate(info, p.subresource, cur, std::move(incoming), is_patch, now));
  // An apply recorded its ownership when it merged (ApplyOwnership).
  if (!ctx->apply && (m.kind == Mutation::kReplace || m.kind == Mutation::kReplaceThenRemove)) {
    RecordUpdate(&cur, &m.object, ManagerOf(info, p.subresource, *ctx), now);
  }
  SANDBOX_RETURN_IF_ERROR(
      ValidatingAdmission(info, attrs, m.kind == Mutation::kNoop ? cur : m.object, ctx));
  return m;
}

Result<ObjectStore::WriteResult> ResourceHandler::GuaranteedUpdate(const ResourceInfo& info,
                                                                   const std::string& ns,
                                                                   const std::string& name,
                                                                   const WriteContext& ctx,
                                                                   const UpdateFn& compute) {
  if (!ctx.admission) return LockedUpdate(info, ns, name, ctx.dry_run, compute);
  for (int attempt = 0; attempt < kMaxUpdateAttempts; ++attempt) {
    SANDBOX_ASSIGN_OR_RETURN(ObjectPtr current, store_->Get(info.Ref(), ns, name));
    SANDBOX_ASSIGN_OR_RETURN(Mutation m, compute(*current));
    if (ctx.dry_run) {
      ObjectStore::WriteResult preview;
      bool stores = m.kind == Mutation::kReplace || m.kind == Mutation::kReplaceThenRemove;
      preview.object = stores ? std::make_shared<const json>(std::move(m.object)) : current;
      return preview;
    }
    const std::string rv = GetString(*current, {"metadata", "resourceVersion"});
    bool stale = false;
    Result<ObjectStore::WriteResult> r =
        store_->Mutate(info.Ref(), ns, name, [&](const json& now) -> Result<Mutation> {
          if (GetString(now, {"metadata", "resourceVersion"}) != rv) {
            stale = true;
            return StaleConflict(info.Ref(), name);
          }
          return std::move(m);
        });
    if (stale) continue;  // written meanwhile: recompute (and re-admit) on the new state
    if (r.ok()) AfterWrite(info, *r);
    return r;
  }
  return StaleConflict(info.Ref(), name);
}

Result<ObjectStore::WriteResult> ResourceHandler::LockedUpdate(const ResourceInfo& info,
                                                               const std::string& ns,
                                                               const std::string& name,
                                                               bool dry_run,
                                                               const UpdateFn& compute) {
  std::optional<json> preview;
  Result<ObjectStore::WriteResult> r =
      MutateObject(info, ns, name, [&](const json& cur) -> Result<Mutation> {
        SANDBOX_ASSIGN_OR_RETURN(Mutation m, compute(cur));
        if (!dry_run) return m;
        if (m.kind == Mutation::kReplace || m.kind == Mutation::kReplaceThenRemove) {
          preview = std::move(m.object);
        }
        return Mutation{};  // a dry run writes nothing
      });
  if (r.ok() && preview) r->object = std::make_shared<const json>(std::move(*preview));
  return r;
}

Result<ObjectPtr> ResourceHandler::CreateObject(const ResourceInfo& info, json obj,
                                                const json& options, WriteContext* ctx) {
  EnsureObject(obj, "metadata");
  const std::string ns = NamespaceOf(obj);
  if (info.namespaced) {
    SANDBOX_RETURN_IF_ERROR(CheckNamespaceOpen(*store_, info, ns, NameOf(obj)));
  }
  ResourcePath p;
  p.ns = ns;
  p.name = NameOf(obj);
  AdmissionAttributes attrs = AdmissionFor(info, p, "CREATE", options, *ctx);
  SANDBOX_ASSIGN_OR_RETURN(obj, MutatingAdmission(info, attrs, obj, ctx));
  if (NamespaceOf(obj) != ns) return BadRequest(kNamespaceMismatch);
  std::string generate = GetString(obj, {"metadata", "generateName"});
  bool generated = NameOf(obj).empty();
  if (generated && generate.empty()) {
    return Invalid(info.kind, info.group, "",
                   {RequiredCause("metadata.name", "name or generateName is required")});
  }
  for (int attempt = 0;; ++attempt) {
    json candidate = obj;
    if (generated) candidate["metadata"]["name"] = generate + RandomSuffix(5);
    SANDBOX_RETURN_IF_ERROR(ValidateName(info, NameOf(candidate)));
    SANDBOX_RETURN_IF_ERROR(PrepareCreate(info, &candidate, clock_->Now()));
    if (ctx->applied != nullptr) {
      RecordApplyCreate(*ctx->applied, &candidate, ManagerOf(info, "", *ctx), clock_->Now());
    } else {
      RecordUpdate(nullptr, &candidate, ManagerOf(info, "", *ctx), clock_->Now());
    }
    attrs.name = NameOf(candidate);
    SANDBOX_RETURN_IF_ERROR(ValidatingAdmission(info, attrs, candidate, ctx));
    if (ctx->dry_run) return std::make_shared<const json>(std::move(candidate));
    Result<ObjectPtr> stored = store_->Create(info.Ref(), std::move(candidate));
    if (!stored.ok()) {
      if (generated && stored.error().reason() == "AlreadyExists" && attempt < 8) continue;
      return stored.error();
    }
    ObjectStore::WriteResult wr;
    wr.object = *stored;
    wr.changed = true;
    AfterWrite(info, wr);
    return stored;
  }
}

Result<HttpResponse> ResourceHandler::Review(const ResourceInfo& info, const json& body,
                                             const WriteContext& ctx) {
  SANDBOX_ASSIGN_OR_RETURN(
      json out, AnswerReview(info, body, RequestUser(*ctx.req), *authorizer_, clock_->Now()));
  return JsonResponse(201, out);
}

Result<HttpResponse> ResourceHandler::Create(const ResourceInfo& info, const ResourcePath& p,
                                             const json& body, WriteContext* ctx) {
  if (!body.is_object()) return BadRequest("the object must be a JSON object");
  if (body.contains("kind") && body["kind"].is_string() && body["kind"] != info.kind &&
      !(IsEventsV1(info) && body["kind"] == "Event")) {
    return BadRequest("the kind of the object (" + body["kind"].get<std::string>() +
                      ") does not match the resource (" + info.kind + ")");
  }
  if (IsReviewResource(info)) return Review(info, body, *ctx);
  json obj = FromView(info, body);
  SANDBOX_RETURN_IF_ERROR(
      ValidateFields(info, obj, ctx->field_validation, &ctx->warnings,
                     [&](const std::string& why) { return UndecodableBody(info, why); }));
  json& meta = EnsureObject(obj, "metadata");
  std::string body_ns = GetString(obj, {"metadata", "namespace"});
  if (info.namespaced) {
    if (body_ns.empty()) {
      meta["namespace"] = p.ns;
    } else if (body_ns != p.ns) {
      return BadRequest(kNamespaceMismatch);
    }
  } else {
    meta.erase("namespace");
  }
  if (!GetString(obj, {"metadata", "resourceVersion"}).empty()) {
    return InternalError("resourceVersion should not be set on objects to be created");
  }
  SANDBOX_ASSIGN_OR_RETURN(
      ObjectPtr stored,
      CreateObject(info, std::move(obj), WriteOptions("CreateOptions", ctx->dry_run), ctx));
  return ObjectResponse(201, info, *stored, nullptr);
}

Result<HttpResponse> ResourceHandler::Update(const ResourceInfo& info, const ResourcePath& p,
                                             const json& body, WriteContext* ctx) {
  if (!body.is_object()) return BadRequest("the object must be a JSON object");
  json obj = FromView(info, body);
  SANDBOX_RETURN_IF_ERROR(
      ValidateFields(info, obj, ctx->field_validation, &ctx->warnings,
                     [&](const std::string& why) { return UndecodableBody(info, why); }));
  json& meta = EnsureObject(obj, "metadata");
  std::string body_name = GetString(obj, {"metadata", "name"});
  if (!body_name.empty() && body_name != p.name) {
    return BadRequest("the name of the object (" + body_name +
                      ") does not match the name on the URL (" + p.name + ")");
  }
  meta["name"] = p.name;
  std::string body_ns = GetString(obj, {"metadata", "namespace"});
  if (info.namespaced) {
    if (!body_ns.empty() && body_ns != p.ns) return BadRequest(kNamespaceMismatch);
    meta["namespace"] = p.ns;
  } else {
    meta.erase("namespace");
  }
  WallTime now = clock_->Now();
  AdmissionAttributes attrs =
      AdmissionFor(info, p, "UPDATE", WriteOptions("UpdateOptions", ctx->dry_run), *ctx);
  UpdateFn compute = [&](const json& cur) {
    return AdmitUpdate(info, p, attrs, cur, obj, false, now, ctx);
  };
  SANDBOX_ASSIGN_OR_RETURN(ObjectStore::WriteResult r,
                           GuaranteedUpdate(info, p.ns, p.name, *ctx, compute));
  return ObjectResponse(200, info, *r.object, nullptr);
}

Result<HttpResponse> ResourceHandler::Patch(const ResourceInfo& info, const ResourcePath& p,
                                            const Query& q, WriteContext* ctx) {
  const HttpRequest& req = *ctx->req;
  SANDBOX_ASSIGN_OR_RETURN(PatchType type, ParsePatchType(req.Header("content-type")));
  if (type == PatchType::kStrategic && info.custom) {
    return UnsupportedMediaType(
        "the body of the request was in an unknown format - accepted media types include: "
        "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml");
  }
  json patch = json::parse(req.body, nullptr, false);
  if (patch.is_discarded())
    return BadRequest("the body of the request could not be decoded: invalid JSON");
  if (type == PatchType::kApply && QueryValue(q, "fieldManager").empty()) {
    return BadRequest(
        "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: "
        "is required for apply patch");
  }
  WallTime now = clock_->Now();
  AdmissionAttributes attrs =
      AdmissionFor(info, p, "UPDATE", WriteOptions("PatchOptions", ctx->dry_run), *ctx);
  ctx->apply = type == PatchType::kApply;
  const json applied = ctx->apply ? FromView(info, patch) : json();
  UpdateFn compute = [&](const json& cur) -> Result<Mutation> {
    SANDBOX_ASSIGN_OR_RETURN(json incoming, PatchedObject(info, type, cur, patch));
    if (ctx->apply) {
      SANDBOX_ASSIGN_OR_RETURN(
          incoming, ApplyOwnership(cur, std::move(incoming), applied,
                                   ManagerOf(info, p.subresource, *ctx), ctx->force, now));
    }
    // Upstream's server-side apply judges fields outside the schema its own way; not modelled.
    if (type != PatchType::kApply) {
      SANDBOX_RETURN_IF_ERROR(ValidateFields(
          info, incoming, ctx->field_validation, &ctx->warnings, [&](const std::string& why) {
            return Invalid("", "", "", {InvalidCause("patch", incoming.dump(), why)});
          }));
    }
    return AdmitUpdate(info, p, attrs, cur, std::move(incoming), true, now, ctx);
  };
  Result<ObjectStore::WriteResult> r = GuaranteedUpdate(info, p.ns, p.name, *ctx, compute);
  if (!r.ok() && type == PatchType::kApply && r.error().code() == 404 && p.subresource.empty()) {
    // Server-side apply creates.
    json obj = FromView(info, patch);
    json& meta = EnsureObject(obj, "metadata");
    meta["name"] = p.name;
    if (info.namespaced) meta["namespace"] = p.ns;
    ctx->applied = &applied;
    // Upstream admits an apply that creates as a CREATE with CreateOptions.
    SANDBOX_ASSIGN_OR_RETURN(
        ObjectPtr stored,
        CreateObject(info, std::move(obj), WriteOptions("CreateOptions", ctx->dry_run), ctx));
    return ObjectResponse(201, info, *stored, nullptr);
  }
  if (!r.ok()) return r.error();
  return ObjectResponse(200, info, *r->object, nullptr);
}

Result<ObjectStore::WriteResult> ResourceHandler::DeleteWithAdmission(
    const ResourceInfo& info, const std::string& ns, const std::string& name,
    const DeleteOptions& options, const json& options_json, WriteContext* ctx) {
  ResourcePath p;
  p.ns = ns;
  p.name = name;
  AdmissionAttributes attrs = AdmissionFor(info, p, "DELETE", options_json, *ctx);
  WallTime now = clock_->Now();
  return GuaranteedUpdate(info, ns, name, *ctx, [&](const json& cur) -> Result<Mutation> {
    if (!ctx->admission) {
      return PrepareDelete(info, cur, options, now);
    }
    AdmissionAttributes a = attrs;
    a.old_object = ToView(info, cur);
    // Mutating webhooks see DELETEs too; there is no object to patch.
    Result<json> mutated = admission_->Mutate(a, &ctx->warnings);
    if (!mutated.ok()) return mutated.error();
    SANDBOX_ASSIGN_OR_RETURN(Mutation m, PrepareDelete(info, cur, options, now));
    SANDBOX_RETURN_IF_ERROR(admission_->Validate(a, &ctx->warnings));
    return m;
  });
}

Result<HttpResponse> ResourceHandler::Delete(const ResourceInfo& info, const ResourcePath& p,
                                             const Query& q, WriteContext* ctx) {
  SANDBOX_ASSIGN_OR_RETURN(const std::string body, DeleteOptionsBody(*ctx->req));
  SANDBOX_ASSIGN_OR_RETURN(DeleteOptions options, ParseDeleteOptions(q, body));
  SANDBOX_ASSIGN_OR_RETURN(
      ObjectStore::WriteResult r,
      DeleteWithAdmission(info, p.ns, p.name, options, DeleteOptionsJson(body, ctx->dry_run), ctx));
  if (r.removed && info.custom) {
    json details = {{"name", p.name},
                    {"group", info.group},
                    {"kind", info.plural},
                    {"uid", GetString(*r.object, {"metadata", "uid"})}};
    return JsonResponse(200, SuccessStatus(0, details));
  }
  return ObjectResponse(200, info, *r.object, nullptr);
}

Result<HttpResponse> ResourceHandler::DeleteCollection(const ResourceInfo& info,
                                                       const ResourcePath& p, const Query& q,
                                                       WriteContext* ctx) {
  SANDBOX_ASSIGN_OR_RETURN(const std::string body, DeleteOptionsBody(*ctx->req));
  SANDBOX_ASSIGN_OR_RETURN(ObjectFilter filter, ParseFilter(info, q));
  SANDBOX_ASSIGN_OR_RETURN(DeleteOptions options, ParseDeleteOptions(q, body));
  const json options_json = DeleteOptionsJson(body, ctx->dry_run);
  ObjectStore::Snapshot snap = store_->List(info.bucket, p.ns);
  json items = json::array();
  for (const ObjectPtr& o : snap.items) {
    if (!filter.Matches(*o)) continue;
    Result<ObjectStore::WriteResult> r =
        DeleteWithAdmission(info, NamespaceOf(*o), NameOf(*o), options, options_json, ctx);
    if (!r.ok()) {
      if (r.error().code() == 404) continue;  // deleted meanwhile
      return r.error();
    }
    items.push_back(ToView(info, *r->object));
  }
  return JsonResponse(200,
                      {{"kind", info.list_kind},
                       {"apiVersion", info.GroupVersion()},
                       {"metadata", {{"resourceVersion", std::to_string(store_->CurrentRv())}}},
                       {"items", items}});
}

Result<ObjectStore::WriteResult> ResourceHandler::MutateObject(const ResourceInfo& info,
                                                               const std::string& ns,
                                                               const std::string& name,
                                                               const ObjectStore::MutateFn& fn) {
  SANDBOX_ASSIGN_OR_RETURN(ObjectStore::WriteResult r, store_->Mutate(info.Ref(), ns, name, fn));
  AfterWrite(info, r);
  return r;
}

Result<ObjectStore::WriteResult> ResourceHandler::DeleteObject(const ResourceInfo& info,
                                                               const std::string& ns,
                                                               const std::string& name,
                                                               const DeleteOptions& options) {
  WallTime now = clock_->Now();
  return MutateObject(info, ns, name,
                      [&](const json& cur) { return PrepareDelete(info, cur, options, now); });
}

}  // namespace fairway::sandbox::internal
