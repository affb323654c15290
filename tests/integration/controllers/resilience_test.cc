// The operator survives being killed and restarted mid-workload (nothing lost, nothing run
// twice, no GPU over-allocated at any sampled moment), and two replicas share one leader
// (operator.h) with a standby taking over.
#include <gtest/gtest.h>

#include <thread>

#include "controllers/names.h"
#include "controllers/operator.h"
#include "harness.h"

namespace fairway::controllers::testing {
namespace {

using core::JobState;

// Every job ended COMPLETED, ran exactly once (one run's pods, all Succeeded), ids unique.
void ExpectAllCompletedOnce(Harness& h, const std::vector<std::pair<std::string, int>>& jobs) {
  std::set<uint64_t> ids;
  for (const auto& [name, nodes] : jobs) {
    auto j = h.WaitState(name, JobState::kCompleted, 40);
    ASSERT_TRUE(j.has_value()) << name << ": " << Harness::StateOf(h.Get(name));
    EXPECT_EQ(j->status.restarts, 0) << name;
    EXPECT_TRUE(ids.insert(j->status.job_id).second) << "duplicate jobID " << j->status.job_id;
    auto pods = h.PodsOf(name);
    EXPECT_EQ(pods.size(), static_cast<size_t>(nodes)) << name;
    for (const json& p : pods) EXPECT_EQ(PodPhase(p), "Succeeded") << name;
  }
}

TEST(ResilienceHttpTest, OperatorKilledAndRestartedMidWorkload) {
  Harness h;
  h.Start();
  GpuSampler sampler(h.client_.get(), 8);
  std::vector<std::pair<std::string, int>> jobs;
  const int gpus[] = {8, 4, 2, 6, 3, 8, 5, 1, 7, 4, 2, 8};
  for (int i = 0; i < 12; ++i) {
    std::string name = "w" + std::to_string(i);
    int nodes = i % 5 == 4 ? 2 : 1;
    h.Submit(JobJson(name, nodes, gpus[i], 0.6 + 0.1 * (i % 4)));
    jobs.emplace_back(name, nodes);
  }
  // Let the first wave start, kill the operator, leave it down while pods end, restart.
  ASSERT_TRUE(h.WaitUntil([&] {
    int running = 0;
    for (const auto& [name, n] : jobs) {
      auto j = h.Get(name);
      if (j && j->status.state == JobState::kRunning) ++running;
    }
    return running >= 3;
  }));
  h.StopController();
  std::this_thread::sleep_for(std::chrono::milliseconds(900));
  for (int i = 12; i < 16; ++i) {  // submitted while no operator runs
    std::string name = "w" + std::to_string(i);
    h.Submit(JobJson(name, 1, 2 + i % 5, 0.5));
    jobs.emplace_back(name, 1);
  }
  h.StartController();
  // A second kill in the middle of the remaining work.
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  h.StopController();
  h.StartController();
  ExpectAllCompletedOnce(h, jobs);
  sampler.StopSampling();
  EXPECT_GT(sampler.samples(), 20);
  auto v = sampler.violations();
  EXPECT_TRUE(v.empty()) << v.size() << " over-allocations, first: " << v[0];
}

TEST(ResilienceHttpTest, TwoOperatorsOneLeaderAndTheStandbyTakesOver) {
  HarnessOptions o;
  o.start_controller = false;
  Harness h(o);
  h.Start();
  auto make = [&](const std::string& id, std::unique_ptr<kube::RestApiClient>* client,
                  NullOperatorMetrics* metrics) {
    *client = h.NewClient();
    OperatorOptions oo;
    oo.identity = id;
    oo.lease_duration = std::chrono::milliseconds(1500);
    oo.renew_deadline = std::chrono::milliseconds(1000);
    oo.retry_period = std::chrono::milliseconds(200);
    oo.controller.cycle_interval = std::chrono::milliseconds(150);
    oo.controller.debounce = std::chrono::milliseconds(20);
    return std::make_unique<Operator>(client->get(), &h.clock_, metrics, oo);
  };
  std::unique_ptr<kube::RestApiClient> ca, cb;
  NullOperatorMetrics ma, mb;
  auto a = make("replica-a", &ca, &ma);
  auto b = make("replica-b", &cb, &mb);
  ASSERT_TRUE(a->Start().ok());
  ASSERT_TRUE(b->Start().ok());
  ASSERT_TRUE(h.WaitUntil([&] { return a->leading() || b->leading(); }, 10));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  ASSERT_NE(a->leading(), b->leading()) << "exactly one leader";
  Operator* leader = a->leading() ? a.get() : b.get();
  Operator* standby = a->leading() ? b.get() : a.get();
  EXPECT_EQ(standby->controller(), nullptr);

  GpuSampler sampler(h.client_.get(), 8);
  std::vector<std::pair<std::string, int>> jobs;
  for (int i = 0; i < 4; ++i) {
    jobs.emplace_back("e" + std::to_string(i), 1);
    h.Submit(JobJson(jobs.back().first, 1, 8, 0.5));
  }
  ASSERT_TRUE(h.WaitState("e0", JobState::kRunning).has_value());
  leader->Stop();  // releases the lease
  ASSERT_TRUE(h.WaitUntil([&] { return standby->leading(); }, 10));
  for (int i = 4; i < 8; ++i) {
    jobs.emplace_back("e" + std::to_string(i), 1);
    h.Submit(JobJson(jobs.back().first, 1, 8, 0.3));
  }
  ExpectAllCompletedOnce(h, jobs);
  auto lease = h.client_->Get({"coordination.k8s.io", "v1", "leases", true}, "default",
                              "fairway-operator");
  ASSERT_TRUE(lease.ok());
  EXPECT_EQ(JsonString(*lease, {"spec", "holderIdentity"}), standby == a.get() ? "replica-a" : "replica-b");
  standby->Stop();
  sampler.StopSampling();
  auto v = sampler.violations();
  EXPECT_TRUE(v.empty()) << v.size() << " over-allocations, first: " << v[0];
}

}  // namespace
}  // namespace fairway::controllers::testing
