// Fair-share usage against ground truth: a workload of short jobs (plain, multi-node gangs and
// array tasks, in a small account tree) runs in the in-process sandbox, once with the operator
// left alone and once killed at random points; afterwards the usage the operator persisted in
// Account.status must equal, within 1 %, the GPU-seconds computed from the pods' own container
// start and end times (settings: no decay, GPUs billed 1 each, so usage is raw GPU-seconds).
//
// A kill is abrupt: from the kill on, every API call of the dying controller fails (nothing it
// had not written yet reaches the API server, as after SIGKILL), then the controller object is
// destroyed and a new one starts from the API server's state. One window is skipped: a kill
// between creating a pod and binding it leaves the pod unbound and its job RUNNING for good (a
// gap in the start path's crash recovery, outside usage accounting), so a kill requested there
// lands right after the bind.
//
// The default suite runs a smaller workload; the full 1,000-job runs (with and without 20 kills)
// are DISABLED_ here and run by the ctest entry slow.controllers.usage_1000 (label `slow`).
#include <gtest/gtest.h>

#include <atomic>
#include <iostream>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "api/account_types.h"
#include "api/common_types.h"
#include "harness.h"

namespace fairway::controllers::testing {
namespace {

// An ApiClient that a test can "kill": afterwards every call fails with Unavailable. The kill
// waits until no pod this client created is still unbound.
class KillableClient : public kube::ApiClient {
 public:
  explicit KillableClient(std::unique_ptr<kube::RestApiClient> inner) : inner_(std::move(inner)) {}
  void Kill() {
    std::lock_guard<std::mutex> lock(mu_);
    kill_requested_ = true;
    if (unbound_.empty()) killed_ = true;
  }

  StatusOr<json> Get(const kube::ResourceRef& r, const std::string& ns,
                     const std::string& name) override {
    if (killed_) return Dead();
    return inner_->Get(r, ns, name);
  }
  StatusOr<kube::ObjectList> List(const kube::ResourceRef& r, const std::string& ns,
                                  const kube::ListOptions& o = {}) override {
    if (killed_) return Dead();
    return inner_->List(r, ns, o);
  }
  StatusOr<json> Create(const kube::ResourceRef& r, const std::string& ns,
                        const json& obj) override {
    if (r.plural != "pods") {
      if (killed_) return Dead();
      return inner_->Create(r, ns, obj);
    }
    const std::string pod = ns + "/" + JsonString(obj, {"metadata", "name"});
    {
      // Checked and recorded at once: a kill (starts run in parallel) then waits for this pod.
      std::lock_guard<std::mutex> lock(mu_);
      if (killed_) return Dead();
      unbound_.insert(pod);
    }
    StatusOr<json> created = inner_->Create(r, ns, obj);
    if (!created.ok()) Settled(pod);
    return created;
  }
  StatusOr<json> Update(const kube::ResourceRef& r, const std::string& ns,
                        const json& obj) override {
    if (killed_) return Dead();
    return inner_->Update(r, ns, obj);
  }
  StatusOr<json> UpdateStatus(const kube::ResourceRef& r, const std::string& ns,
                              const json& obj) override {
    if (killed_) return Dead();
    return inner_->UpdateStatus(r, ns, obj);
  }
  StatusOr<json> Patch(const kube::ResourceRef& r, const std::string& ns, const std::string& name,
                       kube::PatchType t, const json& p, const std::string& sub = "") override {
    if (killed_) return Dead();
    return inner_->Patch(r, ns, name, t, p, sub);
  }
  Status Delete(const kube::ResourceRef& r, const std::string& ns, const std::string& name,
                const kube::DeleteOptions& o = {}) override {
    if (killed_) return Dead();
    Status deleted = inner_->Delete(r, ns, name, o);
    if (r.plural == "pods") Settled(ns + "/" + name);
    return deleted;
  }
  Status Bind(const std::string& ns, const std::string& pod, const std::string& node,
              const std::string& uid = "") override {
    if (killed_) return Dead();
    Status bound = inner_->Bind(ns, pod, node, uid);
    Settled(ns + "/" + pod);
    return bound;
  }
  Status Watch(const kube::ResourceRef& r, const std::string& ns, const kube::WatchOptions& o,
               const kube::WatchHandler& h, kube::CancelToken* cancel = nullptr) override {
    if (killed_) return Dead();
    return inner_->Watch(r, ns, o, h, cancel);
  }

