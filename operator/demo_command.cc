// fairway demo: the sandbox API server with simulated GPU nodes, token authentication and RBAC;
// the operator against it over real HTTP as its own service account (deploy/base RBAC) serving
// the admission webhook; sample partitions/accounts/QoS; a mixed workload submitted by two users
// (alice, bob) with their own tokens, so the webhook stamps who submitted each job. Prints a
// refreshing squeue-like view until the workload finishes, then a summary.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <map>
#include <random>
#include <string>
#include <thread>

#include "api/account_types.h"
#include "api/hostlist.h"
#include "api/job_types.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/status_macros.h"
#include "config/admission_settings.h"
#include "config/scheduler_settings.h"
#include "controllers/job_status.h"
#include "controllers/operator.h"
#include "kube/api_client.h"
#include "kube/kube_config.h"
#include "metrics/prometheus_metrics.h"
#include "operator/commands.h"
#include "operator/flags.h"
#include "operator/run_pods.h"
#include "sandbox/sandbox.h"
#include "webhook/admission_service.h"
#include "webhook/configurations.h"

namespace fairway::cli {
namespace {

using nlohmann::json;

constexpr const char* kUsage =
    "usage: fairway demo [flags]\n"
    "\n"
    "Starts the sandbox (4 simulated nodes x 8 A100 GPUs) with token authentication and RBAC,\n"
    "the operator against it over HTTP (leader election, informers, pods/binding, the admission\n"
    "webhook), and a mixed workload submitted by alice and bob with their own tokens: a 4-node\n"
    "job blocked behind running jobs, small jobs that backfill beside it, a job array, and two\n"
    "accounts competing under fair share. Writes a kubeconfig with contexts admin (current),\n"
    "alice and bob, so the real kubectl can watch and submit as each of them.\n"
    "\n"
    "  --crds DIR            CRD manifests (default: ./crds, then the source tree's crds/)\n"
    "  --deploy DIR          install manifests (default: ./deploy/base, then the source tree's)\n"
    "  --kubeconfig-out PATH (default ./demo.kubeconfig)\n"
    "  --keep                keep serving after the workload finishes (until Ctrl-C)\n"
    "  --metrics-address A   Prometheus listener (default 127.0.0.1:0)\n";

std::string Usage() { return std::string(kUsage) + kRunPodsUsage; }

std::atomic<int> g_signal{0};
void OnSignal(int sig) { g_signal = sig; }

constexpr const char* kSettings = R"(
priority:
  weights: {age: 1000, fairShare: 10000, jobSize: 1000, partition: 1000, qos: 1000}
  maxAge: 1-0
fairShare:
  decayHalfLife: 0-01:00:00
backfill:
  resolution: 5
  window: 0-02:00:00
)";

// The operator's identity: the service account deploy/base/rbac.yaml grants its permissions to.
constexpr const char* kOperatorUser = "system:serviceaccount:fairway-system:fairway-operator";
constexpr const char* kOperatorNamespace = "fairway-system";

// A person or service of the demo, authenticated by a static token.
struct Identity {
  std::string name;  // kubeconfig context
  std::string user;  // what the API server authenticates
  std::string groups;
  std::string token;
};

std::string RandomToken() {
  std::random_device rd;
  std::string t;
  for (int i = 0; i < 32; ++i) t += "0123456789abcdef"[rd() % 16];
  return t;
}

std::vector<Identity> DemoIdentities() {
  return {{"admin", "admin", "fairway:admins,system:masters", RandomToken()},
          {"alice", "alice", "physics-lab", RandomToken()},
          {"bob", "bob", "bio-lab", RandomToken()},
          {"operator", kOperatorUser,
           "system:serviceaccounts,system:serviceaccounts:fairway-system", RandomToken()}};
}

// kube-apiserver's --token-auth-file text for `ids`.
std::string TokenFile(const std::vector<Identity>& ids) {
  std::string csv;
  for (const Identity& id : ids) {
    csv += id.token + "," + id.user + ",uid-" + id.name + ",\"" + id.groups + "\"\n";
  }
  return csv;
}

json Partition(const std::string& name, bool is_default) {
  return {{"apiVersion", "fairway.dev/v1alpha1"},
          {"kind", "Partition"},
          {"metadata", {{"name", name}}},
          {"spec", {{"default", is_default}, {"maxTime", "0-01:00:00"}, {"defaultTime", "5"}}}};
}

json Account(const std::string& name, int shares, const std::string& user) {
  return {{"apiVersion", "fairway.dev/v1alpha1"},
          {"kind", "Account"},
          {"metadata", {{"name", name}}},
          {"spec", {{"shares", shares}, {"users", {user}}, {"defaultFor", {user}}}}};
}

json Qos(const std::string& name, int priority) {
  return {{"apiVersion", "fairway.dev/v1alpha1"},
          {"kind", "QoS"},
          {"metadata", {{"name", name}}},
          {"spec", {{"priority", priority}}}};
}

// A Job as its user writes it: no spec.user (the webhook stamps it) and no account (the webhook
// fills the user's default account).
json Job(const std::string& name, int nodes, int gpus, int seconds, const std::string& limit,
         const std::string& array = "") {
  json container = {
      {"name", "main"}, {"image", "busybox"}, {"command", {"sleep", std::to_string(seconds)}}};
  json j = {{"apiVersion", "fairway.dev/v1alpha1"},
            {"kind", "Job"},
            {"metadata",
             {{"name", name},
              {"namespace", "default"},
              {"annotations", {{"fairway.dev/sim-duration", std::to_string(seconds)}}}}},
            {"spec",
             {{"partition", "gpu"},
              {"timeLimit", limit},
              {"nodes", nodes},
              {"resources", {{"gpus", gpus}}},
              {"template", {{"spec", {{"containers", json::array({container})}}}}}}}};
  if (!array.empty()) j["spec"]["array"] = array;
  return j;
}

std::string Pad(const std::string& s, size_t w, bool right = true) {
  std::string t = s.size() > w ? s.substr(0, w) : s;
  std::string pad(w - t.size(), ' ');
  return right ? pad + t : t + pad;
}

std::string JobIdText(const api::JobObject& j) {
  std::string id = std::to_string(j.status.job_id);
  if (!j.spec.array.empty()) id += "_[" + j.spec.array + "]";
  return id;
}

std::string Squeue(const std::vector<api::JobObject>& jobs, core::Timestamp now) {
  std::string out = Pad("JOBID", 14) + " " + Pad("PARTITION", 9) + " " + Pad("NAME", 12) + " " +
                    Pad("USER", 6) + " " + Pad("ST", 2) + " " + Pad("TIME", 8) + " " +
                    Pad("NODES", 5) + " NODELIST(REASON)\n";
  for (const api::JobObject& j : jobs) {
    api::JobStatus st = j.status;
    api::FillJobDisplayFields(&st, now);
    std::string nodelist = st.node_list.empty()
                               ? st.node_list_or_reason
                               : api::CompressHostList(controllers::SplitComma(st.node_list));
    if (st.array.has_value()) {
      std::string counts;
      for (const auto& [state, n] : st.array->counts) {
        counts += (counts.empty() ? "" : " ") + std::string(core::JobStateCode(state)) + ":" +
                  std::to_string(n);
      }
      nodelist = "tasks " + counts;
    }
    out += Pad(JobIdText(j), 14) + " " +
           Pad(st.partition.empty() ? j.spec.partition : st.partition, 9) + " " +
           Pad(j.meta.name, 12) + " " + Pad(j.spec.user, 6) + " " +
           Pad(st.state_code.empty() ? "PD" : st.state_code, 2) + " " + Pad(st.elapsed, 8) + " " +
           Pad(std::to_string(j.spec.nodes), 5) + " " + nodelist + "\n";
  }
  return out;
}

// A directory of the source tree (flag, ./<rel>, ../<rel>, then the tree the binary was built
// from).
std::string FindDir(const Flags& flags, const std::string& flag, const std::string& rel) {
  if (auto c = flags.Get(flag)) return *c;
  for (const std::string& p : {rel, "../" + rel, std::string(FAIRWAY_SOURCE_DIR) + "/" + rel}) {
    if (access(p.c_str(), R_OK) == 0) return p;
  }
  return rel;
}

// A REST client authenticated as `context` of the demo kubeconfig.
StatusOr<std::unique_ptr<kube::RestApiClient>> ClientAs(const std::string& kubeconfig,
                                                        const std::string& context, Clock* clock) {
  kube::KubeconfigOptions ko;
  ko.paths = {kubeconfig};
  ko.context = context;
  ko.clock = clock;
  FAIRWAY_ASSIGN_OR_RETURN(kube::RestConfig rest, kube::LoadKubeconfig(ko));
  return kube::RestApiClient::Create(rest, clock);
}

// Everything the demo runs, torn down in reverse order of construction.
struct Demo {
  std::unique_ptr<sandbox::Sandbox> sandbox;
  std::string kubeconfig;
  std::map<std::string, std::unique_ptr<kube::RestApiClient>> clients;  // by context
  std::unique_ptr<webhook::AdmissionService> admission;
  std::unique_ptr<controllers::Operator> op;

