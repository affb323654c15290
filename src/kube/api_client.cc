#include "kube/api_client.h"

#include <condition_variable>
#include <mutex>
#include <thread>

#include "common/status_macros.h"
#include "kube/internal/util.h"

namespace fairway::kube {

using internal::UrlEncode;

// ---- paths ----------------------------------------------------------------------------------

std::string ResourceRef::ApiVersion() const {
  return group.empty() ? version : group + "/" + version;
}
std::string ResourceRef::BasePath() const {
  return group.empty() ? "/api/" + version : "/apis/" + group + "/" + version;
}
std::string ResourceRef::GroupResource() const {
  return group.empty() ? plural : plural + "." + group;
}

std::string CollectionPath(const ResourceRef& ref, const std::string& ns) {
  std::string p = ref.BasePath();
  if (ref.namespaced && !ns.empty()) p += "/namespaces/" + UrlEncode(ns);
  return p + "/" + ref.plural;
}

std::string ObjectPath(const ResourceRef& ref, const std::string& ns, const std::string& name,
                       const std::string& subresource) {
  std::string p = CollectionPath(ref, ns) + "/" + UrlEncode(name);
  if (!subresource.empty()) p += "/" + subresource;
  return p;
}

const char* WatchEventTypeName(WatchEventType type) {
  switch (type) {
    case WatchEventType::kAdded:
      return "ADDED";
    case WatchEventType::kModified:
      return "MODIFIED";
    case WatchEventType::kDeleted:
      return "DELETED";
    case WatchEventType::kBookmark:
      return "BOOKMARK";
    case WatchEventType::kError:
      return "ERROR";
  }
  return "?";
}

// ---- error mapping --------------------------------------------------------------------------

namespace {

StatusCode CodeFor(int http, bool is_create) {
  switch (http) {
    case 400:
    case 415:
    case 422:
      return StatusCode::kInvalidArgument;
    case 401:
      return StatusCode::kUnauthenticated;
    case 403:
      return StatusCode::kPermissionDenied;
    case 404:
      return StatusCode::kNotFound;
    case 409:
      return is_create ? StatusCode::kAlreadyExists : StatusCode::kAborted;
    case 410:
      return StatusCode::kOutOfRange;
    case 429:
      return StatusCode::kUnavailable;
    default:
      break;
  }
  if (http >= 500) return StatusCode::kUnavailable;
  if (http == 408) return StatusCode::kUnavailable;
  return StatusCode::kUnknown;
}

Status StatusFromObject(const json& st, bool is_create) {
  int code = st.value("code", 500);
  std::string msg = st.value("message", "");
  std::string reason = st.value("reason", "");
  if (msg.empty()) msg = reason.empty() ? "HTTP " + std::to_string(code) : reason;
  return Status(CodeFor(code, is_create), msg);
}

bool Retryable(int http) { return http == 429 || http >= 500; }

}  // namespace

Status StatusFromHttp(int http_code, const std::string& body, bool is_create) {
  if (http_code >= 200 && http_code < 300) return OkStatus();
  json j = json::parse(body, nullptr, false);
  if (!j.is_discarded() && j.is_object() && j.value("kind", "") == "Status") {
    json copy = j;
    copy["code"] = http_code;
    return StatusFromObject(copy, is_create);
  }
  std::string snippet = body.substr(0, 200);
  return Status(CodeFor(http_code, is_create),
                "HTTP " + std::to_string(http_code) + (snippet.empty() ? "" : ": " + snippet));
}

// ---- client ---------------------------------------------------------------------------------

struct RestApiClient::Call {
  std::string method = "GET";
  std::string target;
  std::string body;
  std::string content_type;
  bool idempotent = true;
  bool is_create = false;
  Duration timeout{0};  // 0: client default
  const LineHandler* on_line = nullptr;
};

StatusOr<std::unique_ptr<RestApiClient>> RestApiClient::Create(const RestConfig& config,
                                                               Clock* clock,
                                                               RestClientOptions options) {
  StatusOr<std::unique_ptr<HttpTransport>> t = NewHttpTransport(config.transport);
  if (!t.ok()) return t.status().WithContext("kube client");
  return std::make_unique<RestApiClient>(std::move(t).value(), config, clock, options);
}

RestApiClient::RestApiClient(std::unique_ptr<HttpTransport> transport, const RestConfig& config,
                             Clock* clock, RestClientOptions options)
    : transport_(std::move(transport)),
      token_(config.token),
      namespace_(config.namespace_name),
      user_agent_(config.user_agent.empty() ? DefaultUserAgent() : config.user_agent),
      timeout_(config.timeout),
      clock_(clock),
      options_(options),
      limiter_(config.qps, config.burst, clock),
      retry_backoff_(options.retry_backoff, options.seed) {}

RestApiClient::~RestApiClient() = default;

int64_t RestApiClient::request_count() const { return requests_.load(); }

void RestApiClient::Sleep(Duration d, CancelToken* cancel) {
  if (d <= Duration::zero()) return;
  if (cancel == nullptr) {
    std::this_thread::sleep_for(d);
    return;
  }
  auto mu = std::make_shared<std::mutex>();
  auto cv = std::make_shared<std::condition_variable>();
  int id = cancel->OnCancel([mu, cv] {
    std::lock_guard<std::mutex> lock(*mu);
    cv->notify_all();
  });
  {
    std::unique_lock<std::mutex> lock(*mu);
    cv->wait_for(lock, d, [&] { return cancel->cancelled(); });
  }
  cancel->Unregister(id);
}

StatusOr<HttpResponse> RestApiClient::Send(const Call& call, CancelToken* cancel) {
  bool auth_retried = false;
  int retries = 0;
  // Per-call backoff, seeded from the shared generator so runs are reproducible.
  Backoff backoff(options_.retry_backoff,
                  static_cast<uint64_t>(retry_backoff_.Next().count()) ^ options_.seed);
  while (true) {
    if (cancel != nullptr && cancel->cancelled())
      return Status(StatusCode::kCancelled, "cancelled");
    Duration wait = limiter_.Reserve();
    if (wait > options_.log_wait_over) {
      FAIRWAY_LOG(log_, kWarn, "client-side throttling",
                  {{"wait_ms", std::chrono::duration_cast<std::chrono::milliseconds>(wait).count()},
                   {"method", call.method},
                   {"target", call.target}});
    }
    Sleep(wait, cancel);

    HttpRequest req;
    req.method = call.method;
    req.target = call.target;
    req.body = call.body;
    req.timeout = call.timeout > Duration::zero() ? call.timeout : timeout_;
    req.headers.emplace_back("Accept", "application/json");
    req.headers.emplace_back("User-Agent", user_agent_);
    if (!call.content_type.empty()) req.headers.emplace_back("Content-Type", call.content_type);
    if (token_) {
      StatusOr<std::string> tok = token_->Token();
      if (!tok.ok()) return tok.status().WithContext("bearer token");
      if (!tok->empty()) req.headers.emplace_back("Authorization", "Bearer " + *tok);
    }
    requests_.fetch_add(1);
    StatusOr<HttpResponse> resp = call.on_line != nullptr
                                      ? transport_->Stream(req, *call.on_line, cancel)
                                      : transport_->Do(req, cancel);
    if (!resp.ok()) {
      if (resp.status().code() == StatusCode::kUnavailable && call.idempotent &&
          retries < options_.max_retries) {
        ++retries;
        Duration d = backoff.Next();
        FAIRWAY_LOG(
            log_, kDebug, "transport error, retrying",
            {{"target", call.target}, {"error", resp.status().message()}, {"retry", retries}});
        Sleep(d, cancel);
        continue;
      }
      return resp;
    }
    std::string warning = resp->Header("warning");
    if (!warning.empty()) {
      FAIRWAY_LOG(log_, kWarn, "server warning", {{"target", call.target}, {"warning", warning}});
    }
    if (resp->status == 401 && token_ && !auth_retried) {
      auth_retried = true;
      token_->Invalidate();
      FAIRWAY_LOG(log_, kInfo, "401 from server; re-reading credentials",
                  {{"target", call.target}});
      continue;
    }
    if (Retryable(resp->status) && call.idempotent && retries < options_.max_retries) {
      ++retries;
      Duration d = backoff.Next();
      std::string ra = resp->Header("retry-after");
      if (!ra.empty()) {
        char* end = nullptr;
        long secs = std::strtol(ra.c_str(), &end, 10);
        if (end != ra.c_str() && secs >= 0) d = std::chrono::seconds(std::min<long>(secs, 60));
      }
      FAIRWAY_LOG(log_, kDebug, "retryable HTTP status",
                  {{"target", call.target},
                   {"code", resp->status},
                   {"retry", retries},
                   {"delay_ms", std::chrono::duration_cast<std::chrono::milliseconds>(d).count()}});
      Sleep(d, cancel);
      continue;
    }
    return resp;
  }
}

StatusOr<json> RestApiClient::SendJson(const Call& call) {
  FAIRWAY_ASSIGN_OR_RETURN(HttpResponse resp, Send(call, nullptr));
  if (resp.status < 200 || resp.status >= 300) {
    return StatusFromHttp(resp.status, resp.body, call.is_create)
        .WithContext(call.method + " " + call.target.substr(0, call.target.find('?')));
  }
  json j = json::parse(resp.body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    return InternalError(call.method + " " + call.target + ": response is not JSON");
  }
  return j;
}

namespace {

std::string NameOf(const json& obj) {
  auto m = obj.find("metadata");
  if (m == obj.end() || !m->is_object()) return "";
  return m->value("name", "");
}

std::string NamespaceFor(const ResourceRef& ref, const std::string& ns, const json& obj) {
  if (!ref.namespaced) return "";
  if (!ns.empty()) return ns;
  auto m = obj.find("metadata");
  if (m == obj.end() || !m->is_object()) return "";
  return m->value("namespace", "");
}

void AppendQuery(std::string* target, const std::string& key, const std::string& value) {
  if (value.empty()) return;
  *target += target->find('?') == std::string::npos ? '?' : '&';
  *target += key + "=" + UrlEncode(value);
}

std::string DumpOrEmpty(const json& j, Status* error) {
  try {
    return j.dump();
  } catch (const std::exception& e) {
    *error = InvalidArgumentError(std::string("cannot serialize object: ") + e.what());
    return "";
  }
}

}  // namespace

StatusOr<json> RestApiClient::Get(const ResourceRef& ref, const std::string& ns,
                                  const std::string& name) {
  Call c;
  c.target = ObjectPath(ref, ref.namespaced ? ns : "", name);
  return SendJson(c);
}

StatusOr<ObjectList> RestApiClient::List(const ResourceRef& ref, const std::string& ns,
                                         const ListOptions& options) {
  ObjectList out;
  std::string cont;
  bool restarted = false;
  while (true) {
    Call c;
    c.target = CollectionPath(ref, ref.namespaced ? ns : "");
    AppendQuery(&c.target, "labelSelector", options.label_selector);
    AppendQuery(&c.target, "fieldSelector", options.field_selector);
    if (cont.empty()) {
      AppendQuery(&c.target, "resourceVersion", options.resource_version);
      AppendQuery(&c.target, "resourceVersionMatch", options.resource_version_match);
    }
    if (options.limit > 0) AppendQuery(&c.target, "limit", std::to_string(options.limit));
    AppendQuery(&c.target, "continue", cont);
    c.timeout = std::max<Duration>(timeout_, std::chrono::seconds(60));
    StatusOr<json> page = SendJson(c);
    if (!page.ok()) {
      if (page.status().code() == StatusCode::kOutOfRange && !cont.empty() && !restarted) {
        // Expired continue token: start over with a fresh snapshot.
        restarted = true;
        cont.clear();
        out = ObjectList{};
        continue;
      }
      return page.status();
    }
    json& j = *page;
    auto items = j.find("items");
    if (items != j.end() && items->is_array()) {
      out.items.reserve(out.items.size() + items->size());
      for (json& item : *items) out.items.push_back(std::move(item));
    }
    auto meta = j.find("metadata");
    std::string next;
    if (meta != j.end() && meta->is_object()) {
      if (out.resource_version.empty() || cont.empty()) {
        out.resource_version = meta->value("resourceVersion", "");
      }
      next = meta->value("continue", "");
    }
    if (next.empty()) return out;
    cont = next;
  }
}

StatusOr<json> RestApiClient::Create(const ResourceRef& ref, const std::string& ns,
                                     const json& object) {
  Status err;
  Call c;
  c.method = "POST";
  c.target = CollectionPath(ref, NamespaceFor(ref, ns, object));
  c.body = DumpOrEmpty(object, &err);
  if (!err.ok()) return err;
  c.content_type = "application/json";
  c.idempotent = false;
  c.is_create = true;
  return SendJson(c);
}

StatusOr<json> RestApiClient::Update(const ResourceRef& ref, const std::string& ns,
                                     const json& object) {
  std::string name = NameOf(object);
  if (name.empty())
    return InvalidArgumentError("update: object has no metadata.name", "metadata.name");
  Status err;
  Call c;
  c.method = "PUT";
  c.target = ObjectPath(ref, NamespaceFor(ref, ns, object), name);
  c.body = DumpOrEmpty(object, &err);
  if (!err.ok()) return err;
  c.content_type = "application/json";
  c.idempotent = false;
  return SendJson(c);
}

StatusOr<json> RestApiClient::UpdateStatus(const ResourceRef& ref, const std::string& ns,
                                           const json& object) {
  std::string name = NameOf(object);
  if (name.empty())
    return InvalidArgumentError("update status: object has no metadata.name", "metadata.name");
  Status err;
  Call c;
  c.method = "PUT";
  c.target = ObjectPath(ref, NamespaceFor(ref, ns, object), name, "status");
  c.body = DumpOrEmpty(object, &err);
  if (!err.ok()) return err;
  c.content_type = "application/json";
  c.idempotent = false;
  return SendJson(c);
}

StatusOr<json> RestApiClient::Patch(const ResourceRef& ref, const std::string& ns,
                                    const std::string& name, PatchType type, const json& patch,
                                    const std::string& subresource) {
  Status err;
  Call c;
  c.method = "PATCH";
  c.target = ObjectPath(ref, ref.namespaced ? ns : "", name, subresource);
  c.body = DumpOrEmpty(patch, &err);
  if (!err.ok()) return err;
  switch (type) {
    case PatchType::kMerge:
      c.content_type = "application/merge-patch+json";
      break;
    case PatchType::kJson:
      c.content_type = "application/json-patch+json";
      break;
    case PatchType::kStrategicMerge:
      c.content_type = "application/strategic-merge-patch+json";
      break;
  }
  c.idempotent = false;
  return SendJson(c);
}

Status RestApiClient::Delete(const ResourceRef& ref, const std::string& ns, const std::string& name,
                             const DeleteOptions& options) {
  Call c;
  c.method = "DELETE";
  c.target = ObjectPath(ref, ref.namespaced ? ns : "", name);
  json body = {{"kind", "DeleteOptions"}, {"apiVersion", "v1"}};
  bool any = false;
  if (options.uid || options.resource_version) {
    json pre = json::object();
    if (options.uid) pre["uid"] = *options.uid;
    if (options.resource_version) pre["resourceVersion"] = *options.resource_version;
    body["preconditions"] = pre;
    any = true;
  }
  if (options.grace_period_seconds) {
    body["gracePeriodSeconds"] = *options.grace_period_seconds;
    any = true;
  }
  if (!options.propagation_policy.empty()) {
    body["propagationPolicy"] = options.propagation_policy;
    any = true;
  }
  if (any) {
    c.body = body.dump();
    c.content_type = "application/json";
  }
  StatusOr<json> r = SendJson(c);
  return r.status();
}

Status RestApiClient::Bind(const std::string& ns, const std::string& pod, const std::string& node,
                           const std::string& pod_uid) {
  json binding = {{"apiVersion", "v1"},
                  {"kind", "Binding"},
                  {"metadata", {{"name", pod}, {"namespace", ns}}},
                  {"target", {{"apiVersion", "v1"}, {"kind", "Node"}, {"name", node}}}};
  if (!pod_uid.empty()) binding["metadata"]["uid"] = pod_uid;
  Call c;
  c.method = "POST";
  c.target = ObjectPath(ResourceRef::Pods(), ns, pod, "binding");
  c.body = binding.dump();
  c.content_type = "application/json";
  c.idempotent = false;
  StatusOr<json> r = SendJson(c);
  return r.status();
}

Status RestApiClient::Watch(const ResourceRef& ref, const std::string& ns,
                            const WatchOptions& options, const WatchHandler& handler,
                            CancelToken* cancel) {
  Call c;
  c.target = CollectionPath(ref, ref.namespaced ? ns : "") + "?watch=1";
  AppendQuery(&c.target, "labelSelector", options.label_selector);
  AppendQuery(&c.target, "fieldSelector", options.field_selector);
  AppendQuery(&c.target, "resourceVersion", options.resource_version);
  if (options.allow_bookmarks) AppendQuery(&c.target, "allowWatchBookmarks", "true");
  AppendQuery(&c.target, "timeoutSeconds", std::to_string(options.timeout.count()));
  c.timeout = options.timeout + std::chrono::seconds(30);
  c.idempotent = false;  // the reflector owns watch retries and backoff
  Status stream_error;
  LineHandler on_line = [&](std::string_view line) -> bool {
    json j = json::parse(line.begin(), line.end(), nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      stream_error = UnavailableError("malformed watch event");
      return false;
    }
    std::string type = j.value("type", "");
    WatchEvent ev;
    if (type == "ADDED") {
      ev.type = WatchEventType::kAdded;
    } else if (type == "MODIFIED") {
      ev.type = WatchEventType::kModified;
    } else if (type == "DELETED") {
      ev.type = WatchEventType::kDeleted;
    } else if (type == "BOOKMARK") {
      ev.type = WatchEventType::kBookmark;
    } else if (type == "ERROR") {
      auto obj = j.find("object");
      stream_error = obj != j.end() && obj->is_object()
                         ? StatusFromObject(*obj, false)
                         : UnavailableError("watch ERROR event without a Status");
      return false;
    } else {
      stream_error = UnavailableError("unknown watch event type \"" + type + "\"");
      return false;
    }
    auto obj = j.find("object");
    if (obj == j.end() || !obj->is_object()) {
      stream_error = UnavailableError("watch event without object");
      return false;
    }
    ev.object = std::move(*obj);
    return handler(ev);
  };
  c.on_line = &on_line;
  StatusOr<HttpResponse> resp = Send(c, cancel);
  if (!resp.ok()) return resp.status();
  if (resp->status < 200 || resp->status >= 300) {
    return StatusFromHttp(resp->status, resp->body, false)
        .WithContext("watch " + ref.GroupResource());
  }
  if (!stream_error.ok()) return stream_error.WithContext("watch " + ref.GroupResource());
  if (cancel != nullptr && cancel->cancelled()) return Status(StatusCode::kCancelled, "cancelled");
  return OkStatus();
}

}  // namespace fairway::kube
