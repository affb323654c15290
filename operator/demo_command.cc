// fairway demo: the sandbox API server with simulated GPU nodes, the operator against it over
// real HTTP, sample partitions/accounts/QoS and a mixed workload with short simulated durations;
// prints a refreshing squeue-like view until the workload finishes, then a summary.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <map>
#include <string>
#include <thread>

#include "api/job_types.h"
#include "common/clock.h"
#include "common/log.h"
#include "config/scheduler_settings.h"
#include "api/hostlist.h"
#include "controllers/job_status.h"
#include "controllers/operator.h"
#include "kube/api_client.h"
#include "kube/kube_config.h"
#include "metrics/prometheus_metrics.h"
#include "operator/commands.h"
#include "operator/flags.h"
#include "sandbox/sandbox.h"

namespace fairway::cli {
namespace {

using nlohmann::json;

constexpr const char* kUsage =
    "usage: fairway demo [flags]\n"
    "\n"
    "Starts the sandbox (4 simulated nodes x 8 A100 GPUs), the operator against it over HTTP,\n"
    "and a sample workload: a 4-node training job blocked behind running jobs, small jobs that\n"
    "backfill, a job array, and two accounts competing under fair share. Prints a kubeconfig\n"
    "path (use kubectl get fjob -w) and a squeue-like view until the workload finishes.\n"
    "\n"
    "  --crds DIR            CRD manifests (default: ./crds, then the source tree's crds/)\n"
    "  --kubeconfig-out PATH (default ./demo.kubeconfig)\n"
    "  --keep                keep serving after the workload finishes (until Ctrl-C)\n"
    "  --metrics-address A   Prometheus listener (default 127.0.0.1:0)\n";

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

json Partition(const std::string& name, bool is_default) {
  return {{"apiVersion", "fairway.dev/v1alpha1"}, {"kind", "Partition"},
          {"metadata", {{"name", name}}},
          {"spec", {{"default", is_default}, {"maxTime", "0-01:00:00"}, {"defaultTime", "5"}}}};
}

json Account(const std::string& name, int shares, const std::vector<std::string>& users) {
  return {{"apiVersion", "fairway.dev/v1alpha1"}, {"kind", "Account"},
          {"metadata", {{"name", name}}},
          {"spec", {{"shares", shares}, {"users", users}}}};
}

json Qos(const std::string& name, int priority) {
  return {{"apiVersion", "fairway.dev/v1alpha1"}, {"kind", "QoS"},
          {"metadata", {{"name", name}}}, {"spec", {{"priority", priority}}}};
}

json Job(const std::string& name, const std::string& account, const std::string& user,
         int nodes, int gpus, int seconds, const std::string& limit,
         const std::string& array = "") {
  json j = {{"apiVersion", "fairway.dev/v1alpha1"}, {"kind", "Job"},
            {"metadata", {{"name", name}, {"namespace", "default"},
                          {"annotations", {{"fairway.dev/sim-duration", std::to_string(seconds)}}}}},
            {"spec", {{"partition", "gpu"}, {"account", account}, {"user", user}, {"qos", "normal"},
                      {"timeLimit", limit}, {"nodes", nodes}, {"resources", {{"gpus", gpus}}},
                      {"template", {{"spec", {{"containers", json::array({{{"name", "main"},
                                                                            {"image", "busybox"},
                                                                            {"command", {"sleep", std::to_string(seconds)}}}})}}}}}}}};
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
    std::string nodelist = st.node_list.empty() ? st.node_list_or_reason
                                                : api::CompressHostList(controllers::SplitComma(st.node_list));
    if (st.array.has_value()) {
      std::string counts;
      for (const auto& [state, n] : st.array->counts) {
        counts += (counts.empty() ? "" : " ") + std::string(core::JobStateCode(state)) + ":" +
                  std::to_string(n);
      }
      nodelist = "tasks " + counts;
    }
    out += Pad(JobIdText(j), 14) + " " + Pad(st.partition.empty() ? j.spec.partition : st.partition, 9) +
           " " + Pad(j.meta.name, 12) + " " + Pad(j.spec.user, 6) + " " +
           Pad(st.state_code.empty() ? "PD" : st.state_code, 2) + " " + Pad(st.elapsed, 8) + " " +
           Pad(std::to_string(j.spec.nodes), 5) + " " + nodelist + "\n";
  }
  return out;
}

std::string FindCrds(const Flags& flags) {
  if (auto c = flags.Get("crds")) return *c;
  for (const char* p : {"crds", "../crds", FAIRWAY_SOURCE_DIR "/crds"}) {
    if (access(p, R_OK) == 0) return p;
  }
  return "crds";
}

}  // namespace

