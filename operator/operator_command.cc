// fairway operator: the controllers and scheduler against a Kubernetes API server (in-cluster
// config when no kubeconfig is given), with leader election, a Prometheus /metrics endpoint and
// the admission webhook (src/webhook), which every replica serves whether or not it leads.
#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>

#include "common/clock.h"
#include "common/log.h"
#include "common/status_macros.h"
#include "config/admission_settings.h"
#include "config/directory_settings.h"
#include "config/interactive_settings.h"
#include "config/scheduler_settings.h"
#include "controllers/directory_sync.h"
#include "controllers/operator.h"
#include "kube/api_client.h"
#include "kube/kube_config.h"
#include "kube/leader_election.h"
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
    "  --log-level L           debug, info, warn, error or off (default info)\n"
    "  --config PATH           settings YAML (scheduler, admission, limits; default: built-in\n"
    "                          defaults); re-read when it changes (a mounted ConfigMap), except\n"
    "                          `directory` (the LDAP sync), read at start\n"
    "  --namespace NS          namespace of the lease, the jobID ConfigMap and the webhook's\n"
    "                          certificate Secret (default: the client's namespace)\n"
    "  --metrics-address A     listener of /metrics, /healthz and /readyz (default\n"
    "                          0.0.0.0:8080; \"\" disables)\n"
    "  --healthz-cycle-timeout D  /healthz fails when the leader finished no scheduling cycle\n"
    "                          for D: its loop is wedged (default 2m)\n"
    "  --readyz-cycle-timeout D   /readyz fails when the leader's last cycle ended longer than\n"
    "                          D ago, or before its first (default 1m); a standby is ready\n"
    "  --elapsed-refresh D     a running job's TIME column (status.elapsed) is rewritten when\n"
    "                          it lags by D: one status write per running job per D\n"
    "                          (default 1m; whole seconds)\n"
    "  --job-history-days N    keep a JobRecord of each ended Job for N days (sacct reads\n"
    "                          them after the Job is deleted); 0 keeps none (default 30)\n"
    "  --no-leader-elect       run without leader election (a single replica only)\n"
    "  --leader-elect-lease-duration D  how long a standby waits after it last saw the lease\n"
    "                          change before taking it over (default 15s; rounded up to whole\n"
    "                          seconds in the Lease)\n"
    "  --leader-elect-renew-deadline D  the leader stops writing, then exits, when no renew\n"
    "                          succeeded within D of sending it (default 10s; < lease duration)\n"
    "  --leader-elect-retry-period D    between acquire/renew tries (default 2s; renew deadline\n"
    "                          must exceed 1.2 x D). Durations: 500ms, 1.5s, 2m\n"
    "  --kube-api-qps Q        client-side requests/s to the API server (default 5000; 0 turns\n"
    "                          the limit off). Each started pod costs ~3 requests (create, bind,\n"
    "                          a share of the Job status write), so 1,000 pods/s needs ~3,000/s;\n"
    "                          kube-scheduler's own default (50) is sized for one bind per pod\n"
    "  --kube-api-burst N      requests allowed at once above the rate (default 10000: a large\n"
    "                          cycle's writes go out without waiting; kube-scheduler: 100)\n"
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
  config::DirectorySettings directory;      // read at start only
  config::InteractiveSettings interactive;  // read at start only
};

StatusOr<Settings> ParseSettings(const std::string& text) {
  Settings s;
  FAIRWAY_ASSIGN_OR_RETURN(s.scheduler, config::ParseSchedulerSettings(text));
  FAIRWAY_ASSIGN_OR_RETURN(s.admission, config::ParseAdmissionSettings(text));
  FAIRWAY_ASSIGN_OR_RETURN(s.directory, config::ParseDirectorySettings(text));
  FAIRWAY_ASSIGN_OR_RETURN(s.interactive, config::ParseInteractiveSettings(text));
  return s;
}

// The optional LDAP directory sync (controllers/directory_sync.h); it writes only while this
// replica leads.
std::unique_ptr<controllers::DirectorySync> StartDirectorySync(const Settings& settings,
                                                               kube::ApiClient* client,
                                                               Clock* clock, const std::string& ns,
                                                               controllers::Operator* op) {
  if (!settings.directory.enabled) return nullptr;
  controllers::DirectorySyncOptions o;
  o.settings = settings.directory;
  o.secret_namespace = ns;
  o.may_write = [op] { return op->leading(); };
  auto sync = std::make_unique<controllers::DirectorySync>(client, clock, std::move(o));
  sync->Start();
  return sync;
}

std::string ReadAll(const std::string& path, bool* ok) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  *ok = static_cast<bool>(in);
  return text.str();
}

