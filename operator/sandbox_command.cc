// fairway sandbox: a local Kubernetes-compatible API server with simulated GPU nodes
// (src/sandbox), for kubectl, the operator and tests.
#include <atomic>
#include <csignal>
#include <cstdio>
#include <string>
#include <thread>

#include "common/clock.h"
#include "common/status_macros.h"
#include "operator/commands.h"
#include "operator/flags.h"
#include "sandbox/sandbox.h"
#include "sim/node_list_reader.h"

namespace fairway::cli {
namespace {

constexpr const char* kUsage =
    "usage: fairway sandbox [flags]\n"
    "\n"
    "Runs a local Kubernetes-compatible API server with simulated GPU nodes until SIGINT or\n"
    "SIGTERM. Prints the server address and the kubeconfig path.\n"
    "\n"
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
    "  --start-delay-ms N    simulated pod start latency (default 1000)\n";

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

}  // namespace

int RunSandboxCommand(const std::vector<std::string>& args) {
  StatusOr<Flags> parsed = Flags::Parse(
      args,
      {"port", "address", "nodes", "gpus-per-node", "gpu-type", "node-list", "kubeconfig-out",
       "crds", "start-delay-ms"},
      {"tls", "help"});
  if (!parsed.ok()) {
    std::fprintf(stderr, "fairway sandbox: %s\n\n%s", parsed.status().message().c_str(), kUsage);
    return 2;
  }
  const Flags& flags = *parsed;
  if (flags.Has("help")) {
    std::printf("%s", kUsage);
    return 0;
  }
  sandbox::SandboxOptions opts;
  opts.address = flags.Get("address").value_or("127.0.0.1");
  if (!sandbox::IsLoopbackAddress(opts.address)) {
    std::fprintf(stderr, "fairway sandbox: --address must be a loopback address (the sandbox "
                         "accepts any token), got \"%s\"\n", opts.address.c_str());
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
  StatusOr<std::vector<sandbox::SimNodeSpec>> nodes = NodesFromFlags(flags);
  if (!nodes.ok()) {
    std::fprintf(stderr, "fairway sandbox: %s\n", nodes.status().ToString().c_str());
    return 2;
  }
  opts.nodes = std::move(nodes).value();
  if (std::optional<std::string> crds = flags.Get("crds")) opts.manifests.push_back(*crds);

  RealClock clock;
  StatusOr<std::unique_ptr<sandbox::Sandbox>> sb = sandbox::Sandbox::Start(opts, &clock);
  if (!sb.ok()) {
    std::fprintf(stderr, "fairway sandbox: %s\n", sb.status().ToString().c_str());
    return 1;
  }
  std::string kubeconfig = flags.Get("kubeconfig-out").value_or("sandbox.kubeconfig");
  Status written = (*sb)->WriteKubeconfig(kubeconfig);
  if (!written.ok()) {
    std::fprintf(stderr, "fairway sandbox: %s\n", written.ToString().c_str());
    return 1;
  }
  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  std::printf("sandbox serving at %s\n", (*sb)->url().c_str());
  std::printf("kubeconfig written to %s\n", kubeconfig.c_str());
  std::printf("simulated nodes: %zu\n", opts.nodes.size());
  std::fflush(stdout);
  while (g_signal == 0) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  (*sb)->Stop();
  std::printf("sandbox stopped\n");
  return 0;
}

}  // namespace fairway::cli
