// Sandbox API server throughput over real HTTP on 127.0.0.1: creates per second on one
// keep-alive connection, and watch events per second delivered to one watcher (plus the
// in-process create rate for comparison), Fairway Job creates through the shipped CRD's schema,
// and kubelet-simulator pod starts. Run:
//   build/bench/sandbox_bench --benchmark_min_time=2
#include <arpa/inet.h>
#include <benchmark/benchmark.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <string>
#include <thread>

#include "common/clock.h"
#include "sandbox/manifest.h"
#include "sandbox/sandbox.h"

namespace fairway::sandbox {
namespace {

// Minimal blocking HTTP/1.1 client: Content-Length replies, or a chunked stream of lines.
class RawClient {
 public:
  explicit RawClient(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    ::inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) fd_ = -1;
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  }
  ~RawClient() {
    if (fd_ >= 0) ::close(fd_);
  }
  bool ok() const { return fd_ >= 0; }

  void Send(const std::string& method, const std::string& target, const std::string& body) {
    std::string req =
        method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json\r\n";
    if (!body.empty()) {
      req += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
             "\r\n";
    }
    req += "\r\n" + body;
    size_t off = 0;
    while (off < req.size()) {
      ssize_t n = ::send(fd_, req.data() + off, req.size() - off, MSG_NOSIGNAL);
      if (n <= 0) return;
      off += static_cast<size_t>(n);
    }
  }

  // Returns the status code of one Content-Length response (-1 on error).
  int ReadResponse() {
    size_t header_end;
    while ((header_end = buf_.find("\r\n\r\n")) == std::string::npos) {
      if (!Fill()) return -1;
    }
    int status = std::atoi(buf_.substr(9, 3).c_str());
    size_t len = 0;
    size_t cl = buf_.find("Content-Length: ");
    if (cl == std::string::npos) cl = buf_.find("content-length: ");
    if (cl != std::string::npos && cl < header_end) len = std::stoul(buf_.substr(cl + 16));
    while (buf_.size() < header_end + 4 + len) {
      if (!Fill()) return -1;
    }
    buf_.erase(0, header_end + 4 + len);
    return status;
  }

  // Counts newline-terminated events until `want` have arrived (chunk framing ignored: chunk
  // size lines carry no '\n'-terminated JSON, so count lines that start with '{').
  bool CountEvents(int64_t want) {
    int64_t seen = 0;
    size_t pos = 0;
    while (seen < want) {
      size_t nl = buf_.find('\n', pos);
      if (nl == std::string::npos) {
        buf_.erase(0, pos);
        pos = 0;
        if (!Fill()) return false;
        continue;
      }
      size_t start = pos;
      while (start < nl && (buf_[start] == '\r')) ++start;
      if (start < nl && buf_[start] == '{') ++seen;
      pos = nl + 1;
    }
    buf_.erase(0, pos);
    return true;
  }

 private:
  bool Fill() {
    char tmp[65536];
    ssize_t n = ::recv(fd_, tmp, sizeof(tmp), 0);
    if (n <= 0) return false;
    buf_.append(tmp, static_cast<size_t>(n));
    return true;
  }
  int fd_ = -1;
  std::string buf_;
};

std::unique_ptr<Sandbox> StartSandbox(Clock* clock) {
  SandboxOptions o;
  o.api.history_limit = 1000;
  auto sb = Sandbox::Start(o, clock);
  if (!sb.ok()) return nullptr;
  return std::move(sb).value();
}

std::string ConfigMap(int64_t i) {
  return R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cm-)" + std::to_string(i) +
         R"(","labels":{"app":"bench"}},"data":{"key":"value"}})";
}

