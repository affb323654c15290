#include "sandbox/admission.h"

#include <algorithm>

#include "common/base64.h"
#include "common/json_depth.h"
#include "common/log.h"
#include "kube/http_transport.h"
#include "sandbox/authn.h"
#include "sandbox/internal/util.h"
#include "sandbox/patch.h"
#include "sandbox/selectors.h"

namespace fairway::sandbox {
namespace {

using internal::GetPath;
using internal::GetString;
using internal::GetStrings;
using nlohmann::json;

constexpr int kDefaultTimeoutS = 10;
constexpr size_t kMaxCachedTransports = 64;

const Logger& Log() {
  static const Logger logger("sandbox.admission");
  return logger;
}

// upstream rules.Matcher without the scope check.
bool RuleMatchesIgnoringScope(const json& rule, const AdmissionAttributes& a);

bool ContainsOrStar(const std::vector<std::string>& list, const std::string& value) {
  return std::any_of(list.begin(), list.end(),
                     [&](const std::string& v) { return v == "*" || v == value; });
}

// apierrors.NewInternalError: the message says so, the cause carries the detail.
ApiError InternalFailure(const std::string& detail) {
  return ApiError(500, "InternalError", "Internal error occurred: " + detail,
                  {{"causes", {{{"message", detail}}}}});
}

// A failed webhook call; the message is the detail after `failed calling webhook "NAME": `.
ApiError CallFailure(const std::string& detail) { return ApiError(500, "InternalError", detail); }

std::string ReasonForCode(int code) {
  switch (code) {
    case 400:
      return "BadRequest";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "NotFound";
    case 405:
      return "MethodNotAllowed";
    case 409:
      return "Conflict";
    case 410:
      return "Gone";
    case 422:
      return "Invalid";
    case 429:
      return "TooManyRequests";
    case 503:
      return "ServiceUnavailable";
    case 504:
      return "Timeout";
    default:
      return code >= 500 ? "InternalError" : "BadRequest";
  }
}

json Labels(const json& object) {
  const json* labels = GetPath(object, {"metadata", "labels"});
  return labels == nullptr ? json() : *labels;
}

// An empty or absent selector matches everything.
Result<bool> SelectorMatches(const json* selector, const json& labels) {
  if (selector == nullptr || selector->is_null() || (selector->is_object() && selector->empty())) {
    return true;
  }
  Result<LabelSelector> sel = LabelSelector::FromJson(*selector);
  if (!sel.ok()) return InternalFailure("invalid webhook selector: " + sel.error().message());
  return sel->Matches(labels);
}

// upstream object.Matcher: the new or the old object's labels.
Result<bool> ObjectSelectorMatches(const json& webhook, const AdmissionAttributes& a) {
  const json* selector = GetPath(webhook, {"objectSelector"});
  SANDBOX_ASSIGN_OR_RETURN(bool by_new, SelectorMatches(selector, Labels(a.object)));
  if (by_new) return true;
  return SelectorMatches(selector, Labels(a.old_object));
}

int TimeoutSeconds(const json& webhook) {
  const json* t = GetPath(webhook, {"timeoutSeconds"});
  if (t == nullptr || !t->is_number_integer()) return kDefaultTimeoutS;
  return std::clamp(t->get<int>(), 1, 30);
}

std::string HostPort(const std::string& host, int64_t port) {
  bool ipv6 = host.find(':') != std::string::npos && host.front() != '[';
  return (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

// The endpoint port for a Service port: by the service port's name when the Service exists
// (endpoint ports carry service port names), else by number; a lone port always fits.
int64_t PickPort(const json& ports, const json* service_port, int port) {
  if (!ports.is_array() || ports.empty()) return 0;
  for (const json& p : ports) {
    if (!p.is_object()) continue;
    bool by_name = service_port != nullptr &&
                   p.value("name", "") == service_port->value("name", std::string());
    bool by_number = service_port == nullptr && p.value("port", 0) == port;
    if (by_name || by_number) return p.value("port", 0);
  }
  return ports.size() == 1 && ports[0].is_object() ? ports[0].value("port", 0) : 0;
}

// The first ready address of an Endpoints object, with its port.
std::string FromEndpoints(const json& endpoints, const json* service_port, int port) {
  const json* subsets = GetPath(endpoints, {"subsets"});
  if (subsets == nullptr || !subsets->is_array()) return {};
  for (const json& s : *subsets) {
    if (!s.is_object()) continue;
    const json* addresses = GetPath(s, {"addresses"});
    int64_t p = PickPort(s.value("ports", json::array()), service_port, port);
    if (addresses == nullptr || !addresses->is_array() || p == 0) continue;
    for (const json& a : *addresses) {
      if (std::string ip = GetString(a, {"ip"}); !ip.empty()) return HostPort(ip, p);
    }
  }
  return {};
}

std::string FromEndpointSlice(const json& slice, const json* service_port, int port) {
  if (!slice.is_object()) return {};
  int64_t p = PickPort(slice.value("ports", json::array()), service_port, port);
  const json* endpoints = GetPath(slice, {"endpoints"});
  if (p == 0 || endpoints == nullptr || !endpoints->is_array()) return {};
  for (const json& e : *endpoints) {
    const json* ready = GetPath(e, {"conditions", "ready"});
    if (ready != nullptr && ready->is_boolean() && !ready->get<bool>()) continue;
    std::vector<std::string> addresses = GetStrings(e, "addresses");
    if (!addresses.empty()) return HostPort(addresses.front(), p);
  }
  return {};
}

}  // namespace

bool AdmissionRuleMatches(const json& rule, const AdmissionAttributes& a) {
  if (!RuleMatchesIgnoringScope(rule, a)) return false;
  std::string scope = GetString(rule, {"scope"});
  if (scope == "Namespaced") return !a.ns.empty();
  if (scope == "Cluster") return a.ns.empty();
  return true;
}

namespace {

bool RuleMatchesIgnoringScope(const json& rule, const AdmissionAttributes& a) {
  if (!ContainsOrStar(GetStrings(rule, "operations"), a.operation) ||
      !ContainsOrStar(GetStrings(rule, "apiGroups"), a.resource.group) ||
      !ContainsOrStar(GetStrings(rule, "apiVersions"), a.resource.version)) {
    return false;
  }
  bool resource = false;
  for (const std::string& r : GetStrings(rule, "resources")) {
    size_t slash = r.find('/');
    std::string res = r.substr(0, slash);
    std::string sub = slash == std::string::npos ? "" : r.substr(slash + 1);
    if ((res == "*" || res == a.resource.resource) && (sub == "*" || sub == a.subresource)) {
      resource = true;
      break;
    }
  }
  return resource;
}

}  // namespace

json AdmissionReviewRequest(const AdmissionAttributes& a, const std::string& uid) {
  json kind = {{"group", a.kind.group}, {"version", a.kind.version}, {"kind", a.kind.kind}};
  json resource = {{"group", a.resource.group},
                   {"version", a.resource.version},
                   {"resource", a.resource.resource}};
  json request = {{"uid", uid},
                  {"kind", kind},
                  {"resource", resource},
                  {"subResource", a.subresource},
                  {"requestKind", kind},
                  {"requestResource", resource},
                  {"name", a.name},
                  {"namespace", a.ns},
                  {"operation", a.operation},
                  {"userInfo", UserInfoJson(a.user)},
                  {"object", a.object},
                  {"oldObject", a.old_object},
                  {"dryRun", a.dry_run},
                  {"options", a.options}};
  if (!a.subresource.empty()) request["requestSubResource"] = a.subresource;
  return {{"apiVersion", "admission.k8s.io/v1"}, {"kind", "AdmissionReview"}, {"request", request}};
}

Result<AdmissionResponse> ParseAdmissionResponse(const std::string& body,
                                                 const std::string& expected_uid, bool mutating) {
  auto invalid = [](const std::string& why) {
    return CallFailure("received invalid webhook response: " + why);
  };
  // A webhook is another server: its reply gets the depth bound of a request body.
  const std::string too_deep = " nests more than " + std::to_string(kMaxJsonDepth) + " levels deep";
  if (JsonDepth(body, kMaxJsonDepth) > kMaxJsonDepth) return invalid("the body" + too_deep);
  json review = json::parse(body, nullptr, false);
  if (review.is_discarded() || !review.is_object()) return invalid("the body is not a JSON object");
  std::string api_version = review.value("apiVersion", "");
  std::string kind = review.value("kind", "");
  if (api_version != "admission.k8s.io/v1" || kind != "AdmissionReview") {
    return invalid("expected webhook response of admission.k8s.io/v1, Kind=AdmissionReview, got " +
                   api_version + ", Kind=" + kind);
  }
  const json* response = GetPath(review, {"response"});
  if (response == nullptr || !response->is_object()) return invalid("webhook response was absent");
  std::string uid = GetString(*response, {"uid"});
  if (uid != expected_uid) {
    return invalid("expected response.uid=\"" + expected_uid + "\", got \"" + uid + "\"");
  }
  AdmissionResponse out;
  const json* allowed = GetPath(*response, {"allowed"});
  out.allowed = allowed != nullptr && allowed->is_boolean() && allowed->get<bool>();
  if (const json* status = GetPath(*response, {"status"}); status && status->is_object()) {
    out.status = *status;
  }
  out.warnings = GetStrings(*response, "warnings");
  std::string patch = GetString(*response, {"patch"});
  if (patch.empty()) return out;
  std::string patch_type = GetString(*response, {"patchType"});
  if (patch_type.empty())
    return invalid("webhook returned response.patch but not response.patchType");
  if (patch_type != "JSONPatch") {
    return invalid("webhook returned invalid response.patchType of \"" + patch_type + "\"");
  }
  if (!mutating) return invalid("validating webhook may not return response.patch");
  StatusOr<std::string> decoded = Base64Decode(patch);
  if (!decoded.ok()) return invalid("response.patch is not base64");
  if (JsonDepth(*decoded, kMaxJsonDepth) > kMaxJsonDepth)
    return invalid("response.patch" + too_deep);
  out.patch = json::parse(*decoded, nullptr, false);
  if (out.patch.is_discarded() || !out.patch.is_array()) {
    return invalid("response.patch is not a JSON patch array");
  }
  return out;
}

ApiError AdmissionDenied(const std::string& webhook, const json& status) {
  const std::string denied = "admission webhook \"" + webhook + "\" denied the request";
  int code = 0;
  if (const json* c = GetPath(status, {"code"}); c != nullptr && c->is_number_integer()) {
    code = c->get<int>();
  }
  if (code < 400) code = 400;
  std::string message = GetString(status, {"message"});
  std::string reason = GetString(status, {"reason"});
  if (!message.empty()) {
    message = denied + ": " + message;
  } else if (!reason.empty()) {
    message = denied + ": " + reason;
  } else {
    message = denied + " without explanation";
  }
  const json* details = GetPath(status, {"details"});
  return ApiError(code, reason.empty() ? ReasonForCode(code) : reason, message,
                  details != nullptr && details->is_object() ? *details : json());
}

AdmissionWebhooks::AdmissionWebhooks(const ObjectStore* store, Options options)
    : store_(store), options_(std::move(options)) {}

AdmissionWebhooks::~AdmissionWebhooks() = default;

bool AdmissionWebhooks::MayMatch(const AdmissionAttributes& attrs) const {
  for (const char* plural : {"mutatingwebhookconfigurations", "validatingwebhookconfigurations"}) {
    for (const ObjectPtr& config :
         store_->List(std::string("admissionregistration.k8s.io/") + plural, "").items) {
      const json* webhooks = GetPath(*config, {"webhooks"});
      if (webhooks == nullptr || !webhooks->is_array()) continue;
      for (const json& w : *webhooks) {
        const json* rules = GetPath(w, {"rules"});
        if (rules == nullptr || !rules->is_array()) continue;
        for (const json& rule : *rules) {
          if (RuleMatchesIgnoringScope(rule, attrs)) return true;
        }
      }
    }
  }
  return false;
}

Result<json> AdmissionWebhooks::Mutate(const AdmissionAttributes& attrs,
                                       std::vector<std::string>* warnings) {
  SANDBOX_ASSIGN_OR_RETURN(std::vector<Hook> hooks, Matching(true, attrs));
  if (hooks.empty()) return attrs.object;
  AdmissionAttributes current = attrs;
  for (const Hook& h : hooks) {
    SANDBOX_RETURN_IF_ERROR(Dispatch(h.webhook, true, &current, warnings));
  }
  return current.object;
}

MaybeError AdmissionWebhooks::Validate(const AdmissionAttributes& attrs,
                                       std::vector<std::string>* warnings) {
  Result<std::vector<Hook>> hooks = Matching(false, attrs);
  if (!hooks.ok()) return hooks.error();
  AdmissionAttributes current = attrs;
  for (const Hook& h : *hooks) {
    SANDBOX_RETURN_IF_ERROR(Dispatch(h.webhook, false, &current, warnings));
  }
  return std::nullopt;
}

Result<std::vector<AdmissionWebhooks::Hook>> AdmissionWebhooks::Matching(
    bool mutating, const AdmissionAttributes& attrs) const {
  const std::string bucket =
      std::string("admissionregistration.k8s.io/") +
      (mutating ? "mutatingwebhookconfigurations" : "validatingwebhookconfigurations");
  std::vector<Hook> out;
  std::optional<json> ns_labels;  // looked up once, when a namespaceSelector needs it
  for (const ObjectPtr& config : store_->List(bucket, "").items) {  // sorted by name
    const json* webhooks = GetPath(*config, {"webhooks"});
    if (webhooks == nullptr || !webhooks->is_array()) continue;
    for (const json& w : *webhooks) {
      const json* rules = GetPath(w, {"rules"});
      if (rules == nullptr || !rules->is_array() ||
          std::none_of(rules->begin(), rules->end(),
                       [&](const json& r) { return AdmissionRuleMatches(r, attrs); })) {
        continue;
      }
      // upstream namespace.Matcher: cluster-scoped objects other than namespaces always match;
      // a namespace's own labels come from the object being written.
      const bool is_namespace =
          attrs.resource.group.empty() && attrs.resource.resource == "namespaces";
      if (!attrs.ns.empty() || is_namespace) {
        if (!ns_labels) {
          if (is_namespace && !attrs.object.is_null()) {
            ns_labels = Labels(attrs.object);
          } else {
            Result<ObjectPtr> ns = store_->Get({"", "namespaces", "/namespaces"}, "",
                                               is_namespace ? attrs.name : attrs.ns);
            ns_labels = ns.ok() ? Labels(**ns) : json();
          }
        }
        SANDBOX_ASSIGN_OR_RETURN(bool ns_match,
                                 SelectorMatches(GetPath(w, {"namespaceSelector"}), *ns_labels));
        if (!ns_match) continue;
      }
      SANDBOX_ASSIGN_OR_RETURN(bool object_match, ObjectSelectorMatches(w, attrs));
      if (object_match) out.push_back(Hook{w});
    }
  }
  return out;
}

MaybeError AdmissionWebhooks::Dispatch(const json& webhook, bool mutating,
                                       AdmissionAttributes* attrs,
                                       std::vector<std::string>* warnings) {
  const std::string name = webhook.value("name", "");
  if (attrs->dry_run) {
    std::string side_effects = webhook.value("sideEffects", "");
    if (side_effects != "None" && side_effects != "NoneOnDryRun") {
      return BadRequest("admission webhook \"" + name + "\" does not support dry run");
    }
  }
  Result<AdmissionResponse> r = Call(webhook, *attrs, mutating);
  if (!r.ok()) {
    std::string detail = "failed calling webhook \"" + name + "\": " + r.error().message();
    if (webhook.value("failurePolicy", "Fail") == "Ignore") {
      FAIRWAY_LOG(Log(), kWarn, "ignoring webhook failure", {{"error", detail}});
      return std::nullopt;
    }
    return InternalFailure(detail);
  }
  warnings->insert(warnings->end(), r->warnings.begin(), r->warnings.end());
  if (!r->allowed) return AdmissionDenied(name, r->status);
  // A DELETE has no object to patch; upstream would fail encoding it, the sandbox ignores it.
  if (mutating && !r->patch.is_null() && !attrs->object.is_null()) {
    Result<json> patched = ApplyJsonPatch(attrs->object, r->patch);
    if (!patched.ok()) {
      return InternalFailure(
          "admission webhook \"" + name +
          "\" returned a patch that does not apply: " + patched.error().message());
    }
    attrs->object = std::move(patched).value();
  }
  return std::nullopt;
}

Result<AdmissionResponse> AdmissionWebhooks::Call(const json& webhook,
                                                  const AdmissionAttributes& attrs, bool mutating) {
  std::vector<std::string> versions = GetStrings(webhook, "admissionReviewVersions");
  if (!versions.empty() && std::find(versions.begin(), versions.end(), "v1") == versions.end()) {
    return CallFailure("webhook does not accept admission.k8s.io/v1 AdmissionReview");
  }
  const int timeout_s = TimeoutSeconds(webhook);
  const json client_config = webhook.value("clientConfig", json::object());
  SANDBOX_ASSIGN_OR_RETURN(auto endpoint, Endpoint(client_config, timeout_s));
  std::string ca_pem;
  if (std::string bundle = GetString(client_config, {"caBundle"}); !bundle.empty()) {
    StatusOr<std::string> decoded = Base64Decode(bundle);
    if (!decoded.ok()) return CallFailure("clientConfig.caBundle is not base64");
    ca_pem = std::move(*decoded);
  }
  SANDBOX_ASSIGN_OR_RETURN(std::shared_ptr<kube::HttpTransport> transport,
                           Transport(endpoint.first, ca_pem));
  const std::string uid = internal::NewUid();
  kube::HttpRequest req;
  req.method = "POST";
  req.target = endpoint.second;
  req.headers = {{"Content-Type", "application/json"}, {"Accept", "application/json"}};
  req.body = AdmissionReviewRequest(attrs, uid).dump();
  req.timeout = std::chrono::seconds(timeout_s);
  const std::string post = "Post \"" + endpoint.first + endpoint.second + "\": ";
  StatusOr<kube::HttpResponse> resp = transport->Do(req);
  if (!resp.ok()) return CallFailure("failed to call webhook: " + post + resp.status().message());
  if (resp->status != 200) {
    return CallFailure("failed to call webhook: " + post + "the server responded with HTTP " +
                       std::to_string(resp->status) + ": " + resp->body.substr(0, 256));
  }
  return ParseAdmissionResponse(resp->body, uid, mutating);
}

Result<std::pair<std::string, std::string>> AdmissionWebhooks::Endpoint(const json& client_config,
                                                                        int timeout_s) const {
  const std::string query = "?timeout=" + std::to_string(timeout_s) + "s";
  if (std::string url = GetString(client_config, {"url"}); !url.empty()) {
    constexpr std::string_view kScheme = "https://";
    if (!internal::StartsWith(url, kScheme)) {
      return CallFailure("webhook URL must use the https scheme: " + url);
    }
    size_t slash = url.find('/', kScheme.size());
    std::string authority =
        url.substr(kScheme.size(), slash == std::string::npos ? url.npos : slash - kScheme.size());
    std::string path = slash == std::string::npos ? "/" : url.substr(slash);
    if (authority.empty() || authority.find('@') != std::string::npos ||
        path.find_first_of("?#") != std::string::npos) {
      return CallFailure("webhook URL must have a host and no user info, query or fragment: " +
                         url);
    }
    return std::make_pair("https://" + authority, path + query);
  }
  const json* service = GetPath(client_config, {"service"});
  if (service == nullptr || !service->is_object()) {
    return CallFailure("webhook clientConfig has neither url nor service");
  }
  std::string ns = service->value("namespace", "");
  std::string name = service->value("name", "");
  int port = service->contains("port") && (*service)["port"].is_number_integer()
                 ? (*service)["port"].get<int>()
                 : 443;
  std::string path = service->value("path", "");
  if (path.empty()) path = "/";
  SANDBOX_ASSIGN_OR_RETURN(std::string address, ServiceAddress(ns, name, port));
  return std::make_pair("https://" + address, path + query);
}

Result<std::string> AdmissionWebhooks::ServiceAddress(const std::string& ns,
                                                      const std::string& name, int port) const {
  if (auto it = options_.service_addresses.find(ns + "/" + name);
      it != options_.service_addresses.end()) {
    return it->second;
  }
  // The Service maps its port to the endpoints' port name; without it match by number.
  Result<ObjectPtr> service = store_->Get({"", "services", "/services"}, ns, name);
  const json* service_port = nullptr;
  if (service.ok()) {
    const json* ports = GetPath(**service, {"spec", "ports"});
    if (ports != nullptr && ports->is_array()) {
      for (const json& p : *ports) {
        if (p.is_object() && p.value("port", 0) == port) service_port = &p;
      }
    }
  }
  if (Result<ObjectPtr> ep = store_->Get({"", "endpoints", "/endpoints"}, ns, name); ep.ok()) {
    if (std::string a = FromEndpoints(**ep, service_port, port); !a.empty()) return a;
  }
  for (const ObjectPtr& slice : store_->List("discovery.k8s.io/endpointslices", ns).items) {
    if (GetString(*slice, {"metadata", "labels", "kubernetes.io/service-name"}) != name) continue;
    if (std::string a = FromEndpointSlice(*slice, service_port, port); !a.empty()) return a;
  }
  return CallFailure("service \"" + ns + "/" + name + "\" port " + std::to_string(port) +
                     " has no endpoint the sandbox can dial (it has no cluster network: map it "
                     "with --webhook-service-address " +
                     ns + "/" + name + "=HOST:PORT)");
}

Result<std::shared_ptr<kube::HttpTransport>> AdmissionWebhooks::Transport(
    const std::string& server, const std::string& ca_pem) {
  std::lock_guard<std::mutex> lock(mu_);
  auto key = std::make_pair(server, ca_pem);
  if (auto it = transports_.find(key); it != transports_.end()) return it->second;
  kube::TransportOptions options;
  options.server = server;
  options.ca_pem = ca_pem;
  StatusOr<std::unique_ptr<kube::HttpTransport>> t = kube::NewHttpTransport(options);
  if (!t.ok())
    return CallFailure("cannot build a client for " + server + ": " + t.status().message());
  if (transports_.size() >= kMaxCachedTransports) transports_.clear();
  std::shared_ptr<kube::HttpTransport> shared = std::move(t).value();
  transports_.emplace(key, shared);
  return shared;
}

}  // namespace fairway::sandbox
