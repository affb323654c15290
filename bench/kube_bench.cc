// The kube client layer against the in-process sandbox over HTTP:
//   BM_InformerSync/pods:100000/nodes:10000  list+watch of 100k pods and 10k nodes into two
//                                            informer caches (wall time, RSS growth)
//   BM_CreateRate                            sustained POST rate through RestApiClient
//   BM_GetRate                               sustained GET rate through RestApiClient
// Run: build-kube/bench/kube_bench --benchmark_counters_tabular=true
#include <benchmark/benchmark.h>

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>

#include "common/clock.h"
#include "common/log.h"
#include "kube/api_client.h"
#include "kube/informer.h"
#include "sandbox/sandbox.h"

namespace fairway::kube {
namespace {

int64_t RssBytes() {
  std::ifstream f("/proc/self/statm");
  int64_t size = 0, rss = 0;
  f >> size >> rss;
  return rss * sysconf(_SC_PAGESIZE);
}

json Pod(int i) {
  char name[32];
  std::snprintf(name, sizeof(name), "pod-%06d", i);
  char node[32];
  std::snprintf(node, sizeof(node), "node-%05d", i % 10000);
  json container = {{"name", "main"}, {"image", "trainer:1"}};
  container["resources"]["requests"] = {{"nvidia.com/gpu", "1"}, {"cpu", "4"}};
  container["resources"]["limits"] = {{"nvidia.com/gpu", "1"}};
  json pod = {{"apiVersion", "v1"}, {"kind", "Pod"}};
  pod["metadata"] = {{"name", name}, {"namespace", "ns-" + std::to_string(i % 20)}};
  pod["metadata"]["labels"]["fairway.dev/job"] = "job-" + std::to_string(i / 8);
  pod["spec"] = {{"schedulerName", "fairway"}, {"nodeName", node}};
  pod["spec"]["containers"] = json::array({container});
  return pod;
}

json Node(int i) {
  char name[32];
  std::snprintf(name, sizeof(name), "node-%05d", i);
  return {{"apiVersion", "v1"},
          {"kind", "Node"},
          {"metadata", {{"name", name}, {"labels", {{"fairway.dev/gpu-type", "A100"}}}}},
          {"status",
           {{"allocatable", {{"nvidia.com/gpu", "8"}, {"cpu", "64"}, {"pods", "110"}}},
            {"capacity", {{"nvidia.com/gpu", "8"}, {"cpu", "64"}, {"pods", "110"}}}}}};
}

void BM_InformerSync(benchmark::State& state) {
  SetLogLevel(LogLevel::kWarn);
  const int pods = static_cast<int>(state.range(0));
  const int nodes = static_cast<int>(state.range(1));
  RealClock clock;
  sandbox::SandboxOptions so;
  so.io_threads = 2;
  auto sb = std::move(sandbox::Sandbox::Start(so, &clock)).value();
  for (int i = 0; i < 20; ++i) {
    (void)sb->api().Apply({{"apiVersion", "v1"}, {"kind", "Namespace"},
                           {"metadata", {{"name", "ns-" + std::to_string(i)}}}});
  }
  auto s0 = std::chrono::steady_clock::now();
  for (int i = 0; i < nodes; ++i) (void)sb->api().Apply(Node(i));
  for (int i = 0; i < pods; ++i) (void)sb->api().Apply(Pod(i));
  state.counters["seed_s"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - s0).count();

  RestConfig cfg;
  cfg.transport.server = sb->url();
  cfg.qps = 0;
  for (auto _ : state) {
    auto client = std::move(RestApiClient::Create(cfg, &clock)).value();
    int64_t rss0 = RssBytes();
    auto t0 = std::chrono::steady_clock::now();
    Informer pod_inf(client.get(), ResourceRef::Pods(), "", &clock);
    pod_inf.AddIndex("nodeName", [](const json& p) -> std::vector<std::string> {
      return {p["spec"].value("nodeName", "")};
    });
    Informer node_inf(client.get(), ResourceRef::Nodes(), "", &clock);
    pod_inf.Start();
    node_inf.Start();
    if (!pod_inf.WaitForSync(std::chrono::minutes(5)) ||
        !node_inf.WaitForSync(std::chrono::minutes(5))) {
      state.SkipWithError("informers did not sync");
      break;
    }
    double sync_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    int64_t rss1 = RssBytes();
    // Watch latency: one more write, time until it is in the cache.
    auto w0 = std::chrono::steady_clock::now();
    auto created = client->Create(ResourceRef::Pods(), "", Pod(pods + 1));
    if (!created.ok()) {
      state.SkipWithError(created.status().ToString().c_str());
      break;
    }
    while (pod_inf.cache().Size() < static_cast<size_t>(pods + 1) &&
           std::chrono::steady_clock::now() - w0 < std::chrono::seconds(30)) {
      std::this_thread::yield();
    }
    double watch_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - w0).count();
    state.counters["sync_s"] = sync_s;
    state.counters["cache_MiB"] = static_cast<double>(rss1 - rss0) / (1024.0 * 1024.0);
    state.counters["objects"] = static_cast<double>(pod_inf.cache().Size() + node_inf.cache().Size());
    state.counters["watch_event_ms"] = watch_ms;
    state.counters["requests"] = static_cast<double>(client->request_count());
    pod_inf.Stop();
    node_inf.Stop();
  }
  sb->Stop();
}
BENCHMARK(BM_InformerSync)
    ->ArgNames({"pods", "nodes"})
    ->Args({10000, 1000})
    ->Args({100000, 10000})
    ->Iterations(1)
    ->Unit(benchmark::kSecond)
    ->UseRealTime();

void BM_WriteRate(benchmark::State& state) {
  SetLogLevel(LogLevel::kWarn);
  const bool get = state.range(0) == 1;
  RealClock clock;
  sandbox::SandboxOptions so;
  auto sb = std::move(sandbox::Sandbox::Start(so, &clock)).value();
  RestConfig cfg;
  cfg.transport.server = sb->url();
  cfg.qps = 0;
  auto client = std::move(RestApiClient::Create(cfg, &clock)).value();
  int i = 0;
  if (get) {
    json p = Pod(0);
    p["metadata"]["namespace"] = "default";
    (void)client->Create(ResourceRef::Pods(), "default", p);
  }
  for (auto _ : state) {
    if (get) {
      auto r = client->Get(ResourceRef::Pods(), "default", "pod-000000");
      benchmark::DoNotOptimize(r);
    } else {
      json p = Pod(i++);
      p["metadata"]["namespace"] = "default";
      auto r = client->Create(ResourceRef::Pods(), "default", p);
      if (!r.ok()) {
        state.SkipWithError(r.status().ToString().c_str());
        break;
      }
    }
  }
  state.counters["req_per_s"] = benchmark::Counter(static_cast<double>(state.iterations()),
                                                   benchmark::Counter::kIsRate);
  sb->Stop();
}
BENCHMARK(BM_WriteRate)->ArgNames({"get"})->Arg(0)->Arg(1)->MinTime(2.0)->UseRealTime()->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace fairway::kube

BENCHMARK_MAIN();