 private:
  static Status Dead() { return UnavailableError("operator killed"); }
  // A created pod was bound or deleted: a requested kill may land now.
  void Settled(const std::string& pod) {
    std::lock_guard<std::mutex> lock(mu_);
    unbound_.erase(pod);
    if (kill_requested_ && unbound_.empty()) killed_ = true;
  }

  std::unique_ptr<kube::RestApiClient> inner_;
  std::atomic<bool> killed_{false};
  std::mutex mu_;
  bool kill_requested_ = false;    // GUARDED_BY(mu_)
  std::set<std::string> unbound_;  // GUARDED_BY(mu_): pods being created or not yet bound
};

struct Workload {
  int plain_jobs = 0;  // 1 in 8 is a 2-node gang
  int arrays = 0;      // of 10 tasks each
  int kills = 0;
  uint32_t seed = 1;
};

struct Totals {
  double pod_gpu_seconds = 0;  // ground truth: sum over pods of (finishedAt - startedAt) x GPUs
  double own_usage = 0;        // sum over accounts of status.userUsage
  double top_level_usage = 0;  // sum over top-level accounts of status.rawUsage (subtrees)
  int64_t pods = 0;
};

class UsageAccountingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    HarnessOptions o;
    o.nodes = 16;
    o.start_controller = false;
    o.config.fair_share.decay_half_life = core::Seconds(0);
    h_ = std::make_unique<Harness>(o);
    h_->Start();
    // physics (alice; created by the harness) > theory (dave); chem (bob, carol).
    h_->CreateAccount("chem", {"bob", "carol"});
    json theory = {{"apiVersion", "fairway.dev/v1alpha1"},
                   {"kind", "Account"},
                   {"metadata", {{"name", "theory"}}},
                   {"spec", {{"parent", "physics"}, {"users", {"dave"}}}}};
    ASSERT_TRUE(h_->client_->Create(kube::ResourceRef::FairwayAccounts(), "", theory).ok());
  }
  void TearDown() override {
    StopController(false);
    h_->Shutdown();
  }

  void StartController() {
    ControllerOptions co;
    co.config = h_->options_.config;
    co.cycle_interval = std::chrono::milliseconds(150);
    co.debounce = std::chrono::milliseconds(20);
    co.requeue_delay = core::Seconds(0);
    client_ = std::make_unique<KillableClient>(h_->NewClient());
    ctl_ =
        std::make_unique<Controller>(client_.get(), &h_->clock_, &h_->metrics_, &h_->events_, co);
    ASSERT_TRUE(ctl_->Start().ok());
  }
  // kill: the API calls of the controller fail from now on (SIGKILL), then it is torn down.
  void StopController(bool kill) {
    if (kill && client_) client_->Kill();
    if (ctl_) ctl_->Stop();
    ctl_.reset();
    client_.reset();
  }

  void Submit(const Workload& w, std::mt19937* rng) {
    const std::pair<const char*, const char*> who[] = {
        {"alice", "physics"}, {"dave", "theory"}, {"bob", "chem"}, {"carol", "chem"}};
    std::uniform_int_distribution<int> gpus(1, 4);
    std::uniform_int_distribution<int> tenths(10, 25);  // 1.0 .. 2.5 s
    for (int i = 0; i < w.plain_jobs + w.arrays; ++i) {
      const auto& [user, account] = who[i % 4];
      bool array = i >= w.plain_jobs;
      json job = JobJson((array ? "a" : "j") + std::to_string(i), !array && i % 8 == 7 ? 2 : 1,
                         gpus(*rng), tenths(*rng) / 10.0);
      job["spec"]["user"] = user;
      job["spec"]["account"] = account;
      if (array) job["spec"]["array"] = "0-9";
      h_->Submit(job);
    }
  }

  // Jobs in state COMPLETED (arrays count once, when every task completed).
  int Completed() {
    auto jobs = h_->client_->List(kube::ResourceRef::FairwayJobs(), "default");
    if (!jobs.ok()) return -1;
    int done = 0;
    for (const json& j : jobs->items) {
      if (JsonString(j, {"status", "state"}) == "COMPLETED") ++done;
    }
    return done;
  }

