#include "sandbox/internal/resource_handler.h"

#include <set>

#include "common/base64.h"
#include "sandbox/internal/handler_helpers.h"
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

constexpr char kMethodNotAllowed[] =
    "the server does not allow this method on the requested resource";

// Admission webhook warnings as `Warning: 299 - "text"` headers (duplicates once, as upstream's
// warning recorder).
void AddWarningHeaders(const std::vector<std::string>& warnings, HttpResponse* response) {
  std::set<std::string> seen;
  for (const std::string& w : warnings) {
    if (!seen.insert(w).second) continue;
    std::string escaped;
    for (char c : w) {
      if (c == '"' || c == '\\') escaped.push_back('\\');
      escaped.push_back(c == '\n' || c == '\r' ? ' ' : c);
    }
    response->headers.emplace_back("Warning", "299 - \"" + escaped + "\"");
  }
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

// The autoscaling/v1 Scale view of an object with a scale subresource.
nlohmann::json ScaleOf(const ResourceInfo& info, const nlohmann::json& obj) {
  const ScaleSubresource& sc = *info.scale;
  nlohmann::json s = {{"kind", "Scale"}, {"apiVersion", "autoscaling/v1"}};
  s["metadata"] = {{"name", NameOf(obj)},
                   {"resourceVersion", GetString(obj, {"metadata", "resourceVersion"})},
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
}

// The update of `cur` that sets its replicas from a new Scale.
Result<Mutation> ApplyScale(const ResourceInfo& info, const std::string& name,
                            const nlohmann::json& cur, const nlohmann::json& next_scale,
                            WallTime now) {
  const nlohmann::json* replicas = GetPath(next_scale, {"spec", "replicas"});
  if (replicas == nullptr || !replicas->is_number_integer() || replicas->get<int64_t>() < 0) {
    return Invalid("Scale", "autoscaling", name,
                   {InvalidCause("spec.replicas", replicas ? *replicas : nlohmann::json(),
                                 "must be greater than or equal to 0")});
  }
  nlohmann::json next = cur;
  nlohmann::json* target = &next;
  std::vector<std::string> path = DotPath(info.scale->spec_replicas_path);
  for (size_t i = 0; i + 1 < path.size(); ++i) target = &EnsureObject(*target, path[i]);
  (*target)[path.back()] = *replicas;
  return PrepareUpdate(info, "", cur, next, true, now);
}

}  // namespace

ResourceHandler::ResourceHandler(ObjectStore* store, ResourceRegistry* registry, Clock* clock,
                                 const ApiServer::Options& options, const Authorizer* authorizer,
                                 AdmissionWebhooks* admission)
    : store_(store),
      registry_(registry),
      clock_(clock),
      options_(options),
      authorizer_(authorizer),
      admission_(admission) {}

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

HandlerReply ResourceHandler::Handle(const HttpRequest& req, const ResourcePath& p,
                                     const Query& q) {
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
  WriteContext ctx;
  ctx.req = &req;
  ctx.dry_run = QueryValue(q, "dryRun") == "All";
  ctx.admission = AdmissionMayApply(*info, p, verb);
  Result<FieldValidation> validation = ParseFieldValidation(q, verb);
  if (!validation.ok()) return {ErrorResponse(validation.error()), nullptr};
  ctx.field_validation = *validation;
  ctx.field_manager = QueryValue(q, "fieldManager");
  if (ctx.field_manager.empty()) ctx.field_manager = DefaultFieldManager(req.Header("user-agent"));
  ctx.force = QueryBool(q, "force");
  Result<HttpResponse> r = Route(*info, p, q, verb, &ctx);
  HttpResponse response = r.ok() ? std::move(r).value() : ErrorResponse(r.error());
  AddWarningHeaders(ctx.warnings, &response);
  return {std::move(response), nullptr};
}

bool ResourceHandler::AdmissionMayApply(const ResourceInfo& info, const ResourcePath& p,
                                        const std::string& verb) const {
  std::vector<std::string> operations;
  if (verb == "create") {
    operations = {"CREATE"};
  } else if (verb == "update") {
    operations = {"UPDATE"};
  } else if (verb == "patch") {
    operations = {"UPDATE", "CREATE"};  // server-side apply may create
  } else if (verb == "delete" || verb == "deletecollection") {
    operations = {"DELETE"};
  }
  AdmissionAttributes a;
  a.resource = {info.group, info.version, info.plural};
  a.subresource = p.subresource;
  for (const std::string& op : operations) {
    a.operation = op;
    if (admission_->MayMatch(a)) return true;
  }
  return false;
}

Result<HttpResponse> ResourceHandler::Route(const ResourceInfo& info, const ResourcePath& p,
                                            const Query& q, const std::string& verb,
                                            WriteContext* ctx) {
  const HttpRequest& req = *ctx->req;
  const std::string& sub = p.subresource;
  if (!sub.empty()) {
    bool known = (sub == "status" && info.status_subresource) || (sub == "scale" && info.scale) ||
                 std::find(info.extra_subresources.begin(), info.extra_subresources.end(), sub) !=
                     info.extra_subresources.end();
    if (!known) return PathNotFound();
    if (sub == "binding" || sub == "eviction") {
      if (req.method != "POST") return MethodNotAllowed(kMethodNotAllowed);
      SANDBOX_ASSIGN_OR_RETURN(nlohmann::json body,
                               sub == "binding" ? ParseRequestBody(req, "v1", "Binding")
                                                : ParseRequestBody(req, "policy/v1", "Eviction"));
      return sub == "binding" ? Binding(info, p, body, ctx) : Eviction(info, p, body, ctx);
    }
    if (sub == "scale") return Scale(info, p, req, ctx);
  }
  if (verb == "get") return Get(info, p, q, req);
  if (verb == "list") {
    if (!sub.empty()) return PathNotFound();
    return List(info, p, q, req);
  }
  if (verb == "create") {
    if (!p.name.empty() || (info.namespaced && p.ns.empty())) {
      return MethodNotAllowed(kMethodNotAllowed);
    }
    SANDBOX_ASSIGN_OR_RETURN(nlohmann::json body,
                             ParseRequestBody(req, info.GroupVersion(), info.kind));
    return Create(info, p, body, ctx);
  }
  if (verb == "update") {
    SANDBOX_ASSIGN_OR_RETURN(nlohmann::json body,
                             ParseRequestBody(req, info.GroupVersion(), info.kind));
    return Update(info, p, body, ctx);
  }
  if (verb == "patch") return Patch(info, p, q, ctx);
  if (verb == "delete") {
    if (!sub.empty()) return MethodNotAllowed(kMethodNotAllowed);
    return Delete(info, p, q, ctx);
  }
  if (verb == "deletecollection") return DeleteCollection(info, p, q, ctx);
  return MethodNotAllowed(kMethodNotAllowed);
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
      return Invalid(
          "ListOptions", "meta.k8s.io", "",
          {ForbiddenCause("resourceVersionMatch",
                          "resourceVersionMatch is forbidden unless resourceVersion is provided")});
    }
    if (!cont.empty()) {
      return Invalid(
          "ListOptions", "meta.k8s.io", "",
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
    return {ErrorResponse(BadRequest(
                "sendInitialEvents is not supported by the fairway sandbox; use list+watch")),
            nullptr};
  }
  ApiWatchStream::Config cfg;
  cfg.info = info;
  cfg.filter = std::move(filter).value();
  if (!p.name.empty()) {
    // /watch/.../NAME: watch one object.
    Result<FieldSelector> by_name =
        FieldSelector::Parse("metadata.name=" + p.name, info->group, info->plural, info->custom);
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
  return {headers,
          std::make_shared<ApiWatchStream>(store_, std::move(w).value(), std::move(cfg), clock_)};
}

void ResourceHandler::AfterWrite(const ResourceInfo& info, const ObjectStore::WriteResult& result) {
  if (!result.changed || !result.object) return;
  const nlohmann::json& obj = *result.object;
  if (const nlohmann::json* refs = GetPath(obj, {"metadata", "ownerReferences"});
      refs && refs->is_array() && !refs->empty()) {
    owner_refs_seen_ = true;
  }
  bool is_crd = info.group == "apiextensions.k8s.io" && info.plural == "customresourcedefinitions";
  if (info.group == "rbac.authorization.k8s.io" && info.plural == "clusterroles") {
    AggregateClusterRoles(info);
  }
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

void ResourceHandler::ReloadStoredState() {
  // Restored objects may carry owner references that no write announced.
  owner_refs_seen_ = true;
  ResourceInfoPtr crds = registry_->Find("apiextensions.k8s.io", "v1", "customresourcedefinitions");
  if (!crds) return;
  for (const ObjectPtr& crd : store_->List(crds->bucket, "").items) {
    ObjectStore::WriteResult registered;
    registered.object = crd;
    registered.changed = true;
    AfterWrite(*crds, registered);
  }
}

void ResourceHandler::AggregateClusterRoles(const ResourceInfo& info) {
  std::vector<ObjectPtr> roles = store_->List(info.bucket, "").items;
  for (const ObjectPtr& role : roles) {
    std::optional<nlohmann::json> rules = AggregatedRules(roles, NameOf(*role));
    if (!rules || role->value("rules", nlohmann::json()) == *rules) continue;
    const std::string rv = GetString(*role, {"metadata", "resourceVersion"});
    // Straight to the store: this write needs no cascades, and must not re-enter AfterWrite.
    (void)store_->Mutate(info.Ref(), "", NameOf(*role), [&](const nlohmann::json& cur) {
      Mutation m;
      if (GetString(cur, {"metadata", "resourceVersion"}) != rv) return Result<Mutation>(m);
      m.kind = Mutation::kReplace;
      m.object = cur;
      m.object["rules"] = *rules;
      return Result<Mutation>(m);
    });
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
                                              const nlohmann::json& request_body,
                                              WriteContext* ctx) {
  SANDBOX_ASSIGN_OR_RETURN(
      const nlohmann::json body,
      SubresourceCreateAdmission(info, p, {"", "v1", "Binding"}, request_body, ctx));
  ResourceRef ref{"", "pods/binding", info.bucket};
  std::string body_name = GetString(body, {"metadata", "name"});
  if (!body_name.empty() && body_name != p.name) {
    return BadRequest("the name of the object (" + body_name +
                      ") does not match the name on the URL (" + p.name + ")");
  }
  std::string target_kind = GetString(body, {"target", "kind"});
  std::string node = GetString(body, {"target", "name"});
  if (!target_kind.empty() && target_kind != "Node") {
    return Invalid("Binding", "", p.name,
                   {NotSupportedCause("target.kind", target_kind, {"Node"})});
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
          return Conflict(ref, p.name,
                          "Precondition failed: UID in precondition: " + uid +
                              ", UID in object meta: " + cur_uid);
        }
        if (!rv.empty() && rv != GetString(cur, {"metadata", "resourceVersion"})) {
          return StaleConflict(ref, p.name);
        }
        if (!GetString(cur, {"metadata", "deletionTimestamp"}).empty()) {
          return Conflict(ref, p.name,
                          "pod " + p.name + " is being deleted, cannot be assigned to a host");
        }
        std::string bound = GetString(cur, {"spec", "nodeName"});
        if (!bound.empty()) {
          return Conflict(ref, p.name,
                          "pod " + p.name + " is already assigned to node \"" + bound + "\"");
        }
        if (const nlohmann::json* g = GetPath(cur, {"spec", "schedulingGates"});
            g && g->is_array() && !g->empty()) {
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
        nlohmann::json cond = {{"type", "PodScheduled"},
                               {"status", "True"},
                               {"lastProbeTime", nullptr},
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
                                               const nlohmann::json& request_body,
                                               WriteContext* ctx) {
  SANDBOX_ASSIGN_OR_RETURN(ObjectPtr pod, store_->Get(info.Ref(), p.ns, p.name));
  SANDBOX_ASSIGN_OR_RETURN(
      const nlohmann::json body,
      SubresourceCreateAdmission(info, p, {"policy", "v1", "Eviction"}, request_body, ctx));
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
      if (allowed != nullptr && allowed->is_number() && allowed->get<int64_t>() <= 0)
        blocked = true;
    }
    if (matching > 1) {
      return InternalError(
          "This pod has more than one PodDisruptionBudget, which the eviction subresource does not "
          "support.");
    }
    if (blocked) {
      ApiError e(
          429, "TooManyRequests",
          "Cannot evict pod as it would violate the pod's disruption budget.",
          {{"causes",
            {{{"reason", "DisruptionBudget"},
              {"message", "The disruption budget needs more healthy pods to be available."}}}}});
      return e;
    }
  }
  DeleteOptions options;
  if (const nlohmann::json* g = GetPath(body, {"deleteOptions", "gracePeriodSeconds"});
      g && g->is_number_integer()) {
    options.grace_period_s = g->get<int64_t>();
  }
  SANDBOX_ASSIGN_OR_RETURN(ObjectStore::WriteResult r, DeleteObject(info, p.ns, p.name, options));
  (void)r;
  return JsonResponse(201, SuccessStatus(201));
}

Result<HttpResponse> ResourceHandler::Scale(const ResourceInfo& info, const ResourcePath& p,
                                            const HttpRequest& req, WriteContext* ctx) {
  if (req.method == "GET") {
    SANDBOX_ASSIGN_OR_RETURN(ObjectPtr obj, store_->Get(info.Ref(), p.ns, p.name));
    return JsonResponse(200, ScaleOf(info, *obj));
  }
  if (req.method != "PUT" && req.method != "PATCH") return MethodNotAllowed(kMethodNotAllowed);
  nlohmann::json body = nlohmann::json::parse(req.body, nullptr, false);
  if (body.is_discarded())
    return BadRequest("the body of the request could not be decoded: invalid JSON");
  Result<PatchType> ptype = PatchType::kMerge;
  if (req.method == "PATCH") {
    ptype = ParsePatchType(req.Header("content-type"));
    if (!ptype.ok()) return ptype.error();
  }
  const bool is_put = req.method == "PUT";
  WallTime now = clock_->Now();
  AdmissionAttributes attrs =
      AdmissionFor(info, p, "UPDATE",
                   WriteOptions(is_put ? "UpdateOptions" : "PatchOptions", ctx->dry_run), *ctx);
  attrs.kind = {"autoscaling", "v1", "Scale"};
  UpdateFn compute = [&](const nlohmann::json& cur) -> Result<Mutation> {
    nlohmann::json scale = ScaleOf(info, cur);
    nlohmann::json next_scale;
    if (is_put) {
      next_scale = body;
      std::string rv = GetString(body, {"metadata", "resourceVersion"});
      if (!rv.empty() && rv != GetString(cur, {"metadata", "resourceVersion"})) {
        return StaleConflict(info.Ref(), p.name);
      }
    } else {
      SANDBOX_ASSIGN_OR_RETURN(next_scale, *ptype == PatchType::kJson
                                               ? ApplyJsonPatch(scale, body)
                                               : ApplyMergePatch(scale, body));
    }
    if (!ctx->admission) return ApplyScale(info, p.name, cur, next_scale, now);
    AdmissionAttributes a = attrs;
    a.object = std::move(next_scale);
    a.old_object = scale;
    SANDBOX_ASSIGN_OR_RETURN(next_scale, admission_->Mutate(a, &ctx->warnings));
    SANDBOX_ASSIGN_OR_RETURN(Mutation m, ApplyScale(info, p.name, cur, next_scale, now));
    a.object = ScaleOf(info, m.kind == Mutation::kNoop ? cur : m.object);
    SANDBOX_RETURN_IF_ERROR(admission_->Validate(a, &ctx->warnings));
    return m;
  };
  SANDBOX_ASSIGN_OR_RETURN(ObjectStore::WriteResult r,
                           GuaranteedUpdate(info, p.ns, p.name, *ctx, compute));
  return JsonResponse(200, ScaleOf(info, *r.object));
}

}  // namespace fairway::sandbox::internal
