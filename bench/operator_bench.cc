// The operator end to end against the sandbox over real HTTP on 127.0.0.1: an in-process
// sandbox (API server + kubelet simulator, src/sandbox) and one Controller (src/controllers)
// talking to it through the REST client, as `fairway operator` does.
//
// BM_OperatorThroughput/<nodes>/<jobs>: <nodes> simulated nodes x 8 GPUs; first the sandbox's raw
// write rate (sequential ConfigMap creates through the same client), then <jobs> single-pod
// 1-GPU Jobs with a long simulated run time are created (the Job create rate is reported too),
// then the controller starts and the time until min(jobs, GPUs) pods are bound is measured:
//   pods_per_s                 bound pods per second, controller start (incl. informer sync) to
//                              the last bind
//   raw_creates_per_s          the sandbox's sequential write rate through the same client
//   pod_writes_vs_raw          2 * pods_per_s / raw_creates_per_s (each pod is a create and a
//                              bind); the target is >= 0.5
//   api_<verb>_<res>_{n,s}     the controller's API calls and their total seconds (where the time
//                              goes), cycle_s_total / cycles for the scheduling cycles
//   client_qps, client_burst   the controller client's rate limit: the shipped defaults
//                              (kube::kDefaultClientQps/Burst, what `fairway operator` runs
//                              with unless --kube-api-qps/--kube-api-burst say otherwise)
// The controller's client runs with the shipped rate limit, so the figure describes what users
// run. Only the benchmark's own load generator (Job creates, raw writes) is unthrottled, as
// kube-scheduler's scheduler_perf does for its clients.
//
// BM_SchedulingLatency/<nodes>/<jobs>: an idle cluster with the controller running; <jobs> Jobs
// are created one at a time, each waiting until its pod is bound: create -> bound p50/p99/max.
//
// Run:  build/bench/operator_bench
#include <benchmark/benchmark.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "config/scheduler_settings.h"
#include "controllers/controller.h"
#include "controllers/instrumented_client.h"
#include "controllers/metrics.h"
#include "kube/api_client.h"
#include "kube/event_recorder.h"
#include "kube/kube_config.h"
#include "sandbox/sandbox.h"

#ifndef FAIRWAY_SOURCE_DIR
#define FAIRWAY_SOURCE_DIR "."
#endif

