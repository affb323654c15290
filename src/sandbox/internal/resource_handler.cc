#include "sandbox/internal/resource_handler.h"

#include <set>

#include "sandbox/internal/protobuf.h"
#include "sandbox/internal/util.h"
#include "sandbox/internal/views.h"
#include "sandbox/internal/watch_stream.h"
#include "sandbox/manifest.h"
#include "sandbox/patch.h"
#include "sandbox/selectors.h"
#include "sandbox/table.h"

namespace fairway::sandbox::internal {
namespace {

Result<nlohmann::json> ParseBody(const std::string& body, const std::string& content_type) {
  if (body.empty()) return BadRequest("the request body is empty");
  nlohmann::json j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() && ToLower(content_type).find("yaml") != std::string::npos) {
    StatusOr<std::vector<nlohmann::json>> docs = ParseManifests(body);
    if (docs.ok() && docs->size() == 1) j = docs->front();
  }
  if (j.is_discarded()) {
    return BadRequest("the body of the request could not be decoded: invalid JSON");
  }
  if (j.is_object() && j.contains("metadata") && !j["metadata"].is_object() && !j["metadata"].is_null()) {
    return BadRequest("json: cannot unmarshal " + std::string(j["metadata"].type_name()) +
                      " into Go struct field .metadata of type v1.ObjectMeta");
  }
  return j;
}

// The request body as JSON: JSON, YAML, or (for the kinds typed clients send that way) Kubernetes
// protobuf. `api_version`/`kind` name the expected object when the protobuf envelope does not.
Result<nlohmann::json> ParseRequestBody(const HttpRequest& req, const std::string& api_version,
                                        const std::string& kind) {
  std::string ct = req.Header("content-type");
  if (protobuf::IsProtobufContentType(ct)) {
    if (req.body.empty()) return BadRequest("the request body is empty");
    return protobuf::DecodeObject(req.body, api_version, kind);
  }
  return ParseBody(req.body, ct);
}

std::string QueryValue(const Query& q, const std::string& key) {
  auto it = q.find(key);
  return it == q.end() ? std::string() : it->second;
}

bool QueryBool(const Query& q, const std::string& key) {
  std::string v = QueryValue(q, key);
  return v == "true" || v == "1";
}

IncludeObject ParseInclude(const Query& q) {
  std::string v = QueryValue(q, "includeObject");
  if (v == "Object") return IncludeObject::kObject;
  if (v == "None") return IncludeObject::kNone;
  return IncludeObject::kMetadata;
}

Result<ObjectFilter> ParseFilter(const ResourceInfo& info, const Query& q) {
  ObjectFilter f;
  SANDBOX_ASSIGN_OR_RETURN(f.labels, LabelSelector::Parse(QueryValue(q, "labelSelector")));
  SANDBOX_ASSIGN_OR_RETURN(f.fields, FieldSelector::Parse(QueryValue(q, "fieldSelector"), info.group,
                                                         info.plural, info.custom));
  return f;
}

Result<DeleteOptions> ParseDeleteOptions(const Query& q, const std::string& body) {
  DeleteOptions o;
  if (!body.empty()) {
    nlohmann::json j = nlohmann::json::parse(body, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return BadRequest("invalid DeleteOptions body");
    if (j.contains("gracePeriodSeconds") && j["gracePeriodSeconds"].is_number_integer()) {
      o.grace_period_s = j["gracePeriodSeconds"].get<int64_t>();
    }
    o.precondition_uid = GetString(j, {"preconditions", "uid"});
    o.precondition_rv = GetString(j, {"preconditions", "resourceVersion"});
  }
  std::string g = QueryValue(q, "gracePeriodSeconds");
  if (!g.empty()) {
    try {
      o.grace_period_s = std::stoll(g);
    } catch (...) {
      return BadRequest("invalid gracePeriodSeconds: " + g);
    }
  }
  return o;
}

nlohmann::json SuccessStatus(int code, nlohmann::json details = nullptr) {
  nlohmann::json s = {{"kind", "Status"}, {"apiVersion", "v1"}, {"metadata", nlohmann::json::object()},
                      {"status", "Success"}};
  if (!details.is_null()) s["details"] = details;
  if (code != 0) s["code"] = code;
  return s;
}

// Resolves a scale path like ".spec.replicas" to JSON pointer segments.
std::vector<std::string> DotPath(const std::string& path) {
  std::vector<std::string> out;
  size_t start = path.empty() || path[0] != '.' ? 0 : 1;
  while (start < path.size()) {
    size_t dot = path.find('.', start);
    out.push_back(path.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return out;
}

const nlohmann::json* Lookup(const nlohmann::json& obj, const std::vector<std::string>& path) {
  const nlohmann::json* cur = &obj;
  for (const std::string& s : path) {
    if (!cur->is_object() || !cur->contains(s)) return nullptr;
    cur = &(*cur)[s];
  }
  return cur;
}

}  // namespace

ResourceHandler::ResourceHandler(ObjectStore* store, ResourceRegistry* registry, Clock* clock,
                                 const ApiServer::Options& options)
    : store_(store), registry_(registry), clock_(clock), options_(options) {}

std::string ResourceHandler::Verb(const std::string& method, const ResourcePath& p,
                                  const Query& q) {
  if (method == "GET" || method == "HEAD") {
    if (!p.name.empty()) return p.watch_prefix ? "watch" : "get";
    return (p.watch_prefix || QueryBool(q, "watch")) ? "watch" : "list";
  }
  if (method == "POST") return "create";
  if (method == "PUT") return "update";
  if (method == "PATCH") return "patch";
  if (method == "DELETE") return p.name.empty() ? "deletecollection" : "delete";
  return ToLower(method);
}

HttpResponse ResourceHandler::ObjectResponse(int status, const ResourceInfo& info,
                                             const nlohmann::json& stored, const HttpRequest* req) {
  nlohmann::json view = ToView(info, stored);
  if (req != nullptr && WantsTable(req->Header("accept"))) {
    Query q;
    std::string path;
    SplitTarget(req->target, &path, &q);
    nlohmann::json meta = {{"resourceVersion", GetString(stored, {"metadata", "resourceVersion"})}};
    return JsonResponse(status, RenderTable(info, {view}, meta, ParseInclude(q), clock_->Now()));
  }
  return JsonResponse(status, view);
}

HandlerReply ResourceHandler::Handle(const HttpRequest& req, const ResourcePath& p, const Query& q) {
  ResourceInfoPtr info = registry_->Find(p.group, p.version, p.resource);
  if (!info) return {ErrorResponse(PathNotFound()), nullptr};
  if (info->namespaced && p.ns.empty() && !p.name.empty()) {
    return {ErrorResponse(PathNotFound()), nullptr};
  }
  if (!info->namespaced && !p.ns.empty()) return {ErrorResponse(PathNotFound()), nullptr};

  const std::string verb = Verb(req.method, p, q);
  if (verb == "watch") return Watch(info, p, q, req);

  if (req.method == "POST" || req.method == "PUT") {
    std::string ct = ToLower(req.Header("content-type"));
    if (ct.find("cbor") != std::string::npos ||
        (ct.find("protobuf") != std::string::npos && !protobuf::IsProtobufContentType(ct))) {
      return {ErrorResponse(UnsupportedMediaType(
                  "the body of the request was in an unknown format - accepted media types "
                  "include: application/json, application/yaml, "
                  "application/vnd.kubernetes.protobuf")),
              nullptr};
    }
  }
  auto finish = [](Result<HttpResponse> r) -> HandlerReply {
    if (!r.ok()) return {ErrorResponse(r.error()), nullptr};
    return {std::move(r).value(), nullptr};
  };
  const std::string& sub = p.subresource;
  if (!sub.empty()) {
    bool known = (sub == "status" && info->status_subresource) || (sub == "scale" && info->scale) ||
                 std::find(info->extra_subresources.begin(), info->extra_subresources.end(), sub) !=
                     info->extra_subresources.end();
    if (!known) return {ErrorResponse(PathNotFound()), nullptr};
    if (sub == "binding" || sub == "eviction") {
      if (req.method != "POST") return {ErrorResponse(MethodNotAllowed("the server does not allow this method on the requested resource")), nullptr};
      Result<nlohmann::json> body = sub == "binding"
                                        ? ParseRequestBody(req, "v1", "Binding")
                                        : ParseRequestBody(req, "policy/v1", "Eviction");
      if (!body.ok()) return {ErrorResponse(body.error()), nullptr};
      return finish(sub == "binding" ? Binding(*info, p, *body) : Eviction(*info, p, *body));
    }
    if (sub == "scale") return finish(Scale(*info, p, req));
  }

  if (verb == "get") return finish(Get(*info, p, q, req));
  if (verb == "list") {
    if (!sub.empty()) return {ErrorResponse(PathNotFound()), nullptr};
    return finish(List(*info, p, q, req));
  }
  if (verb == "create") {
    if (!p.name.empty()) {
      return {ErrorResponse(MethodNotAllowed("the server does not allow this method on the requested resource")), nullptr};
    }
    if (info->namespaced && p.ns.empty()) {
      return {ErrorResponse(MethodNotAllowed("the server does not allow this method on the requested resource")), nullptr};
    }
    Result<nlohmann::json> body = ParseRequestBody(req, info->GroupVersion(), info->kind);
    if (!body.ok()) return {ErrorResponse(body.error()), nullptr};
    return finish(Create(*info, p, q, *body));
  }
  if (verb == "update") {
    Result<nlohmann::json> body = ParseRequestBody(req, info->GroupVersion(), info->kind);
    if (!body.ok()) return {ErrorResponse(body.error()), nullptr};
    return finish(Update(*info, p, q, *body));
  }
  if (verb == "patch") return finish(Patch(*info, p, q, req));
  if (verb == "delete") {
    if (!sub.empty()) return {ErrorResponse(MethodNotAllowed("the server does not allow this method on the requested resource")), nullptr};
    return finish(Delete(*info, p, q, req.body));
  }
  if (verb == "deletecollection") return finish(DeleteCollection(*info, p, q, req.body));
  return {ErrorResponse(MethodNotAllowed("the server does not allow this method on the requested resource")), nullptr};
}

Result<HttpResponse> ResourceHandler::Get(const ResourceInfo& info, const ResourcePath& p,
                                          const Query& q, const HttpRequest& req) {
  SANDBOX_ASSIGN_OR_RETURN(ObjectPtr obj, store_->Get(info.Ref(), p.ns, p.name));
  return ObjectResponse(200, info, *obj, &req);
}

std::string ResourceHandler::StoreContinue(ContinueEntry entry) {
  std::string token = Base64Encode(nlohmann::json({{"rv", entry.rv}, {"id", NewUid()}}).dump());
  std::lock_guard<std::mutex> lock(continue_mu_);
  MonotonicTime now = clock_->Monotonic();
  for (auto it = continues_.begin(); it != continues_.end();) {
    it = it->second.expires < now ? continues_.erase(it) : std::next(it);
  }
  while (continues_.size() >= 256) continues_.erase(continues_.begin());
  continues_[token] = std::move(entry);
  return token;
}

Result<HttpResponse> ResourceHandler::List(const ResourceInfo& info, const ResourcePath& p,
                                           const Query& q, const HttpRequest& req) {
  SANDBOX_ASSIGN_OR_RETURN(ObjectFilter filter, ParseFilter(info, q));
  std::string rv_param = QueryValue(q, "resourceVersion");
  std::string match = QueryValue(q, "resourceVersionMatch");
  std::string cont = QueryValue(q, "continue");
  if (!match.empty()) {
    if (match != "NotOlderThan" && match != "Exact") {
      return BadRequest("resourceVersionMatch: Unsupported value: \"" + match + "\"");
    }
    if (rv_param.empty()) {
      return Invalid("ListOptions", "meta.k8s.io", "",
                     {ForbiddenCause("resourceVersionMatch",
                                     "resourceVersionMatch is forbidden unless resourceVersion is provided")});
    }
    if (!cont.empty()) {
      return Invalid("ListOptions", "meta.k8s.io", "",
                     {ForbiddenCause("resourceVersionMatch",
                                     "resourceVersionMatch is forbidden when continue is provided")});
    }
  }
  if (!rv_param.empty() && !ParseRv(rv_param)) {
    return BadRequest("invalid resource version: " + rv_param);
  }
  if (match == "Exact" && ParseRv(rv_param).value_or(0) < store_->CompactedRv()) {
    return Expired("too old resource version: " + rv_param + " (" +
                   std::to_string(store_->CompactedRv() + 1) + ")");
  }
  int64_t limit = 0;
  if (std::string l = QueryValue(q, "limit"); !l.empty()) {
    try {
      limit = std::stoll(l);
    } catch (...) {
      return BadRequest("invalid limit: " + l);
    }
  }

  int64_t rv = 0;
  std::vector<ObjectPtr> items;
  if (!cont.empty()) {
    std::lock_guard<std::mutex> lock(continue_mu_);
    auto it = continues_.find(cont);
    if (it == continues_.end() || it->second.expires < clock_->Monotonic()) {
      if (it != continues_.end()) continues_.erase(it);
      return Expired(
          "The provided continue parameter is too old to display a consistent list result. You "
          "can start a new list without the continue parameter.");
    }
    rv = it->second.rv;
    items = std::move(it->second.remaining);
    continues_.erase(it);
  } else {
    ObjectStore::Snapshot snap = store_->List(info.bucket, p.ns);
    rv = snap.rv;
    for (ObjectPtr& o : snap.items) {
      if (filter.Matches(*o)) items.push_back(std::move(o));
    }
  }
  nlohmann::json meta = {{"resourceVersion", std::to_string(rv)}};
  if (limit > 0 && static_cast<int64_t>(items.size()) > limit) {
    ContinueEntry entry;
    entry.rv = rv;
    entry.remaining.assign(items.begin() + limit, items.end());
    entry.expires = clock_->Monotonic() + options_.continue_ttl;
    meta["remainingItemCount"] = entry.remaining.size();
    meta["continue"] = StoreContinue(std::move(entry));
    items.resize(static_cast<size_t>(limit));
  }
  if (WantsTable(req.Header("accept"))) {
    std::vector<nlohmann::json> views;
    views.reserve(items.size());
    for (const ObjectPtr& o : items) views.push_back(ToView(info, *o));
    return JsonResponse(200, RenderTable(info, views, meta, ParseInclude(q), clock_->Now()));
  }
  // Build the list text directly: items can be many.
  nlohmann::json head = {{"kind", IsEventsV1(info) ? "EventList" : info.list_kind},
                         {"apiVersion", info.GroupVersion()},
                         {"metadata", meta}};
  std::string body = head.dump();
  body.pop_back();  // '}'
  body += ",\"items\":[";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) body.push_back(',');
    nlohmann::json v = ToView(info, *items[i]);
    if (!info.custom && !IsEventsV1(info)) {
      v.erase("apiVersion");
      v.erase("kind");
    }
    body += v.dump();
  }
  body += "]}";
  HttpResponse r;
  r.body = std::move(body);
  return r;
}

HandlerReply ResourceHandler::Watch(const ResourceInfoPtr& info, const ResourcePath& p,
                                    const Query& q, const HttpRequest& req) {
  Result<ObjectFilter> filter = ParseFilter(*info, q);
  if (!filter.ok()) return {ErrorResponse(filter.error()), nullptr};
  if (QueryBool(q, "sendInitialEvents")) {
    return {ErrorResponse(BadRequest("sendInitialEvents is not supported by the fairway sandbox; use list+watch")),
            nullptr};
  }
  ApiWatchStream::Config cfg;
  cfg.info = info;
  cfg.filter = std::move(filter).value();
  if (!p.name.empty()) {
    // /watch/.../NAME: watch one object.
    Result<FieldSelector> by_name = FieldSelector::Parse("metadata.name=" + p.name, info->group,
                                                         info->plural, info->custom);
    if (by_name.ok()) cfg.filter.fields = std::move(by_name).value();
  }
  cfg.allow_bookmarks = QueryBool(q, "allowWatchBookmarks");
  cfg.table = WantsTable(req.Header("accept"));
  cfg.include = ParseInclude(q);
  cfg.bookmark_interval = options_.bookmark_interval;
  if (std::string t = QueryValue(q, "timeoutSeconds"); !t.empty()) {
    try {
      cfg.timeout = std::chrono::seconds(std::stoll(t));
    } catch (...) {
      return {ErrorResponse(BadRequest("invalid timeoutSeconds: " + t)), nullptr};
    }
  }
  std::optional<int64_t> since;
  std::string rv = QueryValue(q, "resourceVersion");
  if (!rv.empty() && rv != "0") {
    since = ParseRv(rv);
    if (!since) return {ErrorResponse(BadRequest("invalid resource version: " + rv)), nullptr};
  }
  HttpResponse headers;
  headers.status = 200;
  Result<std::shared_ptr<StoreWatcher>> w = store_->Watch(info->bucket, p.ns, since);
  if (!w.ok()) {
    // Too old: 200, one ERROR event, end of stream.
    nlohmann::json ev = {{"type", "ERROR"}, {"object", w.error().ToStatusJson()}};
    return {headers, std::make_shared<ApiWatchStream>(store_, nullptr, std::move(cfg), clock_,
                                                      ev.dump() + "\n")};
  }
  return {headers, std::make_shared<ApiWatchStream>(store_, std::move(w).value(), std::move(cfg), clock_)};
}

Result<ObjectPtr> ResourceHandler::CreateObject(const ResourceInfo& info, nlohmann::json obj,
                                                bool dry_run) {
  nlohmann::json& meta = EnsureObject(obj, "metadata");
  std::string ns = GetString(obj, {"metadata", "namespace"});
  if (info.namespaced) {
    Result<ObjectPtr> nsobj = store_->Get({"", "namespaces", "/namespaces"}, "", ns);
    if (!nsobj.ok()) return NotFound({"", "namespaces", "/namespaces"}, ns);
    if (!GetString(**nsobj, {"metadata", "deletionTimestamp"}).empty() ||
        GetString(**nsobj, {"status", "phase"}) == "Terminating") {
      return Forbidden(info.Ref().Qualified() + " \"" + NameOf(obj) +
                           "\" is forbidden: unable to create new content in namespace " + ns +
                           " because it is being terminated",
                       {{"name", NameOf(obj)}, {"kind", info.plural},
                        {"causes", {{{"reason", "NamespaceTerminating"},
                                     {"message", "namespace " + ns + " is being terminated"},
                                     {"field", "metadata.namespace"}}}}});
    }
  }
  std::string generate = GetString(obj, {"metadata", "generateName"});
  bool generated = NameOf(obj).empty();
  if (generated && generate.empty()) {
    return Invalid(info.kind, info.group, "",
                   {RequiredCause("metadata.name", "name or generateName is required")});
  }
  for (int attempt = 0;; ++attempt) {
    nlohmann::json candidate = obj;
    if (generated) candidate["metadata"]["name"] = generate + RandomSuffix(5);
    SANDBOX_RETURN_IF_ERROR(ValidateName(info, NameOf(candidate)));
    SANDBOX_RETURN_IF_ERROR(PrepareCreate(info, &candidate, clock_->Now()));
    if (dry_run) return std::make_shared<const nlohmann::json>(std::move(candidate));
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
  (void)meta;
}

Result<HttpResponse> ResourceHandler::Create(const ResourceInfo& info, const ResourcePath& p,
                                             const Query& q, const nlohmann::json& body) {
  if (!body.is_object()) return BadRequest("the object must be a JSON object");
  if (body.contains("kind") && body["kind"].is_string() && body["kind"] != info.kind &&
      !(IsEventsV1(info) && body["kind"] == "Event")) {
    return BadRequest("the kind of the object (" + body["kind"].get<std::string>() +
                      ") does not match the resource (" + info.kind + ")");
  }
  nlohmann::json obj = FromView(info, body);
  nlohmann::json& meta = EnsureObject(obj, "metadata");
  std::string body_ns = GetString(obj, {"metadata", "namespace"});
  if (info.namespaced) {
    if (body_ns.empty()) {
      meta["namespace"] = p.ns;
    } else if (body_ns != p.ns) {
      return BadRequest("the namespace of the provided object does not match the namespace sent on the request");
    }
  } else {
    meta.erase("namespace");
  }
  if (!GetString(obj, {"metadata", "resourceVersion"}).empty()) {
    return InternalError("resourceVersion should not be set on objects to be created");
  }
  if (info.group == "authorization.k8s.io") {
    // Access reviews are not stored: the sandbox authorizes every request.
    nlohmann::json review = body;
    review["status"] = {{"allowed", true}, {"reason", "the fairway sandbox allows every request"}};
    return JsonResponse(201, review);
  }
  bool dry_run = QueryValue(q, "dryRun") == "All";
  SANDBOX_ASSIGN_OR_RETURN(ObjectPtr stored, CreateObject(info, std::move(obj), dry_run));
  return ObjectResponse(201, info, *stored, nullptr);
}

Result<ObjectStore::WriteResult> ResourceHandler::MutateObject(const ResourceInfo& info,
                                                               const std::string& ns,
                                                               const std::string& name,
                                                               const ObjectStore::MutateFn& fn) {
  SANDBOX_ASSIGN_OR_RETURN(ObjectStore::WriteResult r, store_->Mutate(info.Ref(), ns, name, fn));
  AfterWrite(info, r);
  return r;
}

Result<HttpResponse> ResourceHandler::Update(const ResourceInfo& info, const ResourcePath& p,
                                             const Query& q, const nlohmann::json& body) {
  if (!body.is_object()) return BadRequest("the object must be a JSON object");
  nlohmann::json obj = FromView(info, body);
  nlohmann::json& meta = EnsureObject(obj, "metadata");
  std::string body_name = GetString(obj, {"metadata", "name"});
  if (!body_name.empty() && body_name != p.name) {
    return BadRequest("the name of the object (" + body_name +
                      ") does not match the name on the URL (" + p.name + ")");
  }
  meta["name"] = p.name;
  std::string body_ns = GetString(obj, {"metadata", "namespace"});
  if (info.namespaced) {
    if (!body_ns.empty() && body_ns != p.ns) {
      return BadRequest("the namespace of the provided object does not match the namespace sent on the request");
    }
    meta["namespace"] = p.ns;
  } else {
    meta.erase("namespace");
  }
  bool dry_run = QueryValue(q, "dryRun") == "All";
  WallTime now = clock_->Now();
  ObjectStore::MutateFn fn = [&](const nlohmann::json& cur) -> Result<Mutation> {
    Result<Mutation> m = PrepareUpdate(info, p.subresource, cur, obj, false, now);
    if (m.ok() && dry_run) {
      Mutation noop;
      noop.kind = Mutation::kNoop;
      return noop;
    }
    return m;
  };
  SANDBOX_ASSIGN_OR_RETURN(ObjectStore::WriteResult r, MutateObject(info, p.ns, p.name, fn));
  return ObjectResponse(200, info, *r.object, nullptr);
}

Result<HttpResponse> ResourceHandler::Patch(const ResourceInfo& info, const ResourcePath& p,
                                            const Query& q, const HttpRequest& req) {
  SANDBOX_ASSIGN_OR_RETURN(PatchType type, ParsePatchType(req.Header("content-type")));
  if (type == PatchType::kStrategic && info.custom) {
    return UnsupportedMediaType(
        "the body of the request was in an unknown format - accepted media types include: "
        "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml");
  }
  nlohmann::json patch = nlohmann::json::parse(req.body, nullptr, false);
  if (patch.is_discarded()) return BadRequest("the body of the request could not be decoded: invalid JSON");
  if (type == PatchType::kApply && QueryValue(q, "fieldManager").empty()) {
    return BadRequest("PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: "
                      "is required for apply patch");
  }
  WallTime now = clock_->Now();
  ObjectStore::MutateFn fn = [&](const nlohmann::json& cur) -> Result<Mutation> {
    nlohmann::json view = ToView(info, cur);
    Result<nlohmann::json> patched = nlohmann::json();
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
    nlohmann::json incoming = FromView(info, *patched);
    if (type == PatchType::kApply) {
      // Apply is not conditional on a resourceVersion the client did not send.
      if (!patch.contains("metadata") || !patch["metadata"].contains("resourceVersion")) {
        EnsureObject(incoming, "metadata")["resourceVersion"] = cur["metadata"]["resourceVersion"];
      }
    }
    return PrepareUpdate(info, p.subresource, cur, std::move(incoming), true, now);
  };
  Result<ObjectStore::WriteResult> r = MutateObject(info, p.ns, p.name, fn);
  if (!r.ok() && type == PatchType::kApply && r.error().code() == 404 && p.subresource.empty()) {
    // Server-side apply creates.
    nlohmann::json obj = FromView(info, patch);
    nlohmann::json& meta = EnsureObject(obj, "metadata");
    meta["name"] = p.name;
    if (info.namespaced) meta["namespace"] = p.ns;
    SANDBOX_ASSIGN_OR_RETURN(ObjectPtr stored, CreateObject(info, std::move(obj), false));
    return ObjectResponse(201, info, *stored, nullptr);
  }
  if (!r.ok()) return r.error();
  return ObjectResponse(200, info, *r->object, nullptr);
}

Result<ObjectStore::WriteResult> ResourceHandler::DeleteObject(const ResourceInfo& info,
                                                               const std::string& ns,
                                                               const std::string& name,
                                                               const DeleteOptions& options) {
  WallTime now = clock_->Now();
  return MutateObject(info, ns, name, [&](const nlohmann::json& cur) {
    return PrepareDelete(info, cur, options, now);
  });
}

Result<HttpResponse> ResourceHandler::Delete(const ResourceInfo& info, const ResourcePath& p,
                                             const Query& q, const std::string& body) {
  SANDBOX_ASSIGN_OR_RETURN(DeleteOptions options, ParseDeleteOptions(q, body));
  if (QueryValue(q, "dryRun") == "All") {
    SANDBOX_ASSIGN_OR_RETURN(ObjectPtr obj, store_->Get(info.Ref(), p.ns, p.name));
    return ObjectResponse(200, info, *obj, nullptr);
  }
  SANDBOX_ASSIGN_OR_RETURN(ObjectStore::WriteResult r, DeleteObject(info, p.ns, p.name, options));
  if (r.removed && info.custom) {
    nlohmann::json details = {{"name", p.name}, {"group", info.group}, {"kind", info.plural},
                              {"uid", GetString(*r.object, {"metadata", "uid"})}};
    return JsonResponse(200, SuccessStatus(0, details));
  }
  return ObjectResponse(200, info, *r.object, nullptr);
}

Result<HttpResponse> ResourceHandler::DeleteCollection(const ResourceInfo& info,
                                                       const ResourcePath& p, const Query& q,
                                                       const std::string& body) {
  SANDBOX_ASSIGN_OR_RETURN(ObjectFilter filter, ParseFilter(info, q));
  SANDBOX_ASSIGN_OR_RETURN(DeleteOptions options, ParseDeleteOptions(q, body));
  ObjectStore::Snapshot snap = store_->List(info.bucket, p.ns);
  nlohmann::json items = nlohmann::json::array();
  for (const ObjectPtr& o : snap.items) {
    if (!filter.Matches(*o)) continue;
    Result<ObjectStore::WriteResult> r = DeleteObject(info, NamespaceOf(*o), NameOf(*o), options);
    if (r.ok()) items.push_back(ToView(info, *r->object));
  }
  return JsonResponse(200, {{"kind", info.list_kind},
                            {"apiVersion", info.GroupVersion()},
                            {"metadata", {{"resourceVersion", std::to_string(store_->CurrentRv())}}},
                            {"items", items}});
}

void ResourceHandler::AfterWrite(const ResourceInfo& info, const ObjectStore::WriteResult& result) {
  if (!result.changed || !result.object) return;
  const nlohmann::json& obj = *result.object;
  if (const nlohmann::json* refs = GetPath(obj, {"metadata", "ownerReferences"});
      refs && refs->is_array() && !refs->empty()) {
    owner_refs_seen_ = true;
  }
  bool is_crd = info.group == "apiextensions.k8s.io" && info.plural == "customresourcedefinitions";
  if (result.removed) {
    AfterRemove(info, obj);
    return;
  }
  if (is_crd) {
    Result<std::vector<ResourceInfo>> infos = ResourceInfosFromCrd(obj);
    if (infos.ok() && !infos->empty()) {
      registry_->Remove(infos->front().group, infos->front().plural);
      for (ResourceInfo& ri : infos.value()) registry_->Add(std::move(ri));
    }
  }
}

void ResourceHandler::AfterRemove(const ResourceInfo& info, const nlohmann::json& last) {
  if (info.group == "apiextensions.k8s.io" && info.plural == "customresourcedefinitions") {
    std::string group = GetString(last, {"spec", "group"});
    std::string plural = GetString(last, {"spec", "names", "plural"});
    store_->RemoveBucket(group + "/" + plural);
    registry_->Remove(group, plural);
  }
  if (info.group.empty() && info.plural == "namespaces") {
    std::string ns = NameOf(last);
    std::set<std::string> done;
    for (const ResourceInfoPtr& ri : registry_->All()) {
      if (!ri->namespaced || !done.insert(ri->bucket).second) continue;
      for (const ObjectPtr& o : store_->List(ri->bucket, ns).items) {
        (void)store_->Mutate(ri->Ref(), ns, NameOf(*o), [](const nlohmann::json&) {
          Mutation m;
          m.kind = Mutation::kRemove;
          return Result<Mutation>(m);
        });
      }
    }
  }
  std::string uid = GetString(last, {"metadata", "uid"});
  if (!uid.empty() && owner_refs_seen_.load()) CollectGarbage(uid);
}

void ResourceHandler::CollectGarbage(const std::string& owner_uid) {
  std::set<std::string> done;
  for (const ResourceInfoPtr& ri : registry_->All()) {
    if (!done.insert(ri->bucket).second) continue;
    for (const ObjectPtr& o : store_->List(ri->bucket, "").items) {
      const nlohmann::json* refs = GetPath(*o, {"metadata", "ownerReferences"});
      if (refs == nullptr || !refs->is_array()) continue;
      bool owned = false;
      bool other_owner = false;
      for (const auto& r : *refs) {
        if (r.value("uid", "") == owner_uid) {
          owned = true;
        } else {
          other_owner = true;
        }
      }
      if (!owned) continue;
      if (!other_owner) {
        (void)DeleteObject(*ri, NamespaceOf(*o), NameOf(*o), DeleteOptions{});
      } else {
        (void)MutateObject(*ri, NamespaceOf(*o), NameOf(*o), [&](const nlohmann::json& cur) {
          Mutation m;
          m.kind = Mutation::kReplace;
          m.object = cur;
          nlohmann::json kept = nlohmann::json::array();
          for (const auto& r : cur["metadata"]["ownerReferences"]) {
            if (r.value("uid", "") != owner_uid) kept.push_back(r);
          }
          m.object["metadata"]["ownerReferences"] = kept;
          return Result<Mutation>(m);
        });
      }
    }
  }
}

Result<HttpResponse> ResourceHandler::Binding(const ResourceInfo& info, const ResourcePath& p,
                                              const nlohmann::json& body) {
  ResourceRef ref{"", "pods/binding", info.bucket};
  std::string body_name = GetString(body, {"metadata", "name"});
  if (!body_name.empty() && body_name != p.name) {
    return BadRequest("the name of the object (" + body_name +
                      ") does not match the name on the URL (" + p.name + ")");
  }
  std::string target_kind = GetString(body, {"target", "kind"});
  std::string node = GetString(body, {"target", "name"});
  if (!target_kind.empty() && target_kind != "Node") {
    return Invalid("Binding", "", p.name, {NotSupportedCause("target.kind", target_kind, {"Node"})});
  }
  if (node.empty()) return Invalid("Binding", "", p.name, {RequiredCause("target.name")});
  std::string uid = GetString(body, {"metadata", "uid"});
  std::string rv = GetString(body, {"metadata", "resourceVersion"});
  const nlohmann::json* annotations = GetPath(body, {"metadata", "annotations"});
  WallTime now = clock_->Now();
  SANDBOX_ASSIGN_OR_RETURN(
      ObjectStore::WriteResult r,
      MutateObject(info, p.ns, p.name, [&](const nlohmann::json& cur) -> Result<Mutation> {
        std::string cur_uid = GetString(cur, {"metadata", "uid"});
        if (!uid.empty() && uid != cur_uid) {
          return Conflict(ref, p.name, "Precondition failed: UID in precondition: " + uid +
                                           ", UID in object meta: " + cur_uid);
        }
        if (!rv.empty() && rv != GetString(cur, {"metadata", "resourceVersion"})) {
          return StaleConflict(ref, p.name);
        }
        if (!GetString(cur, {"metadata", "deletionTimestamp"}).empty()) {
          return Conflict(ref, p.name, "pod " + p.name + " is being deleted, cannot be assigned to a host");
        }
        std::string bound = GetString(cur, {"spec", "nodeName"});
        if (!bound.empty()) {
          return Conflict(ref, p.name, "pod " + p.name + " is already assigned to node \"" + bound + "\"");
        }
        if (const nlohmann::json* g = GetPath(cur, {"spec", "schedulingGates"}); g && g->is_array() && !g->empty()) {
          return Conflict(ref, p.name, "pod " + p.name + " has non-empty .spec.schedulingGates");
        }
        Mutation m;
        m.kind = Mutation::kReplace;
        m.object = cur;
        m.object["spec"]["nodeName"] = node;
        if (annotations != nullptr && annotations->is_object()) {
          nlohmann::json& a = EnsureObject(m.object["metadata"], "annotations");
          for (auto it = annotations->begin(); it != annotations->end(); ++it) a[it.key()] = *it;
        }
        nlohmann::json& status = EnsureObject(m.object, "status");
        status.erase("nominatedNodeName");
        nlohmann::json cond = {{"type", "PodScheduled"}, {"status", "True"}, {"lastProbeTime", nullptr},
                               {"lastTransitionTime", FormatTime(now)}};
        nlohmann::json conds = nlohmann::json::array();
        if (status.contains("conditions") && status["conditions"].is_array()) {
          for (const auto& c : status["conditions"]) {
            if (c.value("type", "") != "PodScheduled") conds.push_back(c);
          }
        }
        conds.insert(conds.begin(), cond);
        status["conditions"] = conds;
        return m;
      }));
  (void)r;
  return JsonResponse(201, SuccessStatus(201));
}

Result<HttpResponse> ResourceHandler::Eviction(const ResourceInfo& info, const ResourcePath& p,
                                               const nlohmann::json& body) {
  SANDBOX_ASSIGN_OR_RETURN(ObjectPtr pod, store_->Get(info.Ref(), p.ns, p.name));
  std::string phase = GetString(*pod, {"status", "phase"});
  if (phase != "Succeeded" && phase != "Failed") {
    int matching = 0;
    bool blocked = false;
    for (const ObjectPtr& pdb : store_->List("policy/poddisruptionbudgets", p.ns).items) {
      const nlohmann::json* sel = GetPath(*pdb, {"spec", "selector", "matchLabels"});
      if (sel == nullptr || !sel->is_object()) continue;
      const nlohmann::json* labels = GetPath(*pod, {"metadata", "labels"});
      bool match = true;
      for (auto it = sel->begin(); it != sel->end(); ++it) {
        match = match && labels != nullptr && labels->is_object() && labels->contains(it.key()) &&
                (*labels)[it.key()] == *it;
      }
      if (!match) continue;
      ++matching;
      const nlohmann::json* allowed = GetPath(*pdb, {"status", "disruptionsAllowed"});
      if (allowed != nullptr && allowed->is_number() && allowed->get<int64_t>() <= 0) blocked = true;
    }
    if (matching > 1) {
      return InternalError("This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.");
    }
    if (blocked) {
      ApiError e(429, "TooManyRequests", "Cannot evict pod as it would violate the pod's disruption budget.",
                 {{"causes", {{{"reason", "DisruptionBudget"},
                               {"message", "The disruption budget needs more healthy pods to be available."}}}}});
      return e;
    }
  }
  DeleteOptions options;
  if (const nlohmann::json* g = GetPath(body, {"deleteOptions", "gracePeriodSeconds"}); g && g->is_number_integer()) {
    options.grace_period_s = g->get<int64_t>();
  }
  SANDBOX_ASSIGN_OR_RETURN(ObjectStore::WriteResult r, DeleteObject(info, p.ns, p.name, options));
  (void)r;
  return JsonResponse(201, SuccessStatus(201));
}

Result<HttpResponse> ResourceHandler::Scale(const ResourceInfo& info, const ResourcePath& p,
                                            const HttpRequest& req) {
  const ScaleSubresource& sc = *info.scale;
  auto to_scale = [&](const nlohmann::json& obj) {
    nlohmann::json s = {{"kind", "Scale"}, {"apiVersion", "autoscaling/v1"}};
    s["metadata"] = {{"name", NameOf(obj)}, {"resourceVersion", GetString(obj, {"metadata", "resourceVersion"})},
                     {"uid", GetString(obj, {"metadata", "uid"})},
                     {"creationTimestamp", GetString(obj, {"metadata", "creationTimestamp"})}};
    if (info.namespaced) s["metadata"]["namespace"] = NamespaceOf(obj);
    const nlohmann::json* spec = Lookup(obj, DotPath(sc.spec_replicas_path));
    const nlohmann::json* status = Lookup(obj, DotPath(sc.status_replicas_path));
    s["spec"] = {{"replicas", spec && spec->is_number() ? spec->get<int64_t>() : 0}};
    s["status"] = {{"replicas", status && status->is_number() ? status->get<int64_t>() : 0}};
    if (!sc.label_selector_path.empty()) {
      const nlohmann::json* sel = Lookup(obj, DotPath(sc.label_selector_path));
      if (sel && sel->is_string()) s["status"]["selector"] = *sel;
    }
    return s;
  };
  if (req.method == "GET") {
    SANDBOX_ASSIGN_OR_RETURN(ObjectPtr obj, store_->Get(info.Ref(), p.ns, p.name));
    return JsonResponse(200, to_scale(*obj));
  }
  if (req.method != "PUT" && req.method != "PATCH") {
    return MethodNotAllowed("the server does not allow this method on the requested resource");
  }
  nlohmann::json body = nlohmann::json::parse(req.body, nullptr, false);
  if (body.is_discarded()) return BadRequest("the body of the request could not be decoded: invalid JSON");
  Result<PatchType> ptype = PatchType::kMerge;
  if (req.method == "PATCH") {
    ptype = ParsePatchType(req.Header("content-type"));
    if (!ptype.ok()) return ptype.error();
  }
  WallTime now = clock_->Now();
  SANDBOX_ASSIGN_OR_RETURN(
      ObjectStore::WriteResult r,
      MutateObject(info, p.ns, p.name, [&](const nlohmann::json& cur) -> Result<Mutation> {
        nlohmann::json scale = to_scale(cur);
        nlohmann::json next_scale;
        if (req.method == "PUT") {
          next_scale = body;
          std::string rv = GetString(body, {"metadata", "resourceVersion"});
          if (!rv.empty() && rv != GetString(cur, {"metadata", "resourceVersion"})) {
            return StaleConflict(info.Ref(), p.name);
          }
        } else {
          Result<nlohmann::json> patched = *ptype == PatchType::kJson ? ApplyJsonPatch(scale, body)
                                                                      : ApplyMergePatch(scale, body);
          if (!patched.ok()) return patched.error();
          next_scale = *patched;
        }
        const nlohmann::json* replicas = GetPath(next_scale, {"spec", "replicas"});
        if (replicas == nullptr || !replicas->is_number_integer() || replicas->get<int64_t>() < 0) {
          return Invalid("Scale", "autoscaling", p.name,
                         {InvalidCause("spec.replicas", replicas ? *replicas : nlohmann::json(),
                                       "must be greater than or equal to 0")});
        }
        nlohmann::json next = cur;
        nlohmann::json* target = &next;
        std::vector<std::string> path = DotPath(sc.spec_replicas_path);
        for (size_t i = 0; i + 1 < path.size(); ++i) target = &EnsureObject(*target, path[i]);
        (*target)[path.back()] = *replicas;
        return PrepareUpdate(info, "", cur, next, true, now);
      }));
  return JsonResponse(200, to_scale(*r.object));
}

}  // namespace fairway::sandbox::internal
