#include "sandbox/api_server.h"

#include "common/json_depth.h"
#include "sandbox/discovery.h"
#include "sandbox/internal/protobuf.h"
#include "sandbox/internal/request.h"
#include "sandbox/internal/resource_handler.h"
#include "sandbox/internal/util.h"

namespace fairway::sandbox {
namespace {

using internal::Query;

// Lower-case plural of a kind for CollectionPath when no registry entry matches.
std::string GuessPlural(const std::string& kind) {
  std::string l = internal::ToLower(kind);
  if (internal::EndsWith(l, "s")) return l + "es";
  if (internal::EndsWith(l, "y")) return l.substr(0, l.size() - 1) + "ies";
  return l + "s";
}

// Authorization attributes of a resource request (upstream RequestInfo rules).
AuthorizationAttributes ResourceAttributes(const UserInfo& user, const std::string& verb,
                                           const internal::ResourcePath& rp, const Query& query) {
  AuthorizationAttributes a;
  a.user = user;
  a.verb = verb;
  a.api_group = rp.group;
  a.api_version = rp.version;
  a.resource = rp.resource;
  a.subresource = rp.subresource;
  a.name = rp.name;
  a.ns = rp.ns;
  // A namespace is in itself: a RoleBinding in "team-a" may grant `get namespaces/team-a`.
  if (rp.group.empty() && rp.resource == "namespaces" && !rp.name.empty()) a.ns = rp.name;
  // list/watch narrowed to one name by field selector authorize as that name (kubectl get -w X).
  if ((verb == "list" || verb == "watch") && a.name.empty()) {
    auto it = query.find("fieldSelector");
    std::string selector = it == query.end() ? "" : it->second;
    size_t start = 0;
    while (start <= selector.size()) {
      size_t comma = selector.find(',', start);
      std::string part =
          selector.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
      for (const char* prefix : {"metadata.name==", "metadata.name="}) {
        if (a.name.empty() && internal::StartsWith(part, prefix)) {
          a.name = part.substr(std::string(prefix).size());
        }
      }
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  }
  return a;
}

// 400 for a JSON or YAML body nested deeper than kMaxJsonDepth, before anything parses it: the
// parsed body's recursive walks (schema pruning and validation, copies, serialization) would
// overflow the handler thread's stack. Protobuf bodies are binary and decode into fixed types.
MaybeError CheckBodyDepth(const HttpRequest& req) {
  if (req.body.empty() || internal::protobuf::IsProtobufContentType(req.Header("content-type"))) {
    return std::nullopt;
  }
  if (JsonDepth(req.body, kMaxJsonDepth) <= kMaxJsonDepth) return std::nullopt;
  return BadRequest("the body of the request could not be decoded: it nests more than " +
                    std::to_string(kMaxJsonDepth) + " levels deep");
}

AuthorizationAttributes NonResourceAttributes(const UserInfo& user, const std::string& verb,
                                              const std::string& path) {
  AuthorizationAttributes a;
  a.user = user;
  a.verb = verb;
  a.resource_request = false;
  a.path = path;
  return a;
}

}  // namespace

HttpResponse ErrorResponse(const ApiError& error) {
  HttpResponse r;
  r.status = error.code();
  r.body = error.ToStatusJson().dump();
  r.headers = error.headers();
  return r;
}

HttpResponse JsonResponse(int status, const nlohmann::json& body) {
  HttpResponse r;
  r.status = status;
  r.body = body.dump();
  return r;
}

ApiServer::ApiServer(Clock* clock) : ApiServer(clock, Options{}) {}

ApiServer::ApiServer(Clock* clock, Options options)
    : clock_(clock),
      options_(options),
      store_(std::make_unique<ObjectStore>(ObjectStore::Options{options.history_limit, 100000})),
      registry_(std::make_unique<ResourceRegistry>()),
      faults_(std::make_unique<FaultInjector>()),
      authenticator_(std::make_unique<Authenticator>(options.tokens)),
      authorizer_(std::make_unique<Authorizer>(store_.get(), options.tokens.has_value())),
      admission_(std::make_unique<AdmissionWebhooks>(
          store_.get(), AdmissionWebhooks::Options{options.webhook_service_addresses})) {
  RegisterBuiltins(registry_.get());
  resources_ = std::make_unique<internal::ResourceHandler>(
      store_.get(), registry_.get(), clock_, options_, authorizer_.get(), admission_.get());
  for (const char* ns : {"default", "kube-system", "kube-public", "kube-node-lease"}) {
    Result<nlohmann::json> r =
        Call("POST", "/api/v1/namespaces",
             {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", ns}}}});
    (void)r;
  }
  Result<nlohmann::json> sa = Call("POST", "/api/v1/namespaces/default/serviceaccounts",
                                   {{"metadata", {{"name", "default"}}}});
  (void)sa;
  // kube-apiserver's bootstrap RBAC policy, so kubectl meets the roles it knows.
  for (const nlohmann::json& object : DefaultRbacObjects()) {
    Result<nlohmann::json> r = Apply(object);
    (void)r;
  }
}

ApiServer::~ApiServer() { store_->CloseAllWatchers(); }

void ApiServer::ReloadStoredState() { resources_->ReloadStoredState(); }

void ApiServer::AddAdminRoute(const std::string& prefix, AdminHandler handler) {
  admin_routes_.emplace_back(prefix, std::move(handler));
}

HandlerReply ApiServer::Handle(const HttpRequest& request) {
  try {
    return HandleUnchecked(request, nullptr);
  } catch (const std::exception& e) {
    // Library edge: nlohmann/json and std throw; a bug must not take the server down.
    return {ErrorResponse(InternalError(std::string("internal error: ") + e.what())), nullptr};
  }
}

std::optional<HttpResponse> ApiServer::HandleAdmin(const HttpRequest& req,
                                                   const std::string& path) {
  const std::string rest = path.substr(std::string("/sandbox/").size());
  nlohmann::json body =
      req.body.empty() ? nlohmann::json::object() : nlohmann::json::parse(req.body, nullptr, false);
  if (body.is_discarded()) return ErrorResponse(BadRequest("invalid JSON body"));
  if (rest == "faults") {
    if (req.method == "GET") return JsonResponse(200, faults_->ToJson());
    if (req.method == "DELETE") {
      faults_->Clear();
      return JsonResponse(200, faults_->ToJson());
    }
    if (req.method == "POST") {
      nlohmann::json rules = body.contains("rules") ? body["rules"] : nlohmann::json::array({body});
      if (!rules.is_array()) return ErrorResponse(BadRequest("rules must be a list"));
      for (const auto& r : rules) {
        Result<FaultRule> rule = FaultRule::FromJson(r);
        if (!rule.ok()) return ErrorResponse(rule.error());
        faults_->AddRule(std::move(rule).value());
      }
      return JsonResponse(200, faults_->ToJson());
    }
  }
  if (rest == "faults/latency" && req.method == "POST") {
    faults_->SetLatency(std::chrono::milliseconds(body.value("milliseconds", 0)));
    return JsonResponse(200, faults_->ToJson());
  }
  if (rest == "faults/unauthorized" && req.method == "POST") {
    faults_->FailAuth(body.value("count", 1));
    return JsonResponse(200, faults_->ToJson());
  }
  if (rest == "watches/drop" && req.method == "POST") {
    store_->CloseAllWatchers();
    return JsonResponse(200, {{"dropped", true}});
  }
  if (rest == "compact" && req.method == "POST") {
    store_->Compact();
    return JsonResponse(200, {{"compactedResourceVersion", std::to_string(store_->CompactedRv())}});
  }
  for (const auto& [prefix, handler] : admin_routes_) {
    if (internal::StartsWith(rest, prefix)) return handler(req, rest.substr(prefix.size()));
  }
  return std::nullopt;
}

HandlerReply ApiServer::HandleUnchecked(const HttpRequest& req, const UserInfo* trusted) {
  std::string path;
  Query query;
  internal::SplitTarget(req.target, &path, &query);
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  if (MaybeError e = CheckBodyDepth(req)) return {ErrorResponse(*e), nullptr};

  if (internal::StartsWith(path, "/sandbox/")) {
    std::optional<HttpResponse> r = HandleAdmin(req, path);
    return {r ? *r : ErrorResponse(PathNotFound()), nullptr};
  }
  if (path == "/healthz" || path == "/readyz" || path == "/livez") {
    HttpResponse r;
    r.content_type = "text/plain";
    r.body = "ok";
    return {r, nullptr};
  }
  if (faults_->ConsumeAuthFailure()) return {ErrorResponse(Unauthorized()), nullptr};

  HttpRequest authed = req;
  if (trusted != nullptr) {
    authed.user = *trusted;
  } else {
    Result<UserInfo> user = Identify(req);
    if (!user.ok()) return {ErrorResponse(user.error()), nullptr};
    authed.user = std::move(user).value();  // never what the client claimed
  }
  return Serve(authed, path, query);
}

Result<UserInfo> ApiServer::Identify(const HttpRequest& req) const {
  SANDBOX_ASSIGN_OR_RETURN(UserInfo actor, authenticator_->Authenticate(req));
  return Impersonate(
      req, actor, [this](const AuthorizationAttributes& a) { return authorizer_->Authorize(a); });
}

HandlerReply ApiServer::Serve(const HttpRequest& req, const std::string& path, const Query& query) {
  std::vector<std::string> segs = internal::SplitPath(path);
  internal::ResourcePath rp;
  const bool resource_request = internal::ParseResourcePath(segs, &rp);
  const std::string verb = resource_request ? internal::ResourceHandler::Verb(req.method, rp, query)
                                            : internal::ToLower(req.method);
  AuthorizationAttributes attrs = resource_request ? ResourceAttributes(*req.user, verb, rp, query)
                                                   : NonResourceAttributes(*req.user, verb, path);
  AuthorizationDecision decision = authorizer_->Authorize(attrs);
  if (!decision.allowed) return {ErrorResponse(ForbiddenError(attrs, decision.reason)), nullptr};

  if (req.method == "GET") {
    if (std::optional<HttpResponse> doc = Discovery(req, path, segs)) return {*doc, nullptr};
  }
  if (!resource_request) return {ErrorResponse(PathNotFound()), nullptr};
  if (std::optional<ApiError> fault = faults_->Check(verb, rp.resource, rp.subresource)) {
    return {ErrorResponse(*fault), nullptr};
  }
  if (rp.group.empty() && rp.resource == "pods" && !rp.name.empty() &&
      (rp.subresource == "log" || rp.subresource == "exec" || rp.subresource == "attach" ||
       rp.subresource == "portforward")) {
    if (!pod_streams_) return {ErrorResponse(PathNotFound()), nullptr};
    return pod_streams_(req, rp.ns, rp.name, rp.subresource);
  }
  return resources_->Handle(req, rp, query);
}

void ApiServer::SetPodStreamHandler(PodStreamHandler handler) { pod_streams_ = std::move(handler); }

std::optional<HttpResponse> ApiServer::Discovery(const HttpRequest& req, const std::string& path,
                                                 const std::vector<std::string>& segs) const {
  if (path == "/version") return JsonResponse(200, VersionDoc(options_.version_minor));
  if (path == "/api") {
    std::string host = req.Header("host");
    return JsonResponse(200, ApiVersionsDoc(host.empty() ? "127.0.0.1:6443" : host));
  }
  if (path == "/apis") return JsonResponse(200, ApiGroupListDoc(*registry_));
  if (segs.size() == 2 && segs[0] == "apis") {
    auto doc = ApiGroupDoc(*registry_, segs[1]);
    return doc ? JsonResponse(200, *doc) : ErrorResponse(PathNotFound());
  }
  if ((segs.size() == 2 && segs[0] == "api") || (segs.size() == 3 && segs[0] == "apis")) {
    auto doc = segs[0] == "api" ? ApiResourceListDoc(*registry_, "", segs[1])
                                : ApiResourceListDoc(*registry_, segs[1], segs[2]);
    return doc ? JsonResponse(200, *doc) : ErrorResponse(PathNotFound());
  }
  if (path == "/openapi/v3") return JsonResponse(200, OpenApiV3Index(*registry_));
  if (internal::StartsWith(path, "/openapi/v3/")) {
    auto doc = OpenApiV3GroupVersion(*registry_, path.substr(std::string("/openapi/v3/").size()));
    return doc ? JsonResponse(200, *doc) : ErrorResponse(PathNotFound());
  }
  return std::nullopt;
}

Result<nlohmann::json> ApiServer::Call(const std::string& method, const std::string& target,
                                       const nlohmann::json& body,
                                       const std::string& content_type) {
  HttpRequest req;
  req.method = method;
  req.target = target;
  req.headers["content-type"] = content_type;
  req.headers["accept"] = "application/json";
  req.headers["user-agent"] = "fairway-sandbox";  // the field manager of in-process writes
  if (!body.is_null()) req.body = body.dump();
  static const UserInfo* const kLoopback = new UserInfo(LoopbackUser());
  HandlerReply reply;
  try {
    reply = HandleUnchecked(req, kLoopback);
  } catch (const std::exception& e) {
    return InternalError(std::string("internal error: ") + e.what());
  }
  if (reply.watch) {
    reply.watch->Close();
    return BadRequest("Call does not support watch requests");
  }
  nlohmann::json parsed = nlohmann::json::parse(reply.response.body, nullptr, false);
  if (reply.response.status >= 300) {
    if (parsed.is_object() && parsed.value("kind", "") == "Status") {
      return ApiError(parsed.value("code", reply.response.status), parsed.value("reason", ""),
                      parsed.value("message", ""),
                      parsed.contains("details") ? parsed["details"] : nlohmann::json());
    }
    return ApiError(reply.response.status, "Unknown", reply.response.body);
  }
  if (parsed.is_discarded()) return nlohmann::json(reply.response.body);
  return parsed;
}

Result<std::string> ApiServer::CollectionPath(const std::string& api_version,
                                              const std::string& kind,
                                              const std::string& ns) const {
  std::string group;
  std::string version = api_version;
  if (size_t slash = api_version.find('/'); slash != std::string::npos) {
    group = api_version.substr(0, slash);
    version = api_version.substr(slash + 1);
  }
  ResourceInfoPtr info;
  for (const ResourceInfoPtr& i : registry_->All()) {
    if (i->group == group && i->version == version && i->kind == kind) {
      info = i;
      break;
    }
  }
  if (!info) {
    return NotFound({group, GuessPlural(kind), ""}, "");
  }
  std::string prefix = group.empty() ? "/api/" + version : "/apis/" + group + "/" + version;
  if (info->namespaced) prefix += "/namespaces/" + (ns.empty() ? std::string("default") : ns);
  return prefix + "/" + info->plural;
}

Result<nlohmann::json> ApiServer::Apply(const nlohmann::json& object) {
  if (!object.is_object()) return BadRequest("manifest must be an object");
  std::string api_version = object.value("apiVersion", "");
  std::string kind = object.value("kind", "");
  std::string ns = internal::NamespaceOf(object);
  std::string name = internal::NameOf(object);
  SANDBOX_ASSIGN_OR_RETURN(std::string collection, CollectionPath(api_version, kind, ns));
  Result<nlohmann::json> created = Call("POST", collection, object);
  if (created.ok() || created.error().reason() != "AlreadyExists") return created;
  Result<nlohmann::json> current = Call("GET", collection + "/" + name);
  if (!current.ok()) return current;
  nlohmann::json replacement = object;
  replacement["metadata"]["resourceVersion"] = (*current)["metadata"]["resourceVersion"];
  return Call("PUT", collection + "/" + name, replacement);
}

}  // namespace fairway::sandbox