namespace fairway {
namespace {

using nlohmann::json;
using SteadyClock = std::chrono::steady_clock;

constexpr int64_t kGpusPerNode = 8;
constexpr int kRawWrites = 5000;

double Seconds(SteadyClock::time_point a, SteadyClock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

// Records the controller's cycle times and API calls (per verb and resource).
class BenchMetrics : public controllers::NullOperatorMetrics {
 public:
  void ObserveCycle(double seconds, int64_t, int64_t) override {
    std::lock_guard<std::mutex> l(mu_);
    cycle_s_ += seconds;
    cycle_max_s_ = std::max(cycle_max_s_, seconds);
    ++cycles_;
  }
  void ObserveCyclePhase(const std::string& phase, double seconds) override {
    std::lock_guard<std::mutex> l(mu_);
    if (!sampling_) return;
    phase_samples_[phase].push_back(seconds);
    if (phase == "report") ++sampled_cycles_;
  }
  void ObserveApiRequest(const std::string& verb, const std::string& resource, double seconds,
                         bool) override {
    std::lock_guard<std::mutex> l(mu_);
    if (verb != "GET" && verb != "LIST" && verb != "WATCH") {
      ++writes_;
      last_write_ = verb + " " + resource;
    }
    auto& [n, s] = api_[verb + "_" + resource.substr(0, resource.find('.'))];
    ++n;
    s += seconds;
  }
  int64_t Writes() {
    std::lock_guard<std::mutex> l(mu_);
    return writes_;
  }
  std::string LastWrite() {
    std::lock_guard<std::mutex> l(mu_);
    return last_write_;
  }
  // Phases of the cycles from now on are kept (ReportPhaseMedians).
  void StartPhaseSamples() {
    std::lock_guard<std::mutex> l(mu_);
    sampling_ = true;
  }
  int64_t SampledCycles() {
    std::lock_guard<std::mutex> l(mu_);
    return sampled_cycles_;
  }
  // The median of each phase over the sampled cycles, in milliseconds, and of load + snapshot
  // (the operator's own cost from its caches to the core's input).
  void ReportPhaseMedians(benchmark::State& state) {
    std::lock_guard<std::mutex> l(mu_);
    auto median = [](std::vector<double> v) {
      if (v.empty()) return 0.0;
      std::sort(v.begin(), v.end());
      return v[v.size() / 2];
    };
    for (const auto& [phase, samples] : phase_samples_) {
      state.counters[phase + "_ms"] = 1000 * median(samples);
    }
    std::vector<double> to_snapshot;
    const auto& load = phase_samples_["load"];
    const auto& snapshot = phase_samples_["snapshot"];
    for (size_t i = 0; i < std::min(load.size(), snapshot.size()); ++i) {
      to_snapshot.push_back(load[i] + snapshot[i]);
    }
    state.counters["cache_to_snapshot_ms"] = 1000 * median(to_snapshot);
    state.counters["cycles_sampled"] = static_cast<double>(sampled_cycles_);
  }
  void Report(benchmark::State& state) {
    std::lock_guard<std::mutex> l(mu_);
    state.counters["cycles"] = static_cast<double>(cycles_);
    state.counters["cycle_s_total"] = cycle_s_;
    state.counters["cycle_s_max"] = cycle_max_s_;
    for (const auto& [key, v] : api_) {
      if (v.first < 10) continue;
      state.counters["api_" + key + "_n"] = static_cast<double>(v.first);
      state.counters["api_" + key + "_s"] = v.second;
    }
  }

 private:
  std::mutex mu_;
  double cycle_s_ = 0, cycle_max_s_ = 0;
  int64_t cycles_ = 0;
  int64_t writes_ = 0;
  std::string last_write_;
  bool sampling_ = false;
  int64_t sampled_cycles_ = 0;
  std::map<std::string, std::vector<double>> phase_samples_;
  std::map<std::string, std::pair<int64_t, double>> api_;
};

json JobJson(const std::string& name, double seconds) {
  return {{"apiVersion", "fairway.dev/v1alpha1"},
          {"kind", "Job"},
          {"metadata",
           {{"name", name},
            {"namespace", "default"},
            {"annotations", {{"fairway.dev/sim-duration", std::to_string(seconds)}}}}},
          {"spec",
           {{"nodes", 1},
            {"resources", {{"gpus", 1}}},
            {"user", "alice"},
            {"account", "physics"},
            {"timeLimit", "1-00:00:00"}}}};
}

std::string JobName(int64_t i) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "job-%06lld", static_cast<long long>(i));
  return buf;
}

struct Env {
  RealClock clock;
  std::unique_ptr<sandbox::Sandbox> sb;
  std::unique_ptr<kube::RestApiClient> client;    // the benchmark's own writes
  std::unique_ptr<kube::RestApiClient> ctl_rest;  // the controller's
  std::unique_ptr<controllers::InstrumentedApiClient> ctl_client;
  BenchMetrics metrics;
  kube::FakeEventRecorder events;
  std::unique_ptr<controllers::Controller> ctl;
  double ctl_qps = 0;  // the controller client's limit, as loaded
  int ctl_burst = 0;

  ~Env() {
    if (ctl) ctl->Stop();
    ctl.reset();
    if (sb) sb->Stop();
  }

  // `shipped_limits`: the RestConfig defaults the operator ships with; otherwise no client-side
  // limit (the benchmark's own load generator).
  std::unique_ptr<kube::RestApiClient> NewClient(bool shipped_limits) {
    kube::KubeconfigOptions ko;
    ko.clock = &clock;
    auto rest = kube::LoadKubeconfigFromString(sb->Kubeconfig(), "/tmp", ko);
    if (!rest.ok()) return nullptr;
    if (shipped_limits) {
      ctl_qps = rest->qps;
      ctl_burst = rest->burst;
    } else {
      rest->qps = 0;
    }
    auto c = kube::RestApiClient::Create(*rest, &clock);
    if (!c.ok()) return nullptr;
    return std::move(*c);
  }