void BM_HttpCreate(benchmark::State& state) {
  RealClock clock;
  auto sb = StartSandbox(&clock);
  RawClient c(sb->port());
  int64_t i = 0;
  for (auto _ : state) {
    c.Send("POST", "/api/v1/namespaces/default/configmaps", ConfigMap(i++));
    if (c.ReadResponse() != 201) state.SkipWithError("create failed");
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_HttpCreate)->UseRealTime();

// A pod as the operator creates it: one container with a GPU limit, labels and an env entry.
std::string Pod(int64_t i) {
  return R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"pod-)" + std::to_string(i) +
         R"(","labels":{"fairway.dev/job":"j)" + std::to_string(i) +
         R"("}},"spec":{"schedulerName":"fairway","containers":[{"name":"main","image":"busybox",)"
         R"("env":[{"name":"FAIRWAY_JOB_ID","value":"1"}],)"
         R"("resources":{"limits":{"nvidia.com/gpu":"1"}}}]}})";
}

std::string PodBinding(int64_t i) {
  return R"({"apiVersion":"v1","kind":"Binding","metadata":{"name":"pod-)" + std::to_string(i) +
         R"("},"target":{"kind":"Node","name":"node-1"}})";
}

// Raw create+bind pairs per second on one keep-alive connection (the issue's target: >= 8,000/s).
void BM_HttpPodCreateBind(benchmark::State& state) {
  RealClock clock;
  auto sb = StartSandbox(&clock);
  RawClient c(sb->port());
  int64_t i = 0;
  for (auto _ : state) {
    c.Send("POST", "/api/v1/namespaces/default/pods", Pod(i));
    if (c.ReadResponse() != 201) state.SkipWithError("create failed");
    c.Send("POST", "/api/v1/namespaces/default/pods/pod-" + std::to_string(i) + "/binding",
           PodBinding(i));
    if (c.ReadResponse() != 201) state.SkipWithError("bind failed");
    ++i;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_HttpPodCreateBind)->UseRealTime();

// The same pairs in-process followed by a status update as the kubelet writes it: a
// deterministic workload for `perf stat -e instructions` comparisons.
void BM_InProcessPodLifecycle(benchmark::State& state) {
  FakeClock clock;
  ApiServer api(&clock);
  int64_t i = 0;
  for (auto _ : state) {
    const std::string path = "/api/v1/namespaces/default/pods/pod-" + std::to_string(i);
    auto created =
        api.Call("POST", "/api/v1/namespaces/default/pods", nlohmann::json::parse(Pod(i)));
    auto bound = api.Call("POST", path + "/binding", nlohmann::json::parse(PodBinding(i)));
    nlohmann::json status = {{"status", {{"phase", "Running"}, {"podIP", "10.0.0.1"}}}};
    auto running = api.Call("PATCH", path + "/status", status, "application/merge-patch+json");
    if (!created.ok() || !bound.ok() || !running.ok()) state.SkipWithError("pod write failed");
    ++i;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_InProcessPodLifecycle);

void BM_HttpGet(benchmark::State& state) {
  RealClock clock;
  auto sb = StartSandbox(&clock);
  RawClient c(sb->port());
  c.Send("POST", "/api/v1/namespaces/default/configmaps", ConfigMap(0));
  c.ReadResponse();
  for (auto _ : state) {
    c.Send("GET", "/api/v1/namespaces/default/configmaps/cm-0", "");
    if (c.ReadResponse() != 200) state.SkipWithError("get failed");
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_HttpGet)->UseRealTime();

// Events/s: objects are created in-process in batches while one HTTP watcher receives them.
void BM_HttpWatchEvents(benchmark::State& state) {
  RealClock clock;
  auto sb = StartSandbox(&clock);
  RawClient w(sb->port());
  w.Send("GET", "/api/v1/namespaces/default/configmaps?watch=1", "");
  const int64_t batch = state.range(0);
  int64_t i = 0;
  for (auto _ : state) {
    for (int64_t k = 0; k < batch; ++k) {
      auto r = sb->api().Call("POST", "/api/v1/namespaces/default/configmaps",
                              nlohmann::json::parse(ConfigMap(i++)));
      if (!r.ok()) state.SkipWithError("create failed");
    }
    if (!w.CountEvents(batch)) state.SkipWithError("watch ended");
  }
  state.SetItemsProcessed(state.iterations() * batch);
}
BENCHMARK(BM_HttpWatchEvents)->Arg(1000)->UseRealTime();

void BM_InProcessCreate(benchmark::State& state) {
  FakeClock clock;
  ApiServer api(&clock);
  int64_t i = 0;
  for (auto _ : state) {
    auto r = api.Call("POST", "/api/v1/namespaces/default/configmaps",
                      nlohmann::json::parse(ConfigMap(i++)));
    if (!r.ok()) state.SkipWithError("create failed");
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_InProcessCreate);

// Fairway Job creates in-process against the shipped Job CRD: schema pruning, defaulting and
// validation on every write, seven of its `pattern`s included.
void BM_InProcessJobCreate(benchmark::State& state) {
  FakeClock clock;
  ApiServer api(&clock);
  StatusOr<std::vector<nlohmann::json>> crds = ReadManifests(FAIRWAY_SOURCE_DIR "/crds");
  if (!crds.ok()) return state.SkipWithError(crds.status().ToString().c_str());
  for (const nlohmann::json& crd : *crds) {
    if (!api.Apply(crd).ok()) return state.SkipWithError("applying the CRDs failed");
  }
  int64_t i = 0;
  for (auto _ : state) {
    nlohmann::json job = {
        {"apiVersion", "fairway.dev/v1alpha1"},
        {"kind", "Job"},
        {"metadata", {{"name", "job-" + std::to_string(i++)}}},
        {"spec",
         {{"partition", "gpu"},
          {"account", "physics"},
          {"qos", "normal"},
          {"timeLimit", "1-00:00:00"},
          {"resources", {{"gpus", 1}, {"gpuType", "H100"}, {"cpu", "8"}, {"memory", "64Gi"}}}}}};
    auto r = api.Call("POST", "/apis/fairway.dev/v1alpha1/namespaces/default/jobs", job);
    if (!r.ok()) state.SkipWithError(r.error().message().c_str());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_InProcessJobCreate);

// BM_KubeletPodStarts/<pods>: the kubelet simulator starts <pods> bound 1-GPU pods on <pods>/8
// nodes of 8 GPUs at once (one FakeClock step); the time per start should not grow with the
// number of pods it already runs.
void BM_KubeletPodStarts(benchmark::State& state) {
  const int64_t pods = state.range(0);
  for (auto _ : state) {
    state.PauseTiming();
    FakeClock clock;
    ApiServer api(&clock);
    KubeletSimulator kubelet(&api, &clock, {std::chrono::seconds(1)});
    if (!kubelet.AddNodes(UniformSimNodes(static_cast<int>(pods / 8), 8, "H100")).ok() ||
        !kubelet.Start().ok()) {
      return state.SkipWithError("starting the kubelet simulator failed");
    }
    for (int64_t i = 0; i < pods; ++i) {
      const std::string name = "p-" + std::to_string(i);
      nlohmann::json pod = {{"metadata", {{"name", name}}},
                            {"spec",
                             {{"containers",
                               {{{"name", "c"},
                                 {"image", "i"},
                                 {"resources", {{"limits", {{"nvidia.com/gpu", "1"}}}}}}}}}}};
      nlohmann::json binding = {{"target", {{"name", "gpu-node-" + std::to_string(i / 8)}}}};
      if (!api.Call("POST", "/api/v1/namespaces/default/pods", pod).ok() ||
          !api.Call("POST", "/api/v1/namespaces/default/pods/" + name + "/binding", binding).ok()) {
        return state.SkipWithError("creating pods failed");
      }
    }
    clock.Advance(Duration::zero());  // the simulator takes the pods in
    state.ResumeTiming();
    clock.Advance(std::chrono::seconds(1));  // and starts them all
    state.PauseTiming();
    kubelet.Stop();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * pods);
}
BENCHMARK(BM_KubeletPodStarts)->Arg(2000)->Arg(8000)->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace fairway::sandbox

BENCHMARK_MAIN();