  kube::ApiClient& as(const std::string& context) { return *clients.at(context); }
};

StatusOr<std::unique_ptr<sandbox::Sandbox>> StartSandbox(const Flags& flags,
                                                         const std::vector<Identity>& ids,
                                                         Clock* clock) {
  sandbox::SandboxOptions sopts;
  sopts.nodes = sandbox::UniformSimNodes(4, 8, "A100", "gpu-node-");
  sopts.kubelet.start_delay = std::chrono::milliseconds(300);
  sopts.tls = true;  // kubectl sends bearer tokens only over HTTPS
  FAIRWAY_ASSIGN_OR_RETURN(sopts.kubelet.run_pods_dir, RunPodsDirFromFlags(flags));
  FAIRWAY_ASSIGN_OR_RETURN(sopts.api.tokens, sandbox::TokenTable::Parse(TokenFile(ids), "demo"));
  // The install manifests, as a platform team applies them: CRDs, the operator's namespace and
  // RBAC, and the ClusterRoles for people (fairway-user aggregates into `edit`).
  const std::string deploy = FindDir(flags, "deploy", "deploy/base");
  sopts.manifests = {FindDir(flags, "crds", "crds"), deploy + "/namespace.yaml",
                     deploy + "/rbac.yaml", deploy + "/user-roles.yaml"};
  return sandbox::Sandbox::Start(sopts, clock);
}

Status ConnectAll(Demo* d, const std::vector<Identity>& ids, Clock* clock) {
  std::vector<sandbox::KubeconfigUser> users;
  for (const Identity& id : ids) users.push_back({id.name, id.token, "", "", "default"});
  FAIRWAY_RETURN_IF_ERROR(d->sandbox->WriteKubeconfig(d->kubeconfig, users, "admin"));
  for (const Identity& id : ids) {
    FAIRWAY_ASSIGN_OR_RETURN(d->clients[id.name], ClientAs(d->kubeconfig, id.name, clock));
  }
  return OkStatus();
}

// Creates `obj` as `context`; an existing object is fine (the demo may run twice on --keep).
Status Create(Demo* d, const std::string& context, const kube::ResourceRef& ref,
              const std::string& ns, const json& obj) {
  StatusOr<json> r = d->as(context).Create(ref, ns, obj);
  if (r.ok() || r.status().code() == StatusCode::kAlreadyExists) return OkStatus();
  return r.status().WithContext("creating " + obj["metadata"].value("name", "?") + " as " +
                                context);
}

// The admission webhook (served by the operator process, as in a cluster) and its
// configurations, pointing at the port it got.
Status StartAdmission(Demo* d, Clock* clock) {
  webhook::AdmissionServiceOptions wo;
  wo.address = "127.0.0.1";
  wo.port = 0;
  wo.cert_dir = "";
  wo.namespace_name = kOperatorNamespace;
  FAIRWAY_ASSIGN_OR_RETURN(d->admission,
                           webhook::AdmissionService::Start(&d->as("operator"), clock, wo));
  const auto endpoint =
      webhook::WebhookEndpoint::Url("https://127.0.0.1:" + std::to_string(d->admission->port()));
  const kube::ResourceRef mutating{"admissionregistration.k8s.io", "v1",
                                   "mutatingwebhookconfigurations", false};
  const kube::ResourceRef validating{"admissionregistration.k8s.io", "v1",
                                     "validatingwebhookconfigurations", false};
  FAIRWAY_RETURN_IF_ERROR(
      Create(d, "admin", mutating, "",
             webhook::MutatingWebhookConfiguration(endpoint, d->admission->ca_pem())));
  return Create(d, "admin", validating, "",
                webhook::ValidatingWebhookConfiguration(endpoint, d->admission->ca_pem()));
}

// Partitions, accounts, QoS (as admin) and alice's and bob's right to submit in `default`.
Status CreateClusterObjects(Demo* d) {
  FAIRWAY_RETURN_IF_ERROR(
      Create(d, "admin", kube::ResourceRef::FairwayQoses(), "", Qos("normal", 0)));
  FAIRWAY_RETURN_IF_ERROR(
      Create(d, "admin", kube::ResourceRef::FairwayPartitions(), "", Partition("gpu", true)));
  FAIRWAY_RETURN_IF_ERROR(
      Create(d, "admin", kube::ResourceRef::FairwayAccounts(), "", Account("physics", 1, "alice")));
  FAIRWAY_RETURN_IF_ERROR(
      Create(d, "admin", kube::ResourceRef::FairwayAccounts(), "", Account("bio", 1, "bob")));
  json binding = {
      {"apiVersion", "rbac.authorization.k8s.io/v1"},
      {"kind", "RoleBinding"},
      {"metadata", {{"name", "researchers-edit"}, {"namespace", "default"}}},
      {"roleRef",
       {{"apiGroup", "rbac.authorization.k8s.io"}, {"kind", "ClusterRole"}, {"name", "edit"}}},
      {"subjects", {{{"kind", "User"}, {"name", "alice"}}, {{"kind", "User"}, {"name", "bob"}}}}};
  return Create(d, "admin", {"rbac.authorization.k8s.io", "v1", "rolebindings", true}, "default",
                binding);
}

// The workload, each job submitted by its owner.
Status SubmitWorkload(Demo* d) {
  const kube::ResourceRef jobs = kube::ResourceRef::FairwayJobs();
  auto submit = [&](const std::string& who, const json& job) {
    return Create(d, who, jobs, "default", job);
  };
  // Three 8-GPU jobs occupy three nodes; the 4-node job must wait for all of them.
  for (const char* name : {"prep-a", "prep-b", "prep-c"}) {
    FAIRWAY_RETURN_IF_ERROR(submit("alice", Job(name, 1, 8, 15, "2")));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  FAIRWAY_RETURN_IF_ERROR(submit("bob", Job("big-train", 4, 8, 15, "2")));
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  // Small, short jobs backfill on the free node without delaying big-train.
  for (int i = 0; i < 3; ++i) {
    FAIRWAY_RETURN_IF_ERROR(
        submit(i % 2 ? "bob" : "alice", Job("small-" + std::to_string(i), 1, 4, 6, "1")));
  }
  FAIRWAY_RETURN_IF_ERROR(submit("bob", Job("sweep", 1, 2, 5, "1", "0-7%4")));
  // Two accounts compete for whole nodes: physics already used a lot, so bio's jobs go first.
  for (int i = 0; i < 3; ++i) {
    FAIRWAY_RETURN_IF_ERROR(submit("alice", Job("phys-" + std::to_string(i), 1, 8, 8, "1")));
    FAIRWAY_RETURN_IF_ERROR(submit("bob", Job("bio-" + std::to_string(i), 1, 8, 8, "1")));
  }
  return OkStatus();
}

StatusOr<std::unique_ptr<controllers::Operator>> StartOperator(Demo* d, Clock* clock,
                                                               metrics::PrometheusMetrics* prom) {
  controllers::OperatorOptions oo;
  FAIRWAY_ASSIGN_OR_RETURN(oo.controller.config, config::ParseSchedulerSettings(kSettings));
  oo.controller.cycle_interval = std::chrono::seconds(1);
  oo.controller.state_namespace = kOperatorNamespace;
  oo.lease_namespace = kOperatorNamespace;
  oo.identity = "fairway-demo";
  auto op = std::make_unique<controllers::Operator>(&d->as("operator"), clock, prom, oo);
  FAIRWAY_RETURN_IF_ERROR(op->Start());
  return op;
}

std::vector<api::JobObject> ListJobs(kube::ApiClient& api) {
  std::vector<api::JobObject> jobs;
  StatusOr<kube::ObjectList> list = api.List(kube::ResourceRef::FairwayJobs(), "default");
  if (!list.ok()) return jobs;
  for (const json& item : list->items) {
    auto j = api::JobFromJson(item);
    if (j.ok()) jobs.push_back(std::move(*j));
  }
  std::sort(jobs.begin(), jobs.end(), [](const api::JobObject& a, const api::JobObject& b) {
    return a.status.job_id < b.status.job_id;
  });
  return jobs;
}

// Refreshes the squeue view until every job ended (or a signal, or 170 s); returns the last
// list and whether the workload finished.
std::vector<api::JobObject> Watch(Demo* d, Clock* clock, bool keep, bool* finished) {
  const bool tty = isatty(STDOUT_FILENO) != 0;
  const auto t_start = clock->Monotonic();
  std::string last_view;
  std::vector<api::JobObject> jobs;
  *finished = false;
  while (g_signal == 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1000));
    jobs = ListJobs(d->as("admin"));
    core::Timestamp now = std::chrono::time_point_cast<core::Seconds>(clock->Now());
    std::string view = Squeue(jobs, now);
    int elapsed = static_cast<int>(
        std::chrono::duration_cast<std::chrono::seconds>(clock->Monotonic() - t_start).count());
    if (tty) {
      std::printf("\033[2J\033[H[fairway demo t=%ds]  kubeconfig: %s\n\n%s", elapsed,
                  d->kubeconfig.c_str(), view.c_str());
    } else if (view != last_view) {
      std::printf("\n[t=%ds]\n%s", elapsed, view.c_str());
    }
    std::fflush(stdout);
    last_view = view;
    *finished = !jobs.empty() && std::all_of(jobs.begin(), jobs.end(), [](const api::JobObject& j) {
      return j.status.state.has_value() && core::IsTerminal(*j.status.state);
    });
    if ((*finished || elapsed > 170) && !keep) break;
  }
  return jobs;
}