  bool Start(int nodes, std::string* error) {
    sandbox::SandboxOptions so;
    so.nodes = sandbox::UniformSimNodes(nodes, kGpusPerNode, "A100", "gpu-node-");
    so.manifests.push_back(FAIRWAY_SOURCE_DIR "/crds");
    auto s = sandbox::Sandbox::Start(so, &clock);
    if (!s.ok()) {
      *error = s.status().ToString();
      return false;
    }
    sb = std::move(*s);
    client = NewClient(/*shipped_limits=*/false);
    if (client == nullptr) {
      *error = "client";
      return false;
    }
    json part = {{"apiVersion", "fairway.dev/v1alpha1"},
                 {"kind", "Partition"},
                 {"metadata", {{"name", "gpu"}}},
                 {"spec", {{"default", true}}}};
    json acct = {{"apiVersion", "fairway.dev/v1alpha1"},
                 {"kind", "Account"},
                 {"metadata", {{"name", "physics"}}},
                 {"spec", {{"users", {"alice"}}}}};
    if (!client->Create(kube::ResourceRef::FairwayPartitions(), "", part).ok() ||
        !client->Create(kube::ResourceRef::FairwayAccounts(), "", acct).ok()) {
      *error = "partition/account";
      return false;
    }
    return true;
  }

  bool StartController(std::string* error) {
    controllers::ControllerOptions co;
    auto cfg = config::LoadSchedulerSettingsFile(FAIRWAY_SOURCE_DIR "/sim/settings/fairway.yaml");
    if (!cfg.ok()) {
      *error = cfg.status().ToString();
      return false;
    }
    co.config = *cfg;
    co.cycle_interval = std::chrono::seconds(1);
    co.informer_sync_timeout = std::chrono::seconds(120);
    ctl_rest = NewClient(/*shipped_limits=*/true);
    ctl_client =
        std::make_unique<controllers::InstrumentedApiClient>(ctl_rest.get(), &clock, &metrics);
    ctl =
        std::make_unique<controllers::Controller>(ctl_client.get(), &clock, &metrics, &events, co);
    Status s = ctl->Start();
    if (!s.ok()) *error = s.ToString();
    return s.ok();
  }

  // One running pod of another scheduler per node, holding all its GPUs: a full cluster.
  // Written straight into the store (see BM_OperatorCycleCost).
  bool FillNodesWithOtherPods(int nodes) {
    const sandbox::ResourceRef pods{"", "pods", "/pods"};
    for (int i = 0; i < nodes; ++i) {
      const std::string name = "other-" + std::to_string(i);
      json gpus = {{"nvidia.com/gpu", std::to_string(kGpusPerNode)}};
      json pod = {{"apiVersion", "v1"},
                  {"kind", "Pod"},
                  {"metadata", StoredMetadata(name, "default", "p" + std::to_string(i))},
                  {"spec",
                   {{"nodeName", "gpu-node-" + std::to_string(i)},
                    {"schedulerName", "default-scheduler"},
                    {"containers",
                     {{{"name", "main"},
                       {"image", "trainer"},
                       {"resources", {{"requests", gpus}, {"limits", gpus}}}}}}}},
                  {"status", {{"phase", "Running"}}}};
      if (!sb->api().store().Create(pods, std::move(pod)).ok()) return false;
    }
    return true;
  }

  // `jobs` queued Jobs written straight into the store, as the API server would store them.
  bool SeedJobs(int64_t jobs) {
    const sandbox::ResourceRef ref{"fairway.dev", "jobs", "fairway.dev/jobs"};
    for (int64_t i = 0; i < jobs; ++i) {
      json job = JobJson(JobName(i), 1e6);
      json meta = StoredMetadata(JobName(i), "default", "j" + std::to_string(i));
      meta["annotations"] = job["metadata"]["annotations"];
      job["metadata"] = std::move(meta);
      if (!sb->api().store().Create(ref, std::move(job)).ok()) return false;
    }
    return true;
  }

  static json StoredMetadata(const std::string& name, const std::string& ns,
                             const std::string& uid) {
    return {{"name", name},
            {"namespace", ns},
            {"uid", "00000000-0000-0000-0000-" + uid},
            {"creationTimestamp", "2026-01-01T00:00:00Z"}};
  }

