// fairway operator: the controllers and scheduler against a Kubernetes API server (in-cluster
// config when no kubeconfig is given), with leader election, a Prometheus /metrics endpoint and
// the admission webhook (src/webhook), which every replica serves whether or not it leads.
#include <atomic>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "common/clock.h"
#include "common/log.h"
#include "common/status_macros.h"
#include "config/admission_settings.h"
#include "config/scheduler_settings.h"
#include "controllers/operator.h"
#include "kube/api_client.h"
#include "kube/kube_config.h"
#include "metrics/prometheus_metrics.h"
#include "operator/commands.h"
#include "operator/flags.h"
#include "webhook/admission_service.h"

namespace fairway::cli {
namespace {

constexpr const char* kUsage =
    "usage: fairway operator [flags]\n"
    "\n"
    "Runs the Fairway controllers and scheduler against a Kubernetes API server until SIGINT or\n"
    "SIGTERM (graceful: stops scheduling, releases the leader lease), and serves the admission\n"
    "webhook that stamps each Job's submitter from the API server's userInfo.\n"
    "\n"
    "  --kubeconfig PATH       kubeconfig (default: $KUBECONFIG, in-cluster, ~/.kube/config)\n"
    "  --context NAME          kubeconfig context\n"
    "  --config PATH           settings YAML (scheduler, admission, limits; default: built-in\n"
    "                          defaults); re-read when it changes (a mounted ConfigMap)\n"
    "  --namespace NS          namespace of the lease, the jobID ConfigMap and the webhook's\n"
    "                          certificate Secret (default: the client's namespace)\n"
    "  --metrics-address A     Prometheus listener (default 0.0.0.0:8080; \"\" disables)\n"
    "  --no-leader-elect       run without leader election (a single replica only)\n"
    "  --cycle-interval-ms N   scheduling cycle at least this often (default 5000)\n"
    "  --webhook-port N        admission webhook HTTPS port (default 9443; 0 picks a free one)\n"
    "  --webhook-address A     admission webhook listen address (default 0.0.0.0)\n"
    "  --webhook-cert-dir DIR  tls.crt/tls.key to serve (cert-manager layout; default\n"
    "                          /tmp/k8s-webhook-server/serving-certs). Without them a CA and\n"
    "                          certificate are generated once, kept in Secret\n"
    "                          fairway-webhook-certs and written into the caBundle of the\n"
    "                          fairway.dev webhook configurations\n"
    "  --webhook-service NS/NAME  the webhook's Service, for the certificate's DNS names\n"
    "                          (default: <namespace>/fairway-webhook)\n"
    "  --no-webhook            do not serve admission (Jobs are then not checked at submission;\n"
    "                          the operator still fails invalid ones with reason InvalidSpec)\n";

std::atomic<int> g_signal{0};
void OnSignal(int sig) { g_signal = sig; }

// Everything the settings file configures.
struct Settings {
  core::SchedulerConfig scheduler;
  config::AdmissionSettings admission;
};

StatusOr<Settings> ParseSettings(const std::string& text) {
  Settings s;
  FAIRWAY_ASSIGN_OR_RETURN(s.scheduler, config::ParseSchedulerSettings(text));
  FAIRWAY_ASSIGN_OR_RETURN(s.admission, config::ParseAdmissionSettings(text));
  return s;
}

std::string ReadAll(const std::string& path, bool* ok) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  *ok = static_cast<bool>(in);
  return text.str();
}

StatusOr<webhook::AdmissionServiceOptions> WebhookOptions(const Flags& flags,
                                                          const std::string& ns,
                                                          const config::AdmissionSettings& s) {
  webhook::AdmissionServiceOptions o;
  FAIRWAY_ASSIGN_OR_RETURN(int64_t port, flags.GetInt("webhook-port", 9443));
  if (port < 0 || port > 65535) return InvalidArgumentError("--webhook-port must be 0..65535");
  o.port = static_cast<uint16_t>(port);
  o.address = flags.Get("webhook-address").value_or(o.address);
  o.cert_dir = flags.Get("webhook-cert-dir").value_or(o.cert_dir);
  o.namespace_name = ns;
  if (std::optional<std::string> svc = flags.Get("webhook-service")) {
    size_t slash = svc->find('/');
    if (slash == std::string::npos || slash == 0 || slash + 1 == svc->size()) {
      return InvalidArgumentError("--webhook-service must be NAMESPACE/NAME");
    }
    o.namespace_name = svc->substr(0, slash);
    o.service_name = svc->substr(slash + 1);
  }
  o.settings = s;
  return o;
}

// Re-reads the settings file every half second until a signal; a changed, valid file is applied
// to the scheduler and admission, a bad one is rejected with a log and the old one kept.
void WatchSettings(const std::string& path, std::string last, controllers::Operator* op,
                   webhook::AdmissionService* admission, Logger& log) {
  while (g_signal == 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    if (path.empty()) continue;
    bool ok = false;
    std::string text = ReadAll(path, &ok);
    if (!ok || text == last) continue;
    last = text;
    StatusOr<Settings> s = ParseSettings(text);
    if (!s.ok()) {
      FAIRWAY_LOG(log, kError, "settings rejected", {{"path", path}, {"error", s.status().ToString()}});
      continue;
    }
    op->SetConfig(s->scheduler);
    if (admission != nullptr) admission->SetSettings(s->admission);
    FAIRWAY_LOG(log, kInfo, "settings reloaded", {{"path", path}});
  }
}

int Fail(const std::string& message, int code = 1) {
  std::fprintf(stderr, "fairway operator: %s\n", message.c_str());
  return code;
}

}  // namespace