void PrintSummary(Demo* d, const std::vector<api::JobObject>& jobs,
                  metrics::PrometheusMetrics& prom) {
  std::printf("\n=== summary ===\n");
  std::map<std::string, int> by_state;
  for (const api::JobObject& j : jobs) {
    std::string state(core::JobStateName(j.status.state.value_or(core::JobState::kPending)));
    by_state[state]++;
    std::string wait = "-";
    if (j.status.start_time && j.status.submit_time) {
      wait = std::to_string((*j.status.start_time - *j.status.submit_time).count()) + "s";
    }
    std::printf("  %-16s %-10s user=%-6s account=%-8s wait=%-5s nodes=%s\n", JobIdText(j).c_str(),
                state.c_str(), j.spec.user.c_str(), j.spec.account.c_str(), wait.c_str(),
                j.status.node_list.c_str());
  }
  for (const auto& [s, n] : by_state) std::printf("  %s: %d\n", s.c_str(), n);
  StatusOr<kube::ObjectList> accts = d->as("admin").List(kube::ResourceRef::FairwayAccounts(), "");
  for (const json& item : accts.ok() ? accts->items : std::vector<json>{}) {
    auto a = api::AccountFromJson(item);
    if (!a.ok()) continue;
    std::printf("  account %-8s usage=%.0f GPU-s fairshare(user)=", a->meta.name.c_str(),
                a->status.raw_usage);
    for (const auto& [u, f] : a->status.user_fair_share) std::printf("%s:%.3f ", u.c_str(), f);
    std::printf("\n");
  }
  std::string metrics = prom.Render();
  for (const char* name : {"fairway_backfill_starts_total", "fairway_pods_bound_total",
                           "fairway_jobs_started_total"}) {
    size_t pos = metrics.find(std::string("\n") + name + " ");
    if (pos == std::string::npos) continue;
    size_t end = metrics.find('\n', pos + 1);
    std::printf("  %s\n", metrics.substr(pos + 1, end - pos - 1).c_str());
  }
}