  // Pods with spec.nodeName set, straight from the sandbox's store.
  int64_t BoundPods() {
    auto snap = sb->api().store().List("/pods", "default");
    int64_t n = 0;
    for (const auto& p : snap.items) {
      auto spec = p->find("spec");
      if (spec == p->end()) continue;
      auto node = spec->find("nodeName");
      if (node != spec->end() && node->is_string() &&
          !node->get_ref<const std::string&>().empty()) {
        ++n;
      }
    }
    return n;
  }
};

// The controller client's limits, in the output so nobody mistakes the figure for an unlimited
// one.
void ReportClientLimits(benchmark::State& state, const Env& env) {
  state.counters["client_qps"] = env.ctl_qps;
  state.counters["client_burst"] = static_cast<double>(env.ctl_burst);
  char label[96];
  std::snprintf(label, sizeof(label), "controller client: shipped defaults qps=%g burst=%d",
                env.ctl_qps, env.ctl_burst);
  state.SetLabel(label);
}

void BM_OperatorThroughput(benchmark::State& state) {
  const int nodes = static_cast<int>(state.range(0));
  const int64_t jobs = state.range(1);
  const int64_t target = std::min<int64_t>(jobs, nodes * kGpusPerNode);
  for (auto _ : state) {
    Env env;
    std::string error;
    if (!env.Start(nodes, &error)) {
      state.SkipWithError(error.c_str());
      return;
    }
    // The sandbox's raw sequential write rate through the same client.
    auto t0 = SteadyClock::now();
    for (int i = 0; i < kRawWrites; ++i) {
      json cm = {{"apiVersion", "v1"},
                 {"kind", "ConfigMap"},
                 {"metadata", {{"name", "raw-" + std::to_string(i)}, {"namespace", "default"}}},
                 {"data", {{"key", "value"}}}};
      if (!env.client->Create({"", "v1", "configmaps", true}, "default", cm).ok()) {
        state.SkipWithError("raw create failed");
        return;
      }
    }
    const double raw_rate = kRawWrites / Seconds(t0, SteadyClock::now());

    // The queue: every Job before the controller starts.
    t0 = SteadyClock::now();
    for (int64_t i = 0; i < jobs; ++i) {
      auto r =
          env.client->Create(kube::ResourceRef::FairwayJobs(), "default", JobJson(JobName(i), 1e6));
      if (!r.ok()) {
        state.SkipWithError(("job create: " + r.status().ToString()).c_str());
        return;
      }
    }
    const double job_create_rate = static_cast<double>(jobs) / Seconds(t0, SteadyClock::now());

    // The controller, until `target` pods are bound.
    t0 = SteadyClock::now();
    if (!env.StartController(&error)) {
      state.SkipWithError(error.c_str());
      return;
    }
    const double sync_s = Seconds(t0, SteadyClock::now());
    double first_bind_s = -1;
    int64_t bound = 0;
    const auto deadline = t0 + std::chrono::minutes(15);
    while (SteadyClock::now() < deadline) {
      bound = env.BoundPods();
      if (bound > 0 && first_bind_s < 0) first_bind_s = Seconds(t0, SteadyClock::now());
      if (bound >= target) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    const double total_s = Seconds(t0, SteadyClock::now());
    state.SetIterationTime(total_s);
    const double pods_per_s = static_cast<double>(bound) / total_s;
    state.counters["raw_creates_per_s"] = raw_rate;
    state.counters["job_creates_per_s"] = job_create_rate;
    state.counters["pods_bound"] = static_cast<double>(bound);
    state.counters["pods_target"] = static_cast<double>(target);
    state.counters["informer_sync_s"] = sync_s;
    state.counters["first_bind_s"] = first_bind_s;
    state.counters["bind_all_s"] = total_s;
    state.counters["pods_per_s"] = pods_per_s;
    state.counters["pods_per_s_after_first"] =
        first_bind_s >= 0 && bound > 1 ? static_cast<double>(bound - 1) / (total_s - first_bind_s)
                                       : 0;
    state.counters["pod_writes_vs_raw"] = 2 * pods_per_s / raw_rate;
    ReportClientLimits(state, env);
    env.metrics.Report(state);
    if (bound < target) state.SkipWithError("not every pod was bound within 15 minutes");
  }
}
BENCHMARK(BM_OperatorThroughput)
    ->Args({1000, 20000})
    ->Args({1000, 100000})
    ->Iterations(1)
    ->UseManualTime()
    ->Unit(benchmark::kSecond);

void BM_SchedulingLatency(benchmark::State& state) {
  const int nodes = static_cast<int>(state.range(0));
  const int64_t jobs = state.range(1);
  for (auto _ : state) {
    Env env;
    std::string error;
    if (!env.Start(nodes, &error) || !env.StartController(&error)) {
      state.SkipWithError(error.c_str());
      return;
    }
    std::vector<double> latency_ms;
    auto start = SteadyClock::now();
    for (int64_t i = 0; i < jobs; ++i) {
      const std::string name = "lat-" + std::to_string(i);
      auto t0 = SteadyClock::now();
      if (!env.client->Create(kube::ResourceRef::FairwayJobs(), "default", JobJson(name, 1e6))
               .ok()) {
        state.SkipWithError("job create failed");
        return;
      }
      const sandbox::ResourceRef pods{"", "pods", "/pods"};
      const auto deadline = t0 + std::chrono::seconds(30);
      bool bound = false;
      while (!bound && SteadyClock::now() < deadline) {
        auto pod = env.sb->api().store().Get(pods, "default", name + "-0");
        if (pod.ok()) {
          const json& p = **pod;
          auto spec = p.find("spec");
          bound = spec != p.end() && spec->contains("nodeName") &&
                  (*spec)["nodeName"].is_string() &&
                  !(*spec)["nodeName"].get<std::string>().empty();
        }
        if (!bound) std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
      if (!bound) {
        state.SkipWithError(("job " + name + " not bound within 30 s").c_str());
        return;
      }
      latency_ms.push_back(Seconds(t0, SteadyClock::now()) * 1000);
    }
    state.SetIterationTime(Seconds(start, SteadyClock::now()));
    std::sort(latency_ms.begin(), latency_ms.end());
    auto pct = [&](double q) {
      size_t idx = static_cast<size_t>(q * static_cast<double>(latency_ms.size() - 1) + 0.5);
      return latency_ms[std::min(idx, latency_ms.size() - 1)];
    };
    state.counters["jobs"] = static_cast<double>(jobs);
    state.counters["p50_ms"] = pct(0.50);
    state.counters["p99_ms"] = pct(0.99);
    state.counters["max_ms"] = latency_ms.back();
    state.counters["min_ms"] = latency_ms.front();
    ReportClientLimits(state, env);
    env.metrics.Report(state);
  }
}
BENCHMARK(BM_SchedulingLatency)
    ->Args({1000, 200})
    ->Iterations(1)
    ->UseManualTime()
    ->Unit(benchmark::kSecond);

// The operator's own per-cycle cost at scale: 100,000 queued Jobs on 10,000 full nodes. Jobs and
// the pods that fill the nodes are written straight into the sandbox's store (an API round trip
// per object would take minutes and measure the sandbox, not the operator); the operator lists
// them through the API as always. Once its first statuses are written (no API write in a whole
// cycle), the phases of the following cycles are read from its cycle-phase metric: "load" and
// "snapshot" are the cache -> snapshot cost the target bounds.
void BM_OperatorCycleCost(benchmark::State& state) {
  const int nodes = static_cast<int>(state.range(0));
  const int64_t jobs = state.range(1);
  constexpr int kMeasuredCycles = 5;
  for (auto _ : state) {
    Env env;
    std::string error;
    if (!env.Start(nodes, &error)) {
      state.SkipWithError(error.c_str());
      return;
    }
    if (!env.FillNodesWithOtherPods(nodes) || !env.SeedJobs(jobs)) {
      state.SkipWithError("seeding the store failed");
      return;
    }
    if (!env.StartController(&error)) {
      state.SkipWithError(error.c_str());
      return;
    }
    // Settled: two cycles without a per-job write.
    const auto deadline = SteadyClock::now() + std::chrono::minutes(10);
    int64_t writes = -1;
    int64_t cycles = env.ctl->cycles();
    while (SteadyClock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      if (env.ctl->cycles() < cycles + 2) continue;
      cycles = env.ctl->cycles();
      const int64_t now_writes = env.metrics.Writes();
      std::fprintf(stderr, "settling: %lld cycles, %lld API writes (last: %s)\n",
                   static_cast<long long>(cycles), static_cast<long long>(now_writes),
                   env.metrics.LastWrite().c_str());
      // Periodic writes (usage checkpoints of Accounts) go on; per-job ones are done.
      if (writes >= 0 && now_writes - writes < 10) break;
      writes = now_writes;
    }
    env.metrics.StartPhaseSamples();
    while (SteadyClock::now() < deadline && env.metrics.SampledCycles() < kMeasuredCycles) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    state.SetIterationTime(1);
    env.metrics.ReportPhaseMedians(state);
    if (env.metrics.SampledCycles() < kMeasuredCycles) state.SkipWithError("no steady cycles");
  }
}
BENCHMARK(BM_OperatorCycleCost)
    ->Args({10000, 100000})
    ->Args({1000, 5000})
    ->Iterations(1)
    ->UseManualTime()
    ->Unit(benchmark::kSecond);

}  // namespace
}  // namespace fairway

BENCHMARK_MAIN();
