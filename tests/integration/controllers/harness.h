// Shared harness of the controller integration tests: an in-process sandbox (API server over
// HTTP + kubelet simulator with GPU nodes), a REST client, and one Controller that tests can
// kill and restart. Everything goes over real HTTP, as in a cluster.
//
// The controller runs on an OffsetClock: real time plus an offset a test may move forward, so a
// time limit (whole minutes, as Slurm) can be reached without waiting for it. The sandbox (its
// kubelet and creation timestamps) stays on the real clock.
//
// GpuSampler lists pods every few milliseconds and records any node whose bound, live pods
// request more GPUs than it has (the "never double-allocate" contract).
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "api/job_types.h"
#include "controllers/controller.h"
#include "controllers/kube_objects.h"
#include "controllers/metrics.h"
#include "kube/api_client.h"
#include "kube/http_transport.h"
#include "kube/kube_config.h"
#include "sandbox/sandbox.h"

namespace fairway::controllers::testing {

using nlohmann::json;

class OffsetClock : public Clock {
 public:
  WallTime Now() const override { return real_.Now() + std::chrono::seconds(offset_s_.load()); }
  MonotonicTime Monotonic() const override { return real_.Monotonic(); }
  std::unique_ptr<TimerHandle> Schedule(Duration delay, std::function<void()> fn) override {
    return real_.Schedule(delay, std::move(fn));
  }
  void Advance(int64_t seconds) { offset_s_ += seconds; }

 private:
  RealClock real_;
  std::atomic<int64_t> offset_s_{0};
};

inline json JobJson(const std::string& name, int nodes, int gpus, double seconds) {
  return {{"apiVersion", "fairway.dev/v1alpha1"},
          {"kind", "Job"},
          {"metadata",
           {{"name", name},
            {"namespace", "default"},
            {"annotations", {{"fairway.dev/sim-duration", std::to_string(seconds)}}}}},
          {"spec",
           {{"nodes", nodes},
            {"resources", {{"gpus", gpus}}},
            {"user", "alice"},
            {"account", "physics"}}}};
}

class GpuSampler {
 public:
  GpuSampler(kube::ApiClient* client, int64_t gpus_per_node)
      : client_(client), cap_(gpus_per_node) {
    thread_ = std::thread([this] { Loop(); });
  }
  ~GpuSampler() { StopSampling(); }
  void StopSampling() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  int64_t samples() const { return samples_.load(); }
  std::vector<std::string> violations() {
    std::lock_guard<std::mutex> l(mu_);
    return violations_;
  }

