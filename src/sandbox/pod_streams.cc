#include "sandbox/pod_streams.h"

#include <sstream>
#include <utility>
#include <vector>

#include "sandbox/exec_session.h"
#include "sandbox/internal/request.h"
#include "sandbox/internal/util.h"
#include "sandbox/pod_logs.h"
#include "sandbox/port_forward.h"

namespace fairway::sandbox {
namespace {

using internal::GetPath;
using internal::GetString;

// Query parameters in order, repeated ones kept (exec's command=sh&command=-c).
std::vector<std::pair<std::string, std::string>> QueryParams(const std::string& target) {
  std::vector<std::pair<std::string, std::string>> out;
  size_t q = target.find('?');
  if (q == std::string::npos) return out;
  std::stringstream in(target.substr(q + 1));
  std::string part;
  while (std::getline(in, part, '&')) {
    size_t eq = part.find('=');
    out.emplace_back(internal::UrlDecode(part.substr(0, eq), true),
                     eq == std::string::npos ? "" : internal::UrlDecode(part.substr(eq + 1), true));
  }
  return out;
}

std::string Param(const std::vector<std::pair<std::string, std::string>>& params,
                  const std::string& key) {
  for (const auto& [k, v] : params) {
    if (k == key) return v;
  }
  return "";
}

bool True(const std::string& v) { return v == "true" || v == "1"; }

// The container a request is for: `requested`, or the only one. kube-apiserver's errors.
Result<std::string> ChooseContainer(const nlohmann::json& pod, const std::string& requested) {
  std::vector<std::string> names;
  if (const nlohmann::json* cs = GetPath(pod, {"spec", "containers"}); cs && cs->is_array()) {
    for (const nlohmann::json& c : *cs) names.push_back(GetString(c, {"name"}));
  }
  const std::string pod_name = internal::NameOf(pod);
  if (requested.empty()) {
    if (names.size() == 1) return names[0];
    std::string list;
    for (const std::string& n : names) list += (list.empty() ? "" : " ") + n;
    return BadRequest("a container name must be specified for pod " + pod_name +
                      ", choose one of: [" + list + "]");
  }
  for (const std::string& n : names) {
    if (n == requested) return n;
  }
  return BadRequest("container " + requested + " is not valid for pod " + pod_name);
}

HttpResponse TextReply(std::string body) {
  HttpResponse r;
  r.content_type = "text/plain";
  r.body = std::move(body);
  return r;
}

// The log of a --run-pods container when the runtime runs (or ran) this very pod.
std::optional<PodRuntime::PodView> RuntimeView(const std::shared_ptr<PodRuntime>& runtime,
                                               const nlohmann::json& pod) {
  if (!runtime) return std::nullopt;
  std::optional<PodRuntime::PodView> view =
      runtime->Find(internal::NamespaceOf(pod), internal::NameOf(pod));
  if (!view || view->uid != GetString(pod, {"metadata", "uid"})) return std::nullopt;
  return view;
}

HandlerReply ServeLog(const std::shared_ptr<PodRuntime>& runtime, const HttpRequest& req,
                      const nlohmann::json& pod) {
  auto params = QueryParams(req.target);
  Result<std::string> container = ChooseContainer(pod, Param(params, "container"));
  if (!container.ok()) return {ErrorResponse(container.error()), nullptr};
  std::optional<int64_t> tail;
  if (std::string t = Param(params, "tailLines"); !t.empty()) {
    char* end = nullptr;
    long long v = std::strtoll(t.c_str(), &end, 10);
    if (end == t.c_str() || *end != '\0' || v < 0) {
      return {ErrorResponse(BadRequest("invalid tailLines: " + t)), nullptr};
    }
    tail = v;
  }
  const std::string phase = GetString(pod, {"status", "phase"});
  std::optional<PodRuntime::PodView> view = RuntimeView(runtime, pod);
  if (!view && (phase.empty() || phase == "Pending")) {
    return {ErrorResponse(BadRequest("container \"" + *container + "\" in pod \"" +
                                     internal::NameOf(pod) +
                                     "\" is waiting to start: ContainerCreating")),
            nullptr};
  }
  if (!view) {
    std::string text = SimulatedLog(pod, *container);
    if (tail.has_value()) {
      // The simulated lines are few; the same tail rule as for files.
      std::vector<std::string> lines;
      std::stringstream in(text);
      for (std::string l; std::getline(in, l);) lines.push_back(l + "\n");
      size_t keep = std::min<size_t>(lines.size(), static_cast<size_t>(*tail));
      text.clear();
      for (size_t i = lines.size() - keep; i < lines.size(); ++i) text += lines[i];
    }
    return {TextReply(std::move(text)), nullptr};
  }
  const std::string path = view->log_path.at(*container);
  uint64_t end = 0;
  std::string text = ReadLogTail(path, tail, &end);
  if (!True(Param(params, "follow")) || !view->running)
    return {TextReply(std::move(text)), nullptr};
  HttpResponse headers = TextReply("");
  auto running = [runtime, ns = internal::NamespaceOf(pod), name = internal::NameOf(pod)] {
    std::optional<PodRuntime::PodView> v = runtime->Find(ns, name);
    return v.has_value() && v->running;
  };
  return {headers, std::make_shared<LogFollower>(path, end, std::move(text), running)};
}

// The WebSocket subprotocol to answer with, or an error for a request kubectl cannot use here.
Result<std::string> NegotiateProtocol(const HttpRequest& req) {
  std::string upgrade = internal::ToLower(req.Header("upgrade"));
  if (upgrade.find("websocket") == std::string::npos) {
    return BadRequest(
        "Upgrade request required: the fairway sandbox serves exec, attach and port-forward over "
        "WebSocket (" +
        std::string(kChannelV5) + ", kubectl 1.30+), not SPDY");
  }
  std::string offered = req.Header("sec-websocket-protocol");
  for (const char* p : {kChannelV5, kChannelV4}) {
    if (offered.find(p) != std::string::npos) return std::string(p);
  }
  return BadRequest("unsupported WebSocket subprotocol(s) \"" + offered +
                    "\"; the sandbox speaks " + kChannelV5 + " and " + kChannelV4);
}

HandlerReply ServePortForward(const std::shared_ptr<PodRuntime>& runtime, const HttpRequest& req,
                              const nlohmann::json& pod) {
  std::optional<PodRuntime::PodView> view = RuntimeView(runtime, pod);
  if (!view || !view->running) {
    return {ErrorResponse(
                BadRequest(runtime ? "pod " + internal::NameOf(pod) + " is not running"
                                   : "pods do not run in this sandbox (start it with --run-pods to "
                                     "port-forward to them)")),
            nullptr};
  }
  return PortForwardUpgrade(req, internal::NameOf(pod), view->uid);
}

HandlerReply ServeStream(const std::shared_ptr<PodRuntime>& runtime, const HttpRequest& req,
                         const nlohmann::json& pod, const std::string& sub) {
  auto params = QueryParams(req.target);
  Result<std::string> container = ChooseContainer(pod, Param(params, "container"));
  if (!container.ok()) return {ErrorResponse(container.error()), nullptr};
  std::optional<PodRuntime::PodView> view = RuntimeView(runtime, pod);
  if (!view) {
    return {ErrorResponse(BadRequest(
                runtime ? "container " + *container + " is not running"
                        : "pods do not run in this sandbox (start it with --run-pods to " + sub +
                              " into them)")),
            nullptr};
  }
  if (!view->running) {
    return {ErrorResponse(BadRequest("container not found (\"" + *container + "\")")), nullptr};
  }
  Result<std::string> protocol = NegotiateProtocol(req);
  if (!protocol.ok()) return {ErrorResponse(protocol.error()), nullptr};
  HandlerReply reply;
  if (sub == "attach") {
    reply.upgrade =
        std::make_shared<AttachSession>(*protocol, runtime, internal::NamespaceOf(pod),
                                        internal::NameOf(pod), view->log_path.at(*container));
    return reply;
  }
  ExecSession::Options o;
  o.protocol = *protocol;
  for (const auto& [k, v] : params) {
    if (k == "command") o.spec.argv.push_back(v);
  }
  if (o.spec.argv.empty())
    return {ErrorResponse(BadRequest("you must specify at least 1 command")), nullptr};
  const bool tty = True(Param(params, "tty"));
  o.stdin = True(Param(params, "stdin"));
  o.stderr = True(Param(params, "stderr"));
  o.spec.io = tty ? ProcessSpec::Io::kPty : ProcessSpec::Io::kPipes;
  o.spec.env = view->env;
  if (tty) o.spec.env.push_back("TERM=xterm");
  o.spec.work_dir = view->work_dir;
  o.spec.hostname = view->node;
  o.pod_running = [runtime, ns = internal::NamespaceOf(pod), name = internal::NameOf(pod),
                   uid = view->uid] {
    std::optional<PodRuntime::PodView> v = runtime->Find(ns, name);
    return v.has_value() && v->running && v->uid == uid;
  };
  reply.upgrade = std::make_shared<ExecSession>(std::move(o));
  return reply;
}

}  // namespace

ApiServer::PodStreamHandler MakePodStreamHandler(ApiServer* api,
                                                 std::shared_ptr<PodRuntime> runtime) {
  return [api, runtime](const HttpRequest& req, const std::string& ns, const std::string& name,
                        const std::string& sub) -> HandlerReply {
    Result<nlohmann::json> pod = api->Call("GET", "/api/v1/namespaces/" + ns + "/pods/" + name);
    if (!pod.ok()) return {ErrorResponse(pod.error()), nullptr};
    if (sub == "log") {
      if (req.method != "GET")
        return {ErrorResponse(MethodNotAllowed("log is read with GET")), nullptr};
      return ServeLog(runtime, req, *pod);
    }
    if (sub == "portforward") return ServePortForward(runtime, req, *pod);
    return ServeStream(runtime, req, *pod, sub);
  };
}

}  // namespace fairway::sandbox
