#include "kube/kube_config.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <map>
#include <nlohmann/json.hpp>

#include "common/base64.h"
#include "common/status_macros.h"
#include "kube/internal/util.h"

#ifndef FAIRWAY_VERSION
#define FAIRWAY_VERSION "0.0.0"
#endif

namespace fairway::kube {

using internal::ReadFile;
using internal::ResolvePath;

std::string DefaultUserAgent() {
  return std::string("fairway/") + FAIRWAY_VERSION + " (linux/amd64)";
}

// ---- FileTokenSource -----------------------------------------------------------------------

FileTokenSource::FileTokenSource(std::string path, Clock* clock, Duration refresh)
    : path_(std::move(path)), clock_(clock), refresh_(refresh) {}

StatusOr<std::string> FileTokenSource::Token() {
  std::lock_guard<std::mutex> lock(mu_);
  MonotonicTime now = clock_->Monotonic();
  if (read_at_ && now - *read_at_ < refresh_ && !token_.empty()) return token_;
  StatusOr<std::string> text = ReadFile(path_);
  if (!text.ok()) {
    if (!token_.empty()) return token_;  // keep the last good token
    return Status(StatusCode::kUnauthenticated, "reading token file: " + text.status().message());
  }
  token_ = internal::Trim(*text);
  read_at_ = now;
  return token_;
}

void FileTokenSource::Invalidate() {
  std::lock_guard<std::mutex> lock(mu_);
  read_at_.reset();
}

// ---- exec credential plugins ----------------------------------------------------------------

StatusOr<ExecCredential> ParseExecCredential(const std::string& json_text) {
  nlohmann::json j = nlohmann::json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return InvalidArgumentError("exec plugin output is not a JSON object");
  }
  if (j.value("kind", "") != "ExecCredential") {
    return InvalidArgumentError("exec plugin output has kind \"" + j.value("kind", "") +
                                "\", want ExecCredential");
  }
  std::string api = j.value("apiVersion", "");
  if (api != "client.authentication.k8s.io/v1" && api != "client.authentication.k8s.io/v1beta1") {
    return InvalidArgumentError("exec plugin output has unsupported apiVersion \"" + api + "\"");
  }
  if (!j.contains("status") || !j["status"].is_object()) {
    return InvalidArgumentError("exec plugin output has no status");
  }
  const nlohmann::json& st = j["status"];
  ExecCredential c;
  auto str = [&](const char* k) -> std::string {
    auto it = st.find(k);
    return it != st.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  c.token = str("token");
  c.client_certificate_data = str("clientCertificateData");
  c.client_key_data = str("clientKeyData");
  std::string exp = str("expirationTimestamp");
  if (!exp.empty()) {
    StatusOr<WallTime> t = internal::ParseTime(exp);
    if (!t.ok())
      return InvalidArgumentError("exec plugin expirationTimestamp: " + t.status().message());
    c.expiration = *t;
  }
  if (c.token.empty() && (c.client_certificate_data.empty() || c.client_key_data.empty())) {
    return InvalidArgumentError("exec plugin returned neither a token nor a client certificate");
  }
  return c;
}

ExecRunner DefaultExecRunner() {
  return [](const ExecConfig& config, const std::string& exec_info) -> StatusOr<std::string> {
    if (config.command.empty()) return InvalidArgumentError("exec: empty command");
    std::string cmd = config.command;
    if (cmd.find('/') != std::string::npos) cmd = ResolvePath(config.base_dir, cmd);
    int out_pipe[2];
    if (pipe(out_pipe) != 0) return UnavailableError("exec: pipe failed");
    pid_t pid = fork();
    if (pid < 0) {
      close(out_pipe[0]);
      close(out_pipe[1]);
      return UnavailableError("exec: fork failed");
    }
    if (pid == 0) {
      dup2(out_pipe[1], 1);
      close(out_pipe[0]);
      close(out_pipe[1]);
      int devnull = open("/dev/null", O_RDONLY);
      if (devnull >= 0) dup2(devnull, 0);
      for (const auto& [k, v] : config.env) setenv(k.c_str(), v.c_str(), 1);
      setenv("KUBERNETES_EXEC_INFO", exec_info.c_str(), 1);
      std::vector<char*> argv;
      argv.push_back(const_cast<char*>(cmd.c_str()));
      for (const auto& a : config.args) argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      execvp(cmd.c_str(), argv.data());
      _exit(127);
    }
    close(out_pipe[1]);
    std::string out;
    char buf[4096];
    int waited_ms = 0;
    while (true) {
      pollfd p{out_pipe[0], POLLIN, 0};
      int r = poll(&p, 1, 100);
      if (r > 0) {
        ssize_t n = read(out_pipe[0], buf, sizeof(buf));
        if (n <= 0) break;
        out.append(buf, static_cast<size_t>(n));
      } else if (r == 0) {
        waited_ms += 100;
        if (waited_ms > 30000) {
          kill(pid, SIGKILL);
          break;
        }
      } else if (errno != EINTR) {
        break;
      }
    }
    close(out_pipe[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      return Status(StatusCode::kUnauthenticated,
                    "exec plugin \"" + config.command + "\" failed (exit " +
                        std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) + ")");
    }
    return out;
  };
}

ExecTokenSource::ExecTokenSource(ExecConfig config, Clock* clock, ExecRunner runner)
    : config_(std::move(config)), clock_(clock), runner_(std::move(runner)) {}

StatusOr<std::string> ExecTokenSource::Token() {
  std::lock_guard<std::mutex> lock(mu_);
  if (cached_ &&
      (!cached_->expiration || clock_->Now() + std::chrono::seconds(10) < *cached_->expiration)) {
    return cached_->token;
  }
  nlohmann::json info = {{"apiVersion", config_.api_version},
                         {"kind", "ExecCredential"},
                         {"spec", {{"interactive", false}}}};
  StatusOr<std::string> out = runner_(config_, info.dump());
  if (!out.ok()) return Status(StatusCode::kUnauthenticated, out.status().message());
  StatusOr<ExecCredential> cred = ParseExecCredential(*out);
  if (!cred.ok()) return Status(StatusCode::kUnauthenticated, cred.status().message());
  if (cred->token.empty()) {
    return Status(StatusCode::kUnauthenticated, "exec plugin returned no token");
  }
  cached_ = *cred;
  return cached_->token;
}

void ExecTokenSource::Invalidate() {
  std::lock_guard<std::mutex> lock(mu_);
  cached_.reset();
}

// ---- in-cluster -----------------------------------------------------------------------------

StatusOr<RestConfig> InClusterConfigFrom(const std::string& host, const std::string& port,
                                         Clock* clock, const InClusterPaths& paths) {
  if (host.empty() || port.empty()) {
    return FailedPreconditionError(
        "not running in a cluster: KUBERNETES_SERVICE_HOST/KUBERNETES_SERVICE_PORT unset");
  }
  RestConfig c;
  std::string h = host.find(':') != std::string::npos && host[0] != '[' ? "[" + host + "]" : host;
  c.transport.server = "https://" + h + ":" + port;
  StatusOr<std::string> ca = ReadFile(paths.ca);
  if (!ca.ok()) return InvalidArgumentError("in-cluster CA: " + ca.status().message());
  c.transport.ca_pem = *ca;
  // The token must exist now; it is re-read as it rotates.
  StatusOr<std::string> tok = ReadFile(paths.token);
  if (!tok.ok()) return InvalidArgumentError("in-cluster token: " + tok.status().message());
  c.token = std::make_shared<FileTokenSource>(paths.token, clock);
  StatusOr<std::string> ns = ReadFile(paths.ns);
  if (ns.ok() && !internal::Trim(*ns).empty()) c.namespace_name = internal::Trim(*ns);
  c.source = "in-cluster";
  return c;
}

StatusOr<RestConfig> InClusterConfig(Clock* clock, const InClusterPaths& paths) {
  const char* host = std::getenv("KUBERNETES_SERVICE_HOST");
  const char* port = std::getenv("KUBERNETES_SERVICE_PORT");
  return InClusterConfigFrom(host ? host : "", port ? port : "", clock, paths);
}

// ---- kubeconfig -----------------------------------------------------------------------------

namespace {

struct Entry {
  YAML::Node node;
  std::string base_dir;
};

struct Merged {
  std::map<std::string, Entry> clusters, users, contexts;
  std::string current_context;
  std::string first_path;
};

Status MergeDoc(const YAML::Node& root, const std::string& base_dir, const std::string& where,
                Merged* m) {
  if (!root || root.IsNull()) return OkStatus();  // empty file
  if (!root.IsMap()) return InvalidArgumentError(where + ": kubeconfig is not a YAML mapping");
  if (root["kind"] && root["kind"].IsScalar() && root["kind"].as<std::string>() != "Config") {
    return InvalidArgumentError(where + ": kind is \"" + root["kind"].as<std::string>() +
                                "\", want Config");
  }
  auto merge = [&](const char* list, const char* inner,
                   std::map<std::string, Entry>* into) -> Status {
    YAML::Node l = root[list];
    if (!l || l.IsNull()) return OkStatus();
    if (!l.IsSequence()) return InvalidArgumentError(where + ": " + list + " must be a list", list);
    for (size_t i = 0; i < l.size(); ++i) {
      YAML::Node e = l[i];
      std::string field = std::string(list) + "[" + std::to_string(i) + "]";
      if (!e.IsMap() || !e["name"] || !e["name"].IsScalar()) {
        return InvalidArgumentError(where + ": " + field + " needs a name", field);
      }
      YAML::Node body = e[inner];
      if (body && !body.IsNull() && !body.IsMap()) {
        return InvalidArgumentError(where + ": " + field + "." + inner + " must be a mapping",
                                    field + "." + inner);
      }
      std::string name = e["name"].as<std::string>();
      if (!into->count(name))
        (*into)[name] = Entry{body ? body : YAML::Node(YAML::NodeType::Map), base_dir};
    }
    return OkStatus();
  };
  FAIRWAY_RETURN_IF_ERROR(merge("clusters", "cluster", &m->clusters));
  FAIRWAY_RETURN_IF_ERROR(merge("users", "user", &m->users));
  FAIRWAY_RETURN_IF_ERROR(merge("contexts", "context", &m->contexts));
  if (m->current_context.empty() && root["current-context"] && root["current-context"].IsScalar()) {
    m->current_context = root["current-context"].as<std::string>();
  }
  return OkStatus();
}

std::string Str(const YAML::Node& n, const char* key) {
  YAML::Node v = n[key];
  if (!v || !v.IsScalar()) return "";
  return v.as<std::string>();
}

bool Bool(const YAML::Node& n, const char* key) {
  YAML::Node v = n[key];
  if (!v || !v.IsScalar()) return false;
  std::string s = v.as<std::string>();
  return s == "true" || s == "True" || s == "TRUE";
}

// Reads "<key>-data" (base64) or "<key>" (path relative to base_dir).
StatusOr<std::string> DataOrFile(const Entry& e, const std::string& key, const std::string& field) {
  std::string data = Str(e.node, (key + "-data").c_str());
  if (!data.empty()) {
    StatusOr<std::string> d = Base64Decode(data);
    if (!d.ok()) return InvalidArgumentError(field + "-data: not valid base64", field + "-data");
    return d;
  }
  std::string file = Str(e.node, key.c_str());
  if (file.empty()) return std::string();
  StatusOr<std::string> f = ReadFile(ResolvePath(e.base_dir, file));
  if (!f.ok()) return InvalidArgumentError(field + ": " + f.status().message(), field);
  return f;
}

StatusOr<RestConfig> Build(const Merged& m, const KubeconfigOptions& options) {
  std::string ctx_name = options.context.empty() ? m.current_context : options.context;
  if (ctx_name.empty()) return InvalidArgumentError("kubeconfig has no current-context");
  auto ctx_it = m.contexts.find(ctx_name);
  if (ctx_it == m.contexts.end()) {
    return InvalidArgumentError("kubeconfig context \"" + ctx_name + "\" not found", "contexts");
  }
  const Entry& ctx = ctx_it->second;
  std::string cluster_name = Str(ctx.node, "cluster");
  auto cl_it = m.clusters.find(cluster_name);
  if (cl_it == m.clusters.end()) {
    return InvalidArgumentError(
        "kubeconfig cluster \"" + cluster_name + "\" (context \"" + ctx_name + "\") not found",
        "clusters");
  }
  const Entry& cluster = cl_it->second;
  RestConfig c;
  c.source =
      (m.first_path.empty() ? std::string("kubeconfig") : m.first_path) + " context " + ctx_name;
  c.transport.server = Str(cluster.node, "server");
  if (c.transport.server.empty()) {
    return InvalidArgumentError("cluster \"" + cluster_name + "\" has no server", "cluster.server");
  }
  if (c.transport.server.rfind("http://", 0) != 0 && c.transport.server.rfind("https://", 0) != 0) {
    return InvalidArgumentError("cluster \"" + cluster_name + "\" server \"" + c.transport.server +
                                    "\" must start with https:// or http://",
                                "cluster.server");
  }
  while (!c.transport.server.empty() && c.transport.server.back() == '/')
    c.transport.server.pop_back();
  FAIRWAY_ASSIGN_OR_RETURN(c.transport.ca_pem, DataOrFile(cluster, "certificate-authority",
                                                          "cluster.certificate-authority"));
  c.transport.tls_server_name = Str(cluster.node, "tls-server-name");
  c.transport.insecure_skip_tls_verify = Bool(cluster.node, "insecure-skip-tls-verify");
  if (c.transport.insecure_skip_tls_verify && !c.transport.ca_pem.empty()) {
    return InvalidArgumentError(
        "cluster \"" + cluster_name +
            "\": insecure-skip-tls-verify cannot be combined with a certificate authority",
        "cluster.insecure-skip-tls-verify");
  }

  std::string user_name = Str(ctx.node, "user");
  if (!user_name.empty()) {
    auto u_it = m.users.find(user_name);
    if (u_it == m.users.end()) {
      return InvalidArgumentError("kubeconfig user \"" + user_name + "\" not found", "users");
    }
    const Entry& user = u_it->second;
    FAIRWAY_ASSIGN_OR_RETURN(c.transport.client_cert_pem,
                             DataOrFile(user, "client-certificate", "user.client-certificate"));
    FAIRWAY_ASSIGN_OR_RETURN(c.transport.client_key_pem,
                             DataOrFile(user, "client-key", "user.client-key"));
    if (c.transport.client_cert_pem.empty() != c.transport.client_key_pem.empty()) {
      return InvalidArgumentError(
          "user \"" + user_name + "\": client-certificate and client-key must be set together",
          "user.client-key");
    }
    std::string token = Str(user.node, "token");
    std::string token_file = Str(user.node, "tokenFile");
    YAML::Node exec = user.node["exec"];
    if (!token.empty()) {
      c.token = std::make_shared<StaticTokenSource>(token);
    } else if (!token_file.empty()) {
      std::string path = ResolvePath(user.base_dir, token_file);
      StatusOr<std::string> probe = ReadFile(path);
      if (!probe.ok())
        return InvalidArgumentError("user.tokenFile: " + probe.status().message(),
                                    "user.tokenFile");
      c.token = std::make_shared<FileTokenSource>(path, options.clock);
    } else if (exec && !exec.IsNull()) {
      if (!exec.IsMap()) return InvalidArgumentError("user.exec must be a mapping", "user.exec");
      ExecConfig ec;
      ec.api_version = Str(exec, "apiVersion");
      if (ec.api_version != "client.authentication.k8s.io/v1" &&
          ec.api_version != "client.authentication.k8s.io/v1beta1") {
        return InvalidArgumentError("user.exec.apiVersion \"" + ec.api_version +
                                        "\" unsupported (want client.authentication.k8s.io/v1)",
                                    "user.exec.apiVersion");
      }
      ec.command = Str(exec, "command");
      if (ec.command.empty())
        return InvalidArgumentError("user.exec.command is required", "user.exec.command");
      if (exec["args"]) {
        if (!exec["args"].IsSequence())
          return InvalidArgumentError("user.exec.args must be a list", "user.exec.args");
        for (const auto& a : exec["args"]) ec.args.push_back(a.as<std::string>());
      }
      if (exec["env"]) {
        if (!exec["env"].IsSequence())
          return InvalidArgumentError("user.exec.env must be a list", "user.exec.env");
        for (const auto& e : exec["env"]) ec.env.emplace_back(Str(e, "name"), Str(e, "value"));
      }
      std::string im = Str(exec, "interactiveMode");
      if (!im.empty()) ec.interactive_mode = im;
      ec.base_dir = user.base_dir;
      c.token = std::make_shared<ExecTokenSource>(
          ec, options.clock, options.exec_runner ? options.exec_runner : DefaultExecRunner());
    }
  }
  std::string ns = Str(ctx.node, "namespace");
  if (!ns.empty()) c.namespace_name = ns;
  if (!options.namespace_override.empty()) c.namespace_name = options.namespace_override;
  return c;
}

StatusOr<YAML::Node> ParseYaml(const std::string& text, const std::string& where) {
  try {
    return YAML::Load(text);
  } catch (const YAML::Exception& e) {
    return InvalidArgumentError(where + ": invalid YAML: " + e.what());
  } catch (const std::exception& e) {
    return InvalidArgumentError(where + ": " + e.what());
  }
}

}  // namespace

StatusOr<RestConfig> LoadKubeconfigFromString(const std::string& yaml_text,
                                              const std::string& base_dir,
                                              const KubeconfigOptions& options) {
  if (options.clock == nullptr) return InvalidArgumentError("KubeconfigOptions.clock is required");
  try {
    FAIRWAY_ASSIGN_OR_RETURN(YAML::Node root, ParseYaml(yaml_text, "kubeconfig"));
    Merged m;
    FAIRWAY_RETURN_IF_ERROR(MergeDoc(root, base_dir, "kubeconfig", &m));
    return Build(m, options);
  } catch (const std::exception& e) {
    return InvalidArgumentError(std::string("kubeconfig: ") + e.what());
  }
}

StatusOr<RestConfig> LoadKubeconfig(const KubeconfigOptions& options) {
  if (options.clock == nullptr) return InvalidArgumentError("KubeconfigOptions.clock is required");
  if (options.paths.empty()) return InvalidArgumentError("no kubeconfig path given");
  try {
    Merged m;
    bool any = false;
    for (const std::string& path : options.paths) {
      if (path.empty()) continue;
      StatusOr<std::string> text = ReadFile(path);
      if (!text.ok()) {
        if (options.paths.size() == 1) {
          return InvalidArgumentError("kubeconfig " + path + ": " + text.status().message());
        }
        continue;  // missing entries of $KUBECONFIG are skipped
      }
      FAIRWAY_ASSIGN_OR_RETURN(YAML::Node root, ParseYaml(*text, path));
      FAIRWAY_RETURN_IF_ERROR(MergeDoc(root, internal::DirName(path), path, &m));
      if (!any) m.first_path = path;
      any = true;
    }
    if (!any) return InvalidArgumentError("none of the kubeconfig files could be read");
    return Build(m, options);
  } catch (const std::exception& e) {
    return InvalidArgumentError(std::string("kubeconfig: ") + e.what());
  }
}

StatusOr<RestConfig> ResolveRestConfig(const std::string& kubeconfig_flag, Clock* clock,
                                       const std::string& context) {
  KubeconfigOptions o;
  o.clock = clock;
  o.context = context;
  if (!kubeconfig_flag.empty()) {
    o.paths = {kubeconfig_flag};
    return LoadKubeconfig(o);
  }
  const char* env = std::getenv("KUBECONFIG");
  if (env != nullptr && *env != '\0') {
    std::string s = env;
    size_t start = 0;
    while (start <= s.size()) {
      size_t end = s.find(':', start);
      if (end == std::string::npos) end = s.size();
      if (end > start) o.paths.push_back(s.substr(start, end - start));
      start = end + 1;
    }
    return LoadKubeconfig(o);
  }
  const char* host = std::getenv("KUBERNETES_SERVICE_HOST");
  const char* port = std::getenv("KUBERNETES_SERVICE_PORT");
  if (host != nullptr && port != nullptr && *host && *port) return InClusterConfig(clock);
  const char* home = std::getenv("HOME");
  if (home == nullptr)
    return FailedPreconditionError("no kubeconfig: HOME unset and not in a cluster");
  o.paths = {std::string(home) + "/.kube/config"};
  return LoadKubeconfig(o);
}

}  // namespace fairway::kube