int RunOperatorCommand(const std::vector<std::string>& args) {
  StatusOr<Flags> flags = Flags::Parse(
      args,
      {"kubeconfig", "context", "config", "namespace", "metrics-address", "cycle-interval-ms",
       "webhook-port", "webhook-address", "webhook-cert-dir", "webhook-service"},
      {"no-leader-elect", "no-webhook", "help"});
  if (!flags.ok()) return Fail(flags.status().ToString() + "\n\n" + kUsage, 2);
  if (flags->Has("help")) {
    std::printf("%s", kUsage);
    return 0;
  }
  RealClock clock;
  Logger log("operator");
  StatusOr<kube::RestConfig> rest = kube::ResolveRestConfig(
      flags->Get("kubeconfig").value_or(""), &clock, flags->Get("context").value_or(""));
  if (!rest.ok()) return Fail(rest.status().ToString());
  std::string config_path = flags->Get("config").value_or("");
  std::string settings_text;
  if (!config_path.empty()) {
    bool ok = false;
    settings_text = ReadAll(config_path, &ok);
    if (!ok) return Fail("cannot read settings file " + config_path);
  }
  StatusOr<Settings> settings = ParseSettings(settings_text);
  if (!settings.ok()) return Fail(config_path + ": " + settings.status().ToString());
  controllers::OperatorOptions options;
  options.controller.config = settings->scheduler;
  std::string ns = flags->Get("namespace").value_or(rest->namespace_name);
  options.lease_namespace = ns;
  options.controller.state_namespace = ns;
  options.leader_elect = !flags->Has("no-leader-elect");
  StatusOr<int64_t> interval = flags->GetInt("cycle-interval-ms", 5000);
  if (!interval.ok() || *interval < 10) return Fail("--cycle-interval-ms must be an integer >= 10", 2);
  options.controller.cycle_interval = std::chrono::milliseconds(*interval);

  StatusOr<std::unique_ptr<kube::RestApiClient>> client = kube::RestApiClient::Create(*rest, &clock);
  if (!client.ok()) return Fail(client.status().ToString());
  metrics::PrometheusMetrics prom;
  std::string metrics_address = flags->Get("metrics-address").value_or("0.0.0.0:8080");
  if (!metrics_address.empty()) {
    if (Status s = prom.Serve(metrics_address); !s.ok()) return Fail(s.ToString());
  }
  std::unique_ptr<webhook::AdmissionService> admission;
  if (!flags->Has("no-webhook")) {
    StatusOr<webhook::AdmissionServiceOptions> wo = WebhookOptions(*flags, ns, settings->admission);
    if (!wo.ok()) return Fail(wo.status().ToString(), 2);
    auto started = webhook::AdmissionService::Start(client->get(), &clock, *wo);
    if (!started.ok()) return Fail("admission webhook: " + started.status().ToString());
    admission = std::move(started).value();
  }
  controllers::Operator op(client->get(), &clock, &prom, options);
  if (Status s = op.Start(); !s.ok()) return Fail(s.ToString());
  FAIRWAY_LOG(log, kInfo, "operator started", {{"server", rest->source}, {"namespace", ns}});
  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  std::thread waiter([&] {
    Status w = op.Wait();
    if (!w.ok()) g_signal = -1;
  });
  WatchSettings(config_path, settings_text, &op, admission.get(), log);
  int rc = g_signal == -1 ? 1 : 0;
  op.Stop();
  waiter.join();
  if (admission) admission->Stop();
  FAIRWAY_LOG(log, kInfo, "operator stopped");
  return rc;
}

}  // namespace fairway::cli
