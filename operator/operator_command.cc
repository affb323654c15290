// fairway operator: the controllers and scheduler against a Kubernetes API server (in-cluster
// config when no kubeconfig is given), with leader election and a Prometheus /metrics endpoint.
#include <atomic>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "common/clock.h"
#include "common/log.h"
#include "config/scheduler_settings.h"
#include "controllers/operator.h"
#include "kube/api_client.h"
#include "kube/kube_config.h"
#include "metrics/prometheus_metrics.h"
#include "operator/commands.h"
#include "operator/flags.h"

namespace fairway::cli {
namespace {

constexpr const char* kUsage =
    "usage: fairway operator [flags]\n"
    "\n"
    "Runs the Fairway controllers and scheduler against a Kubernetes API server until SIGINT or\n"
    "SIGTERM (graceful: stops scheduling, releases the leader lease).\n"
    "\n"
    "  --kubeconfig PATH       kubeconfig (default: $KUBECONFIG, in-cluster, ~/.kube/config)\n"
    "  --context NAME          kubeconfig context\n"
    "  --config PATH           scheduler settings YAML (default: built-in defaults); re-read\n"
    "                          when it changes (a mounted ConfigMap)\n"
    "  --namespace NS          namespace of the lease and the jobID ConfigMap (default: the\n"
    "                          client's namespace)\n"
    "  --metrics-address A     Prometheus listener (default 0.0.0.0:8080; \"\" disables)\n"
    "  --no-leader-elect       run without leader election (a single replica only)\n"
    "  --cycle-interval-ms N   scheduling cycle at least this often (default 5000)\n";

std::atomic<int> g_signal{0};
void OnSignal(int sig) { g_signal = sig; }

}  // namespace

int RunOperatorCommand(const std::vector<std::string>& args) {
  StatusOr<Flags> flags = Flags::Parse(
      args, {"kubeconfig", "context", "config", "namespace", "metrics-address", "cycle-interval-ms"},
      {"no-leader-elect", "help"});
  if (!flags.ok()) {
    std::fprintf(stderr, "fairway operator: %s\n\n%s", flags.status().ToString().c_str(), kUsage);
    return 2;
  }
  if (flags->Has("help")) {
    std::printf("%s", kUsage);
    return 0;
  }
  RealClock clock;
  Logger log("operator");
  StatusOr<kube::RestConfig> rest = kube::ResolveRestConfig(
      flags->Get("kubeconfig").value_or(""), &clock, flags->Get("context").value_or(""));
  if (!rest.ok()) {
    std::fprintf(stderr, "fairway operator: %s\n", rest.status().ToString().c_str());
    return 1;
  }
  controllers::OperatorOptions options;
  std::string config_path = flags->Get("config").value_or("");
  if (!config_path.empty()) {
    StatusOr<core::SchedulerConfig> cfg = config::LoadSchedulerSettingsFile(config_path);
    if (!cfg.ok()) {
      std::fprintf(stderr, "fairway operator: %s\n", cfg.status().ToString().c_str());
      return 1;
    }
    options.controller.config = *cfg;
  }
  std::string ns = flags->Get("namespace").value_or(rest->namespace_name);
  options.lease_namespace = ns;
  options.controller.state_namespace = ns;
  options.leader_elect = !flags->Has("no-leader-elect");
  StatusOr<int64_t> interval = flags->GetInt("cycle-interval-ms", 5000);
  if (!interval.ok() || *interval < 10) {
    std::fprintf(stderr, "fairway operator: --cycle-interval-ms must be an integer >= 10\n");
    return 2;
  }
  options.controller.cycle_interval = std::chrono::milliseconds(*interval);

  StatusOr<std::unique_ptr<kube::RestApiClient>> client = kube::RestApiClient::Create(*rest, &clock);
  if (!client.ok()) {
    std::fprintf(stderr, "fairway operator: %s\n", client.status().ToString().c_str());
    return 1;
  }
  metrics::PrometheusMetrics prom;
  std::string metrics_address = flags->Get("metrics-address").value_or("0.0.0.0:8080");
  if (!metrics_address.empty()) {
    Status s = prom.Serve(metrics_address);
    if (!s.ok()) {
      std::fprintf(stderr, "fairway operator: %s\n", s.ToString().c_str());
      return 1;
    }
  }
  controllers::Operator op(client->get(), &clock, &prom, options);
  Status s = op.Start();
  if (!s.ok()) {
    std::fprintf(stderr, "fairway operator: %s\n", s.ToString().c_str());
    return 1;
  }
  FAIRWAY_LOG(log, kInfo, "operator started", {{"server", rest->source}, {"namespace", ns}});
  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  // Settings reload: poll the file's content (a ConfigMap volume updates by symlink swap).
  // The file as loaded at start-up; the loop re-parses it only when its content changes.
  std::string last_settings;
  if (!config_path.empty()) {
    std::ifstream in(config_path);
    std::stringstream text;
    text << in.rdbuf();
    last_settings = text.str();
  }
  std::thread waiter([&] {
    Status w = op.Wait();
    if (!w.ok()) g_signal = -1;
  });
  while (g_signal == 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    if (config_path.empty()) continue;
    std::ifstream in(config_path);
    std::stringstream text;
    text << in.rdbuf();
    if (!in || text.str() == last_settings) continue;
    last_settings = text.str();
    StatusOr<core::SchedulerConfig> cfg = config::ParseSchedulerSettings(last_settings);
    if (cfg.ok()) {
      op.SetConfig(*cfg);
      FAIRWAY_LOG(log, kInfo, "settings reloaded", {{"path", config_path}});
    } else {
      // Bad settings are rejected; the operator keeps the settings it has.
      FAIRWAY_LOG(log, kError, "settings rejected",
                  {{"path", config_path}, {"error", cfg.status().ToString()}});
    }
  }
  int rc = g_signal == -1 ? 1 : 0;
  op.Stop();
  waiter.join();
  FAIRWAY_LOG(log, kInfo, "operator stopped");
  return rc;
}

}  // namespace fairway::cli