StatusOr<webhook::AdmissionServiceOptions> WebhookOptions(const Flags& flags, const std::string& ns,
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
      FAIRWAY_LOG(log, kError, "settings rejected",
                  {{"path", path}, {"error", s.status().ToString()}});
      continue;
    }
    op->SetConfig(s->scheduler);
    if (admission != nullptr) admission->SetSettings(s->admission);
    FAIRWAY_LOG(log, kInfo, "settings reloaded", {{"path", path}});
  }
}

// A duration flag as kube-scheduler takes them: a decimal number with a unit ms, s or m.
StatusOr<Duration> GetDuration(const Flags& flags, const std::string& name, Duration fallback) {
  std::optional<std::string> text = flags.Get(name);
  if (!text) return fallback;
  char* end = nullptr;
  double value = std::strtod(text->c_str(), &end);
  std::string unit = end != nullptr ? std::string(end) : "";
  double scale_s = unit == "ms" ? 1e-3 : unit == "s" ? 1 : unit == "m" ? 60 : -1;
  if (end == text->c_str() || scale_s < 0 || !(value > 0)) {
    return InvalidArgumentError(
        "--" + name + " must be a positive duration such as 500ms, 1.5s or 2m", name);
  }
  return std::chrono::duration_cast<Duration>(std::chrono::duration<double>(value * scale_s));
}

// --kube-api-qps / --kube-api-burst over the defaults in kube_config.h.
Status ApplyClientFlags(const Flags& flags, kube::RestConfig* rest) {
  if (std::optional<std::string> qps = flags.Get("kube-api-qps")) {
    char* end = nullptr;
    double value = std::strtod(qps->c_str(), &end);
    if (end == qps->c_str() || *end != '\0' || !(value >= 0)) {
      return InvalidArgumentError("--kube-api-qps must be a number >= 0", "kube-api-qps");
    }
    rest->qps = value;
  }
  FAIRWAY_ASSIGN_OR_RETURN(int64_t burst, flags.GetInt("kube-api-burst", rest->burst));
  if (burst < 1 || burst > 1000000) {
    return InvalidArgumentError("--kube-api-burst must be 1..1000000", "kube-api-burst");
  }
  rest->burst = static_cast<int>(burst);
  return OkStatus();
}

// The operator's options from the flags, the settings file and the namespace.
StatusOr<controllers::OperatorOptions> OperatorOptionsFrom(const Flags& flags,
                                                           const Settings& settings,
                                                           const std::string& ns) {
  controllers::OperatorOptions o;
  o.controller.config = settings.scheduler;
  o.controller.interactive_idle_grace = core::Seconds(settings.interactive.idle_grace_s);
  o.lease_namespace = ns;
  o.controller.state_namespace = ns;
  o.leader_elect = !flags.Has("no-leader-elect");
  StatusOr<int64_t> interval = flags.GetInt("cycle-interval-ms", 5000);
  if (!interval.ok() || *interval < 10) {
    return InvalidArgumentError("--cycle-interval-ms must be an integer >= 10");
  }
  o.controller.cycle_interval = std::chrono::milliseconds(*interval);
  FAIRWAY_ASSIGN_OR_RETURN(o.stalled_after,
                           GetDuration(flags, "healthz-cycle-timeout", o.stalled_after));
  FAIRWAY_ASSIGN_OR_RETURN(o.ready_within,
                           GetDuration(flags, "readyz-cycle-timeout", o.ready_within));
  if (o.stalled_after <= o.controller.cycle_interval ||
      o.ready_within <= o.controller.cycle_interval) {
    return InvalidArgumentError(
        "--healthz-cycle-timeout and --readyz-cycle-timeout must exceed the cycle interval");
  }
  FAIRWAY_ASSIGN_OR_RETURN(
      Duration refresh,
      GetDuration(flags, "elapsed-refresh", std::chrono::seconds(o.controller.elapsed_refresh)));
  o.controller.elapsed_refresh = std::chrono::duration_cast<core::Seconds>(refresh);
  if (o.controller.elapsed_refresh < core::Seconds(1)) {
    return InvalidArgumentError("--elapsed-refresh must be at least 1s", "elapsed-refresh");
  }
  StatusOr<int64_t> history_days = flags.GetInt("job-history-days", 30);
  if (!history_days.ok() || *history_days < 0 || *history_days > 36500) {
    return InvalidArgumentError("--job-history-days must be an integer from 0 to 36500",
                                "job-history-days");
  }
  o.controller.history.retention_days = static_cast<int>(*history_days);
  FAIRWAY_ASSIGN_OR_RETURN(o.lease_duration,
                           GetDuration(flags, "leader-elect-lease-duration", o.lease_duration));
  FAIRWAY_ASSIGN_OR_RETURN(o.renew_deadline,
                           GetDuration(flags, "leader-elect-renew-deadline", o.renew_deadline));
  FAIRWAY_ASSIGN_OR_RETURN(o.retry_period,
                           GetDuration(flags, "leader-elect-retry-period", o.retry_period));
  kube::LeaderElectionConfig check;
  check.lease_namespace = o.lease_namespace;
  check.lease_name = o.lease_name;
  check.identity = "check";
  check.lease_duration = o.lease_duration;
  check.renew_deadline = o.renew_deadline;
  check.retry_period = o.retry_period;
  if (o.leader_elect) FAIRWAY_RETURN_IF_ERROR(kube::ValidateLeaderElectionConfig(check));
  return o;
}