  Totals Measure() {
    Totals t;
    auto pods = h_->client_->List(kube::ResourceRef::Pods(), "default");
    EXPECT_TRUE(pods.ok());
    for (const json& p : pods->items) {
      EXPECT_EQ(PodPhase(p), "Succeeded") << JsonString(p, {"metadata", "name"});
      const json* cs = JsonAt(p, {"status", "containerStatuses"});
      if (cs == nullptr || !cs->is_array() || cs->size() != 1) continue;
      auto start = api::ParseRfc3339(JsonString((*cs)[0], {"state", "terminated", "startedAt"}));
      auto end = api::ParseRfc3339(JsonString((*cs)[0], {"state", "terminated", "finishedAt"}));
      EXPECT_TRUE(start.ok() && end.ok()) << JsonString(p, {"metadata", "name"});
      if (!start.ok() || !end.ok()) continue;
      t.pod_gpu_seconds += static_cast<double>((*end - *start).count() * PodRequest(p).gpus);
      ++t.pods;
    }
    auto accounts = h_->client_->List(kube::ResourceRef::FairwayAccounts(), "");
    EXPECT_TRUE(accounts.ok());
    for (const json& a : accounts->items) {
      auto account = api::AccountFromJson(a);
      EXPECT_TRUE(account.ok()) << account.status().ToString();
      if (!account.ok()) continue;
      for (const auto& [user, usage] : account->status.user_usage) t.own_usage += usage;
      if (account->spec.parent.empty()) t.top_level_usage += account->status.raw_usage;
    }
    return t;
  }

  // Runs the workload (killing the operator `kills` times at random points), waits for every
  // job to complete and the usage in Account.status to settle, and returns the totals.
  Totals Run(const Workload& w) {
    std::mt19937 rng(w.seed);
    StartController();
    Submit(w, &rng);
    const int jobs = w.plain_jobs + w.arrays;
    std::uniform_int_distribution<int> gap_ms(300, 2500);
    for (int k = 0; k < w.kills && Completed() < jobs; ++k) {
      std::this_thread::sleep_for(std::chrono::milliseconds(gap_ms(rng)));
      StopController(true);
      StartController();
    }
    auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(4);
    while (Completed() != jobs && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(300));  // a list is ~1,000 Jobs
    }
    EXPECT_EQ(Completed(), jobs);
    // Usage settles once the runs' ends are persisted: unchanged for 1.5 s.
    Totals t = Measure();
    for (int i = 0; i < 40; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
      Totals again = Measure();
      bool same = again.own_usage == t.own_usage && again.top_level_usage == t.top_level_usage;
      t = again;
      if (same && i >= 2) break;
    }
    std::cout << "workload: " << jobs << " jobs, " << t.pods << " pods, " << w.kills
              << " kills: pods ran " << t.pod_gpu_seconds << " GPU-s; charged " << t.own_usage
              << " (ratio " << t.own_usage / t.pod_gpu_seconds << "), top-level subtrees "
              << t.top_level_usage << "\n";
    RecordProperty("charged_over_truth", std::to_string(t.own_usage / t.pod_gpu_seconds));
    return t;
  }

  void ExpectWithinOnePercent(const Totals& t, int64_t pods) {
    EXPECT_EQ(t.pods, pods);
    ASSERT_GT(t.pod_gpu_seconds, 0);
    EXPECT_NEAR(t.own_usage / t.pod_gpu_seconds, 1.0, 0.01);
    EXPECT_NEAR(t.top_level_usage / t.pod_gpu_seconds, 1.0, 0.01);
  }

  static int64_t PodsOf(const Workload& w) {
    return w.plain_jobs + w.plain_jobs / 8 + 10 * w.arrays;
  }

  std::unique_ptr<Harness> h_;
  std::unique_ptr<KillableClient> client_;
  std::unique_ptr<Controller> ctl_;
};

TEST_F(UsageAccountingTest, ChargedUsageEqualsPodGpuSecondsWithoutKills) {
  Workload w{.plain_jobs = 160, .arrays = 4, .kills = 0, .seed = 7};
  ExpectWithinOnePercent(Run(w), PodsOf(w));
}

TEST_F(UsageAccountingTest, ChargedUsageEqualsPodGpuSecondsWithOperatorKills) {
  Workload w{.plain_jobs = 160, .arrays = 4, .kills = 5, .seed = 11};
  ExpectWithinOnePercent(Run(w), PodsOf(w));
}

// The full workload of the issue: 1,000 jobs (900 jobs + 10 arrays of 10 tasks).
TEST_F(UsageAccountingTest, DISABLED_Full1000JobsWithoutKills) {
  Workload w{.plain_jobs = 900, .arrays = 10, .kills = 0, .seed = 3};
  ExpectWithinOnePercent(Run(w), PodsOf(w));
}

TEST_F(UsageAccountingTest, DISABLED_Full1000JobsWith20Kills) {
  Workload w{.plain_jobs = 900, .arrays = 10, .kills = 20, .seed = 5};
  ExpectWithinOnePercent(Run(w), PodsOf(w));
}

}  // namespace
}  // namespace fairway::controllers::testing