int RunDemoCommand(const std::vector<std::string>& args) {
  StatusOr<Flags> flags =
      Flags::Parse(args, {"crds", "kubeconfig-out", "metrics-address"}, {"keep", "help"});
  if (!flags.ok()) {
    std::fprintf(stderr, "fairway demo: %s\n\n%s", flags.status().ToString().c_str(), kUsage);
    return 2;
  }
  if (flags->Has("help")) {
    std::printf("%s", kUsage);
    return 0;
  }
  SetLogLevel(LogLevel::kWarn);
  RealClock clock;
  sandbox::SandboxOptions sopts;
  sopts.nodes = sandbox::UniformSimNodes(4, 8, "A100", "gpu-node-");
  sopts.kubelet.start_delay = std::chrono::milliseconds(300);
  sopts.manifests.push_back(FindCrds(*flags));
  auto sb = sandbox::Sandbox::Start(sopts, &clock);
  if (!sb.ok()) {
    std::fprintf(stderr, "fairway demo: sandbox: %s\n", sb.status().ToString().c_str());
    return 1;
  }
  std::string kubeconfig = flags->Get("kubeconfig-out").value_or("demo.kubeconfig");
  if (Status s = (*sb)->WriteKubeconfig(kubeconfig); !s.ok()) {
    std::fprintf(stderr, "fairway demo: %s\n", s.ToString().c_str());
    return 1;
  }
  std::printf("sandbox API server: %s\nkubeconfig: %s  (try: kubectl --kubeconfig %s get fjob)\n",
              (*sb)->url().c_str(), kubeconfig.c_str(), kubeconfig.c_str());

  kube::KubeconfigOptions ko;
  ko.paths = {kubeconfig};
  ko.clock = &clock;
  StatusOr<kube::RestConfig> rest = kube::LoadKubeconfig(ko);
  if (!rest.ok()) {
    std::fprintf(stderr, "fairway demo: %s\n", rest.status().ToString().c_str());
    return 1;
  }
  auto client = kube::RestApiClient::Create(*rest, &clock);
  if (!client.ok()) {
    std::fprintf(stderr, "fairway demo: %s\n", client.status().ToString().c_str());
    return 1;
  }
  kube::ApiClient* api = client->get();

  metrics::PrometheusMetrics prom;
  if (Status s = prom.Serve(flags->Get("metrics-address").value_or("127.0.0.1:0")); s.ok()) {
    std::printf("metrics: http://127.0.0.1:%u/metrics\n", prom.port());
  }
  controllers::OperatorOptions oo;
  auto cfg = config::ParseSchedulerSettings(kSettings);
  if (!cfg.ok()) {
    std::fprintf(stderr, "fairway demo: settings: %s\n", cfg.status().ToString().c_str());
    return 1;
  }
  oo.controller.config = *cfg;
  oo.controller.cycle_interval = std::chrono::seconds(1);
  oo.identity = "fairway-demo";
  controllers::Operator op(api, &clock, &prom, oo);
  if (Status s = op.Start(); !s.ok()) {
    std::fprintf(stderr, "fairway demo: operator: %s\n", s.ToString().c_str());
    return 1;
  }

  // Cluster objects, then the workload.
  auto create = [&](const kube::ResourceRef& ref, const std::string& ns, const json& obj) {
    StatusOr<json> r = api->Create(ref, ns, obj);
    if (!r.ok() && r.status().code() != StatusCode::kAlreadyExists) {
      std::fprintf(stderr, "create %s: %s\n", obj["metadata"]["name"].get<std::string>().c_str(),
                   r.status().ToString().c_str());
    }
  };
  create(kube::ResourceRef::FairwayPartitions(), "", Partition("gpu", true));
  create(kube::ResourceRef::FairwayAccounts(), "", Account("physics", 1, {"alice"}));
  create(kube::ResourceRef::FairwayAccounts(), "", Account("bio", 1, {"bob"}));
  create(kube::ResourceRef::FairwayQoses(), "", Qos("normal", 0));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  // Three 8-GPU jobs occupy three nodes; the 4-node job must wait for all of them.
  create(kube::ResourceRef::FairwayJobs(), "default", Job("prep-a", "physics", "alice", 1, 8, 15, "2"));
  create(kube::ResourceRef::FairwayJobs(), "default", Job("prep-b", "physics", "alice", 1, 8, 15, "2"));
  create(kube::ResourceRef::FairwayJobs(), "default", Job("prep-c", "physics", "alice", 1, 8, 15, "2"));
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  create(kube::ResourceRef::FairwayJobs(), "default", Job("big-train", "bio", "bob", 4, 8, 15, "2"));
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  // Small, short jobs backfill on the free node without delaying big-train.
  for (int i = 0; i < 3; ++i) {
    create(kube::ResourceRef::FairwayJobs(), "default",
           Job("small-" + std::to_string(i), i % 2 ? "bio" : "physics", i % 2 ? "bob" : "alice", 1, 4, 6, "1"));
  }
  create(kube::ResourceRef::FairwayJobs(), "default", Job("sweep", "bio", "bob", 1, 2, 5, "1", "0-7%4"));
  // Two accounts compete for whole nodes: physics already used a lot, so bio's jobs go first.
  for (int i = 0; i < 3; ++i) {
    create(kube::ResourceRef::FairwayJobs(), "default", Job("phys-" + std::to_string(i), "physics", "alice", 1, 8, 8, "1"));
    create(kube::ResourceRef::FairwayJobs(), "default", Job("bio-" + std::to_string(i), "bio", "bob", 1, 8, 8, "1"));
  }

  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  const bool tty = isatty(STDOUT_FILENO) != 0;
  const auto t_start = clock.Monotonic();
  std::string last_view;
  std::vector<api::JobObject> jobs;
  bool finished = false;
  while (g_signal == 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1000));
    StatusOr<kube::ObjectList> list = api->List(kube::ResourceRef::FairwayJobs(), "default");
    if (!list.ok()) continue;
    jobs.clear();
    for (const json& item : list->items) {
      auto j = api::JobFromJson(item);
      if (j.ok()) jobs.push_back(std::move(*j));
    }
    std::sort(jobs.begin(), jobs.end(), [](const api::JobObject& a, const api::JobObject& b) {
      return a.status.job_id < b.status.job_id;
    });
    core::Timestamp now = std::chrono::time_point_cast<core::Seconds>(clock.Now());
    std::string view = Squeue(jobs, now);
    int elapsed = static_cast<int>(std::chrono::duration_cast<std::chrono::seconds>(clock.Monotonic() - t_start).count());
    if (tty) {
      std::printf("\033[2J\033[H[fairway demo t=%ds]  kubeconfig: %s\n\n%s", elapsed, kubeconfig.c_str(), view.c_str());
    } else if (view != last_view) {
      std::printf("\n[t=%ds]\n%s", elapsed, view.c_str());
    }
    std::fflush(stdout);
    last_view = view;
    finished = !jobs.empty() && std::all_of(jobs.begin(), jobs.end(), [](const api::JobObject& j) {
      return j.status.state.has_value() && core::IsTerminal(*j.status.state);
    });
    if (finished && !flags->Has("keep")) break;
    if (elapsed > 170 && !flags->Has("keep")) break;
  }

  // Summary.
  std::printf("\n=== summary ===\n");
  std::map<std::string, int> by_state;
  for (const api::JobObject& j : jobs) {
    std::string state(core::JobStateName(j.status.state.value_or(core::JobState::kPending)));
    by_state[state]++;
    std::string wait = "-";
    if (j.status.start_time && j.status.submit_time) {
      wait = std::to_string((*j.status.start_time - *j.status.submit_time).count()) + "s";
    }
    std::printf("  %-16s %-10s account=%-8s wait=%-5s nodes=%s\n", JobIdText(j).c_str(), state.c_str(),
                j.spec.account.c_str(), wait.c_str(), j.status.node_list.c_str());
  }
  for (const auto& [s, n] : by_state) std::printf("  %s: %d\n", s.c_str(), n);
  StatusOr<kube::ObjectList> accts = api->List(kube::ResourceRef::FairwayAccounts(), "");
  if (accts.ok()) {
    for (const json& item : accts->items) {
      auto a = api::AccountFromJson(item);
      if (a.ok()) {
        std::printf("  account %-8s usage=%.0f GPU-s fairshare(user)=", a->meta.name.c_str(), a->status.raw_usage);
        for (const auto& [u, f] : a->status.user_fair_share) std::printf("%s:%.3f ", u.c_str(), f);
        std::printf("\n");
      }
    }
  }
  std::string metrics = prom.Render();
  for (const char* name : {"fairway_backfill_starts_total", "fairway_pods_bound_total", "fairway_jobs_started_total"}) {
    size_t pos = metrics.find(std::string("\n") + name + " ");
    if (pos != std::string::npos) {
      size_t end = metrics.find('\n', pos + 1);
      std::printf("  %s\n", metrics.substr(pos + 1, end - pos - 1).c_str());
    }
  }
  std::printf("%s\n", finished ? "workload finished" : "stopped before the workload finished");
  op.Stop();
  (*sb)->Stop();
  return finished || g_signal != 0 ? 0 : 1;
}

}  // namespace fairway::cli
