// fairway sandbox: a local Kubernetes-compatible API server with simulated GPU nodes
// (src/sandbox), for kubectl, the operator and tests.
#include <atomic>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <thread>

#include "common/clock.h"
#include "common/status_macros.h"
#include "operator/commands.h"
#include "operator/flags.h"
#include "operator/run_pods.h"
#include "sandbox/sandbox.h"
#include "sim/node_list_reader.h"

namespace fairway::cli {
namespace {

constexpr const char* kUsageHead =
    "usage: fairway sandbox [flags]\n"
    "\n"
    "Runs a local Kubernetes-compatible API server with simulated GPU nodes until SIGINT or\n"
    "SIGTERM. Prints the server address and the kubeconfig path. State (objects, their\n"
    "resourceVersions, the operator's jobID counter) is kept in memory only and lost when the\n"
    "sandbox exits, unless --data-dir is given.\n"
    "\n"
    "  --data-dir DIR        keep state in DIR across restarts: a snapshot plus a log of every\n"
    "                        write, fsynced before the write is acknowledged; replayed at start\n"
    "  --port N              listen port (default 0: pick a free one)\n"
    "  --address A           listen address, loopback only (default 127.0.0.1)\n"
    "  --tls                 serve HTTPS with a generated CA (embedded in the kubeconfig)\n"
    "  --nodes N             simulated nodes (default 4)\n"
    "  --gpus-per-node G     GPUs per node (default 8)\n"
    "  --gpu-type T          GPU model label (default A100)\n"
    "  --node-list CSV       nodes from the Alibaba node list (sn,cpu_milli,memory_mib,gpu,model)\n"
    "                        instead of --nodes/--gpus-per-node\n"
    "  --kubeconfig-out PATH write a kubeconfig for the server (default ./sandbox.kubeconfig)\n"
    "  --crds DIR            apply the CRD manifests (YAML/JSON) in DIR or file at start\n"
    "  --start-delay-ms N    simulated pod start latency (default 1000)\n"
    "  --autoscaler          simulate a cluster autoscaler for Partitions' spec.nodePools: it\n"
    "                        adds pool nodes for the operator's demand-signal pods (unbound,\n"
    "                        PodScheduled=False/Unschedulable), between minNodes and maxNodes,\n"
    "                        and removes nodes idle for --scaledown-idle-s\n"
    "  --boot-delay-s N      with --autoscaler: seconds from scale-up to the node joining\n"
    "                        (default 10)\n"
    "  --scaledown-idle-s N  with --autoscaler: idle seconds before a pool node is removed\n"
    "                        (ParallelCluster's ScaledownIdletime; default 60)\n"
    "  --token-auth-file F   authenticate bearer tokens from F (kube-apiserver's CSV:\n"
    "                        token,user,uid[,\"group1,group2\"]) and authorize with RBAC;\n"
    "                        requests without credentials are system:anonymous. The kubeconfig\n"
    "                        gets one context per user (the first is current) and, with --tls,\n"
    "                        a fairway-sandbox-admin context using a client certificate.\n"
    "                        Without it every request is the admin and everything is allowed.\n"
    "  --client-ca-file F    with --tls: accept client certificates signed by the CA(s) in F\n"
    "                        (default: a generated CA)\n"
    "  --webhook-service-address NS/NAME=HOST:PORT\n"
    "                        dial HOST:PORT for admission webhooks configured with Service\n"
    "                        NS/NAME (repeatable, or a comma-separated list)\n";

std::string Usage() { return std::string(kUsageHead) + kRunPodsUsage; }

// --autoscaler and its timings; nullopt without --autoscaler.
StatusOr<std::optional<sandbox::AutoscalerSimOptions>> AutoscalerFromFlags(const Flags& flags) {
  if (!flags.Has("autoscaler")) {
    if (flags.Has("boot-delay-s") || flags.Has("scaledown-idle-s")) {
      return InvalidArgumentError("--boot-delay-s and --scaledown-idle-s need --autoscaler");
    }
    return std::optional<sandbox::AutoscalerSimOptions>();
  }
  FAIRWAY_ASSIGN_OR_RETURN(int64_t boot, flags.GetInt("boot-delay-s", 10));
  FAIRWAY_ASSIGN_OR_RETURN(int64_t idle, flags.GetInt("scaledown-idle-s", 60));
  if (boot < 0 || boot > 86400 || idle < 0 || idle > 86400) {
    return InvalidArgumentError("--boot-delay-s and --scaledown-idle-s must be in [0, 86400]");
  }
  sandbox::AutoscalerSimOptions o;
  o.boot_delay = std::chrono::seconds(boot);
  o.scaledown_idle = std::chrono::seconds(idle);
  return std::optional<sandbox::AutoscalerSimOptions>(o);
}

std::atomic<int> g_signal{0};

void OnSignal(int sig) { g_signal = sig; }

StatusOr<std::vector<sandbox::SimNodeSpec>> NodesFromFlags(const Flags& flags) {
  if (std::optional<std::string> list = flags.Get("node-list")) {
    FAIRWAY_ASSIGN_OR_RETURN(sim::NodeList nodes, sim::ReadNodeListCsv(*list));
    std::vector<sandbox::SimNodeSpec> out;
    for (const sim::NodeRecord& r : nodes.nodes) {
      sandbox::SimNodeSpec n;
      n.name = r.name;
      n.gpus = r.gpus;
      n.gpu_type = r.gpu_model;
      n.cpu_milli = r.cpu_milli;
      n.memory_mib = r.memory_mib;
      out.push_back(n);
    }
    return out;
  }
  FAIRWAY_ASSIGN_OR_RETURN(int64_t count, flags.GetInt("nodes", 4));
  FAIRWAY_ASSIGN_OR_RETURN(int64_t gpus, flags.GetInt("gpus-per-node", 8));
  if (count < 0 || count > 100000 || gpus < 0 || gpus > 1024) {
    return InvalidArgumentError("--nodes must be in [0, 100000] and --gpus-per-node in [0, 1024]");
  }
  return sandbox::UniformSimNodes(static_cast<int>(count), gpus,
                                  flags.Get("gpu-type").value_or("A100"));
}

constexpr char kWebhookFlag[] = "webhook-service-address";

// Takes every --webhook-service-address out of `args` (the flag may repeat; Flags keeps one
// value per name) and parses NS/NAME=HOST:PORT entries, comma-separated lists included.
StatusOr<std::map<std::string, std::string>> TakeWebhookAddresses(std::vector<std::string>* args) {
  const std::string flag = std::string("--") + kWebhookFlag;
  std::vector<std::string> values;
  std::vector<std::string> rest;
  for (size_t i = 0; i < args->size(); ++i) {
    const std::string& a = (*args)[i];
    if (a == flag) {
      if (i + 1 >= args->size()) return InvalidArgumentError(flag + " needs a value");
      values.push_back((*args)[++i]);
    } else if (a.rfind(flag + "=", 0) == 0) {
      values.push_back(a.substr(flag.size() + 1));
    } else {
      rest.push_back(a);
    }
  }
  *args = std::move(rest);
  std::map<std::string, std::string> out;
  for (const std::string& v : values) {
    std::stringstream list(v);
    std::string entry;
    while (std::getline(list, entry, ',')) {
      size_t eq = entry.find('=');
      size_t slash = entry.find('/');
      if (eq == std::string::npos || slash == std::string::npos || slash == 0 || slash + 1 >= eq ||
          eq + 1 >= entry.size() || entry.find(':', eq) == std::string::npos) {
        return InvalidArgumentError(flag + " wants NAMESPACE/NAME=HOST:PORT, got \"" + entry +
                                    "\"");
      }
      out[entry.substr(0, eq)] = entry.substr(eq + 1);
    }
  }
  return out;
}

// The kubeconfig users for an authenticated sandbox: one per token-file line (context names made
// unique), then the admin by client certificate when the sandbox issues them.
std::vector<sandbox::KubeconfigUser> KubeconfigUsers(sandbox::Sandbox& sb) {
  std::vector<sandbox::KubeconfigUser> users;
  std::map<std::string, int> seen;
  if (const std::optional<sandbox::TokenTable>& tokens = sb.api().options().tokens) {
    for (const sandbox::TokenTable::Entry& e : tokens->entries()) {
      int n = ++seen[e.user.username];
      std::string name = n == 1 ? e.user.username : e.user.username + "-" + std::to_string(n);
      users.push_back({name, e.token, "", "", "default"});
    }
  }
  StatusOr<kube::IssuedCertificate> admin =
      sb.IssueClientCertificate(sandbox::kSandboxAdminUser, {sandbox::kSystemMasters});
  if (admin.ok() && seen.count(sandbox::kSandboxAdminUser) == 0) {
    users.push_back({sandbox::kSandboxAdminUser, "", admin->cert_pem, admin->key_pem, "default"});
  }
  return users;
}

StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFoundError("cannot read " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// --token-auth-file and --client-ca-file into `opts` (after --tls).
Status AuthFromFlags(const Flags& flags, sandbox::SandboxOptions* opts) {
  opts->token_auth_file = flags.Get("token-auth-file").value_or("");
  std::optional<std::string> ca = flags.Get("client-ca-file");
  if (!ca) return OkStatus();
  if (!opts->tls) return InvalidArgumentError("--client-ca-file needs --tls");
  FAIRWAY_ASSIGN_OR_RETURN(opts->client_ca_pem, ReadFile(*ca));
  return OkStatus();
}

}  // namespace

int RunSandboxCommand(const std::vector<std::string>& args) {
  std::vector<std::string> rest = args;
  StatusOr<std::map<std::string, std::string>> webhooks = TakeWebhookAddresses(&rest);
  StatusOr<Flags> parsed =
      webhooks.ok() ? Flags::Parse(rest,
                                   {"port", "address", "nodes", "gpus-per-node", "gpu-type",
                                    "node-list", "kubeconfig-out", "crds", "start-delay-ms",
                                    "token-auth-file", "client-ca-file", "data-dir", "pods-dir",
                                    "boot-delay-s", "scaledown-idle-s"},
                                   {"tls", "help", "run-pods", "autoscaler"})
                    : StatusOr<Flags>(webhooks.status());
  if (!parsed.ok()) {
    std::fprintf(stderr, "fairway sandbox: %s\n\n%s", parsed.status().message().c_str(),
                 Usage().c_str());
    return 2;
  }
  const Flags& flags = *parsed;
  if (flags.Has("help")) {
    std::printf("%s", Usage().c_str());
    return 0;
  }
  sandbox::SandboxOptions opts;
  opts.address = flags.Get("address").value_or("127.0.0.1");
  if (!sandbox::IsLoopbackAddress(opts.address)) {
    std::fprintf(stderr,
                 "fairway sandbox: --address must be a loopback address (the sandbox "
                 "serves unauthenticated admin endpoints), got \"%s\"\n",
                 opts.address.c_str());
    return 2;
  }
  StatusOr<int64_t> port = flags.GetInt("port", 0);
  StatusOr<int64_t> delay = flags.GetInt("start-delay-ms", 1000);
  if (!port.ok() || *port < 0 || *port > 65535 || !delay.ok() || *delay < 0) {
    std::fprintf(stderr, "fairway sandbox: bad --port or --start-delay-ms\n");
    return 2;
  }
  opts.port = static_cast<uint16_t>(*port);
  opts.tls = flags.Has("tls");
  opts.kubelet.start_delay = std::chrono::milliseconds(*delay);
  StatusOr<std::string> pods_dir = RunPodsDirFromFlags(flags);
  if (!pods_dir.ok()) {
    std::fprintf(stderr, "fairway sandbox: %s\n", pods_dir.status().message().c_str());
    return 2;
  }
  opts.kubelet.run_pods_dir = *pods_dir;
  StatusOr<std::vector<sandbox::SimNodeSpec>> nodes = NodesFromFlags(flags);
  if (!nodes.ok()) {
    std::fprintf(stderr, "fairway sandbox: %s\n", nodes.status().ToString().c_str());
    return 2;
  }
  opts.nodes = std::move(nodes).value();
  StatusOr<std::optional<sandbox::AutoscalerSimOptions>> autoscaler = AutoscalerFromFlags(flags);
  if (!autoscaler.ok()) {
    std::fprintf(stderr, "fairway sandbox: %s\n", autoscaler.status().message().c_str());
    return 2;
  }
  opts.autoscaler = *autoscaler;
  if (std::optional<std::string> crds = flags.Get("crds")) opts.manifests.push_back(*crds);
  opts.data_dir = flags.Get("data-dir").value_or("");
  opts.webhook_service_addresses = std::move(webhooks).value();
  if (Status auth = AuthFromFlags(flags, &opts); !auth.ok()) {
    std::fprintf(stderr, "fairway sandbox: %s\n", auth.ToString().c_str());
    return 2;
  }

  RealClock clock;
  StatusOr<std::unique_ptr<sandbox::Sandbox>> sb = sandbox::Sandbox::Start(opts, &clock);
  if (!sb.ok()) {
    std::fprintf(stderr, "fairway sandbox: %s\n", sb.status().ToString().c_str());
    return 1;
  }
  std::string kubeconfig = flags.Get("kubeconfig-out").value_or("sandbox.kubeconfig");
  std::vector<sandbox::KubeconfigUser> users;
  if (!opts.token_auth_file.empty()) users = KubeconfigUsers(**sb);
  // Without a token file any token works: keep the single-context kubeconfig of old.
  Status written = users.empty() ? (*sb)->WriteKubeconfig(kubeconfig)
                                 : (*sb)->WriteKubeconfig(kubeconfig, users, users.front().name);
  if (!written.ok()) {
    std::fprintf(stderr, "fairway sandbox: %s\n", written.ToString().c_str());
    return 1;
  }
  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  std::printf("sandbox serving at %s\n", (*sb)->url().c_str());
  std::printf("kubeconfig written to %s\n", kubeconfig.c_str());
  std::printf("simulated nodes: %zu\n", opts.nodes.size());
  if (opts.data_dir.empty()) {
    std::printf("state: in memory only (lost on exit; --data-dir DIR keeps it)\n");
  } else {
    const sandbox::FileJournal::Recovery& r = (*sb)->recovery();
    std::printf("state: %s (restored %zu objects at resourceVersion %lld%s)\n",
                opts.data_dir.c_str(), r.objects, static_cast<long long>(r.resource_version),
                r.torn_bytes > 0 ? "; dropped a torn last log record" : "");
  }
  if (!opts.kubelet.run_pods_dir.empty()) {
    std::printf("pods run as local processes under %s\n", opts.kubelet.run_pods_dir.c_str());
  }
  std::fflush(stdout);
  while (g_signal == 0) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  (*sb)->Stop();
  std::printf("sandbox stopped\n");
  return 0;
}

}  // namespace fairway::cli