int Fail(const std::string& message, int code = 1) {
  std::fprintf(stderr, "fairway operator: %s\n", message.c_str());
  return code;
}

}  // namespace

int RunOperatorCommand(const std::vector<std::string>& args) {
  StatusOr<Flags> flags = Flags::Parse(args,
                                       {"kubeconfig",
                                        "context",
                                        "config",
                                        "namespace",
                                        "metrics-address",
                                        "cycle-interval-ms",
                                        "webhook-port",
                                        "webhook-address",
                                        "webhook-cert-dir",
                                        "webhook-service",
                                        "leader-elect-lease-duration",
                                        "leader-elect-renew-deadline",
                                        "leader-elect-retry-period",
                                        "kube-api-qps",
                                        "kube-api-burst",
                                        "healthz-cycle-timeout",
                                        "readyz-cycle-timeout",
                                        "elapsed-refresh",
                                        "job-history-days",
                                        "log-level"},
                                       {"no-leader-elect", "no-webhook", "help"});
  if (!flags.ok()) return Fail(flags.status().ToString() + "\n\n" + kUsage, 2);
  if (flags->Has("help")) {
    std::printf("%s", kUsage);
    return 0;
  }
  if (std::optional<std::string> level = flags->Get("log-level")) {
    LogLevel parsed;
    if (!ParseLogLevel(*level, &parsed)) {
      return Fail("--log-level must be debug, info, warn, error or off, not \"" + *level + "\"", 2);
    }
    SetLogLevel(parsed);
  }
  RealClock clock;
  Logger log("operator");
  StatusOr<kube::RestConfig> rest = kube::ResolveRestConfig(
      flags->Get("kubeconfig").value_or(""), &clock, flags->Get("context").value_or(""));
  if (!rest.ok()) return Fail(rest.status().ToString());
  if (Status s = ApplyClientFlags(*flags, &*rest); !s.ok()) return Fail(s.ToString(), 2);
  std::string config_path = flags->Get("config").value_or("");
  std::string settings_text;
  if (!config_path.empty()) {
    bool ok = false;
    settings_text = ReadAll(config_path, &ok);
    if (!ok) return Fail("cannot read settings file " + config_path);
  }
  StatusOr<Settings> settings = ParseSettings(settings_text);
  if (!settings.ok()) return Fail(config_path + ": " + settings.status().ToString());
  std::string ns = flags->Get("namespace").value_or(rest->namespace_name);
  StatusOr<controllers::OperatorOptions> options = OperatorOptionsFrom(*flags, *settings, ns);
  if (!options.ok()) return Fail(options.status().ToString(), 2);

  StatusOr<std::unique_ptr<kube::RestApiClient>> client =
      kube::RestApiClient::Create(*rest, &clock);
  if (!client.ok()) return Fail(client.status().ToString());
  // The Lease gets a client (and token bucket) of its own, as kube-scheduler's leader election
  // does: renewals never wait behind the controllers' writes.
  StatusOr<std::unique_ptr<kube::RestApiClient>> lease_client =
      kube::RestApiClient::Create(*rest, &clock);
  if (!lease_client.ok()) return Fail(lease_client.status().ToString());
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
  controllers::Operator op(client->get(), &clock, &prom, *options, lease_client->get());
  if (Status s = op.Start(); !s.ok()) return Fail(s.ToString());
  // The admission webhook's informers synced before Start returned, so the operator's own
  // checks are the whole story from here; until now /readyz said "starting".
  prom.SetHealthChecks({[&op] { return op.Live(); }, [&op] { return op.Ready(); }});
  FAIRWAY_LOG(log, kInfo, "operator started",
              {{"server", rest->source},
               {"namespace", ns},
               {"identity", op.identity()},
               {"kube_api_qps", rest->qps},
               {"kube_api_burst", rest->burst}});
  std::unique_ptr<controllers::DirectorySync> directory =
      StartDirectorySync(*settings, client->get(), &clock, ns, &op);
  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  std::thread waiter([&] {
    Status w = op.Wait();
    if (!w.ok()) g_signal = -1;
  });
  WatchSettings(config_path, settings_text, &op, admission.get(), log);
  int rc = g_signal == -1 ? 1 : 0;
  // No probe may reach the operator once it is gone (it is destroyed before `prom`).
  prom.SetHealthChecks({});
  if (directory) directory->Stop();
  op.Stop();
  waiter.join();
  if (admission) admission->Stop();
  FAIRWAY_LOG(log, kInfo, "operator stopped");
  return rc;
}

}  // namespace fairway::cli