 private:
  void Loop() {
    while (!stop_) {
      auto pods = client_->List(kube::ResourceRef::Pods(), "");
      if (pods.ok()) {
        std::map<std::string, int64_t> used;
        std::map<std::string, std::string> who;
        for (const json& p : pods->items) {
          std::string node = JsonString(p, {"spec", "nodeName"});
          if (node.empty() || PodIsTerminal(p)) continue;
          int64_t g = PodRequest(p).gpus;
          used[node] += g;
          who[node] += JsonString(p, {"metadata", "name"}) + "(" + std::to_string(g) + ") ";
        }
        for (const auto& [node, g] : used) {
          if (g > cap_) {
            std::lock_guard<std::mutex> l(mu_);
            violations_.push_back(node + ": " + std::to_string(g) + " GPUs: " + who[node]);
          }
        }
        ++samples_;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }

  kube::ApiClient* client_;
  int64_t cap_;
  std::atomic<bool> stop_{false};
  std::atomic<int64_t> samples_{0};
  std::mutex mu_;
  std::vector<std::string> violations_;
  std::thread thread_;
};

struct HarnessOptions {
  int nodes = 3;
  int64_t gpus_per_node = 8;
  core::SchedulerConfig config;
  bool start_controller = true;
  std::optional<sandbox::AutoscalerSimOptions> autoscaler;  // elastic partitions
};

class Harness {
 public:
  explicit Harness(HarnessOptions o = {}) : options_(std::move(o)) {}
  ~Harness() { Shutdown(); }

  // Starts the sandbox (with the CRDs), the client, partition "gpu" (default), account "physics"
  // (user alice) and, unless told otherwise, the controller.
  void Start() {
    sandbox::SandboxOptions so;
    so.nodes =
        sandbox::UniformSimNodes(options_.nodes, options_.gpus_per_node, "A100", "gpu-node-");
    so.kubelet.start_delay = std::chrono::milliseconds(50);
    so.manifests.push_back(FAIRWAY_SOURCE_CRDS);
    so.autoscaler = options_.autoscaler;
    auto sb = sandbox::Sandbox::Start(so, &sandbox_clock_);
    ASSERT_TRUE(sb.ok()) << sb.status().ToString();
    sb_ = std::move(*sb);
    client_ = NewClient();
    ASSERT_NE(client_, nullptr);
    json part = {{"apiVersion", "fairway.dev/v1alpha1"},
                 {"kind", "Partition"},
                 {"metadata", {{"name", "gpu"}}},
                 {"spec", {{"default", true}}}};
    ASSERT_TRUE(client_->Create(kube::ResourceRef::FairwayPartitions(), "", part).ok());
    CreateAccount("physics", {"alice"});
    if (options_.start_controller) StartController();
  }

  std::unique_ptr<kube::RestApiClient> NewClient() {
    kube::KubeconfigOptions ko;
    ko.clock = &clock_;
    auto rest = kube::LoadKubeconfigFromString(sb_->Kubeconfig(), "/tmp", ko);
    if (!rest.ok()) return nullptr;
    auto client = kube::RestApiClient::Create(*rest, &clock_);
    if (!client.ok()) return nullptr;
    return std::move(*client);
  }

  void StartController() {
    ControllerOptions co;
    co.config = options_.config;
    co.cycle_interval = std::chrono::milliseconds(150);
    co.debounce = std::chrono::milliseconds(20);
    // Requeued jobs restart at once here; the 120 s default is covered by the unit tests.
    co.requeue_delay = core::Seconds(0);
    co.usage_persist_interval = std::chrono::milliseconds(300);
    ctl_client_ = NewClient();
    ASSERT_NE(ctl_client_, nullptr);
    ctl_ = std::make_unique<Controller>(ctl_client_.get(), &clock_, &metrics_, &events_, co);
    ASSERT_TRUE(ctl_->Start().ok());
  }
  // Stops the controller (its in-memory state is lost, as when the process dies).
  void StopController() {
    if (ctl_) ctl_->Stop();
    ctl_.reset();
    ctl_client_.reset();
  }
  void Shutdown() {
    StopController();
    if (sb_) sb_->Stop();
  }

  void CreateAccount(const std::string& name, const std::vector<std::string>& users,
                     json limits = nullptr) {
    json acct = {{"apiVersion", "fairway.dev/v1alpha1"},
                 {"kind", "Account"},
                 {"metadata", {{"name", name}}},
                 {"spec", {{"users", users}}}};
    if (!limits.is_null()) acct["spec"]["limits"] = limits;
    auto r = client_->Create(kube::ResourceRef::FairwayAccounts(), "", acct);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  }
  void CreateQos(const std::string& name, json spec) {
    json q = {{"apiVersion", "fairway.dev/v1alpha1"},
              {"kind", "QoS"},
              {"metadata", {{"name", name}}},
              {"spec", std::move(spec)}};
    auto r = client_->Create(kube::ResourceRef::FairwayQoses(), "", q);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  }
  void Submit(const json& job) {
    auto r = client_->Create(kube::ResourceRef::FairwayJobs(), "default", job);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  }
  void Patch(const std::string& name, const json& patch) {
    auto r = client_->Patch(kube::ResourceRef::FairwayJobs(), "default", name,
                            kube::PatchType::kMerge, patch);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  }

  std::optional<api::JobObject> Get(const std::string& name) {
    auto j = client_->Get(kube::ResourceRef::FairwayJobs(), "default", name);
    if (!j.ok()) return std::nullopt;
    auto job = api::JobFromJson(*j);
    if (!job.ok()) return std::nullopt;
    return *job;
  }
  // Polls until `pred` holds for the job (or the deadline passes).
  std::optional<api::JobObject> WaitJob(const std::string& name,
                                        const std::function<bool(const api::JobObject&)>& pred,
                                        double seconds = 10) {
    auto end =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(int64_t(seconds * 1000));
    while (std::chrono::steady_clock::now() < end) {
      auto j = Get(name);
      if (j.has_value() && pred(*j)) return j;
      std::this_thread::sleep_for(std::chrono::milliseconds(30));
    }
    return std::nullopt;
  }
  std::optional<api::JobObject> WaitState(const std::string& name, core::JobState state,
                                          double seconds = 10) {
    return WaitJob(
        name, [&](const api::JobObject& j) { return j.status.state == state; }, seconds);
  }
  bool WaitUntil(const std::function<bool()>& pred, double seconds = 10) {
    auto end =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(int64_t(seconds * 1000));
    while (std::chrono::steady_clock::now() < end) {
      if (pred()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(30));
    }
    return false;
  }
  static std::string StateOf(const std::optional<api::JobObject>& j) {
    if (!j.has_value()) return "<missing>";
    return std::string(core::JobStateName(j->status.state.value_or(core::JobState::kPending))) +
           " reason=" + j->status.reason + " message=" + j->status.message;
  }

  // Pods of a Fairway job (label fairway.dev/job).
  std::vector<json> PodsOf(const std::string& job) {
    kube::ListOptions lo;
    lo.label_selector = "fairway.dev/job=" + job;
    auto pods = client_->List(kube::ResourceRef::Pods(), "default", lo);
    if (!pods.ok()) return {};
    return pods->items;
  }
  static std::map<std::string, std::string> EnvOf(const json& pod) {
    std::map<std::string, std::string> env;
    for (const json& e : pod["spec"]["containers"][0]["env"]) {
      if (e.contains("value")) env[e["name"].get<std::string>()] = e["value"].get<std::string>();
    }
    return env;
  }

  // POST /sandbox/nodes/NAME/ACTION on the sandbox's admin API.
  int NodeAdmin(const std::string& node, const std::string& action) {
    kube::TransportOptions to;
    to.server = sb_->url();
    auto t = kube::NewHttpTransport(to);
    if (!t.ok()) return -1;
    kube::HttpRequest req;
    req.method = "POST";
    req.target = "/sandbox/nodes/" + node + "/" + action;
    auto r = (*t)->Do(req);
    return r.ok() ? r->status : -1;
  }

  HarnessOptions options_;
  RealClock sandbox_clock_;
  OffsetClock clock_;
  NullOperatorMetrics metrics_;
  kube::FakeEventRecorder events_;
  std::unique_ptr<sandbox::Sandbox> sb_;
  std::unique_ptr<kube::RestApiClient> client_;
  std::unique_ptr<kube::RestApiClient> ctl_client_;
  std::unique_ptr<Controller> ctl_;
};

}  // namespace fairway::controllers::testing