int Fail(const std::string& what, const Status& s) {
  std::fprintf(stderr, "fairway demo: %s: %s\n", what.c_str(), s.ToString().c_str());
  return 1;
}

}  // namespace

int RunDemoCommand(const std::vector<std::string>& args) {
  StatusOr<Flags> flags =
      Flags::Parse(args, {"crds", "deploy", "kubeconfig-out", "metrics-address", "pods-dir"},
                   {"keep", "help", "run-pods"});
  if (!flags.ok()) {
    std::fprintf(stderr, "fairway demo: %s\n\n%s", flags.status().ToString().c_str(),
                 Usage().c_str());
    return 2;
  }
  if (flags->Has("help")) {
    std::printf("%s", Usage().c_str());
    return 0;
  }
  SetLogLevel(LogLevel::kWarn);
  RealClock clock;
  const std::vector<Identity> ids = DemoIdentities();
  Demo d;
  d.kubeconfig = flags->Get("kubeconfig-out").value_or("demo.kubeconfig");
  auto sb = StartSandbox(*flags, ids, &clock);
  if (!sb.ok()) return Fail("sandbox", sb.status());
  d.sandbox = std::move(sb).value();
  if (Status s = ConnectAll(&d, ids, &clock); !s.ok()) return Fail("kubeconfig", s);
  std::printf(
      "sandbox API server: %s\nkubeconfig: %s  (contexts admin, alice, bob; try: kubectl "
      "--kubeconfig %s --context alice get fjob)\n",
      d.sandbox->url().c_str(), d.kubeconfig.c_str(), d.kubeconfig.c_str());
  metrics::PrometheusMetrics prom;
  if (Status s = prom.Serve(flags->Get("metrics-address").value_or("127.0.0.1:0")); s.ok()) {
    std::printf("metrics: http://127.0.0.1:%u/metrics\n", prom.port());
  }
  if (Status s = StartAdmission(&d, &clock); !s.ok()) return Fail("admission webhook", s);
  auto op = StartOperator(&d, &clock, &prom);
  if (!op.ok()) return Fail("operator", op.status());
  d.op = std::move(op).value();
  if (Status s = CreateClusterObjects(&d); !s.ok()) return Fail("cluster objects", s);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  if (Status s = SubmitWorkload(&d); !s.ok()) return Fail("workload", s);

  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  bool finished = false;
  std::vector<api::JobObject> jobs = Watch(&d, &clock, flags->Has("keep"), &finished);
  PrintSummary(&d, jobs, prom);
  std::printf("%s\n", finished ? "workload finished" : "stopped before the workload finished");
  d.op->Stop();
  d.admission->Stop();
  d.sandbox->Stop();
  return finished || g_signal != 0 ? 0 : 1;
}

}  // namespace fairway::cli
