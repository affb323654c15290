// The cycle and queue metrics the controller reports (metrics.h), over HTTP against the sandbox
// (harness.h): a duration per cycle phase, pending jobs by partition and reason, the oldest
// pending job per partition, and the time from a Job's creation to its pods bound.
#include <gtest/gtest.h>

#include <algorithm>
#include <mutex>

#include "harness.h"

namespace fairway::controllers::testing {
namespace {

using core::JobState;
using PartitionReason = std::pair<std::string, std::string>;

class CycleMetrics : public NullOperatorMetrics {
 public:
  void SetPendingReasons(const std::map<PartitionReason, int64_t>& reasons) override {
    std::lock_guard<std::mutex> l(mu_);
    for (const auto& [key, n] : reasons) pending_seen_[key] = std::max(pending_seen_[key], n);
  }
  void SetOldestPending(const std::map<std::string, double>& seconds) override {
    std::lock_guard<std::mutex> l(mu_);
    oldest_ = seconds;
  }
  void ObserveCyclePhase(const std::string& phase, double seconds) override {
    std::lock_guard<std::mutex> l(mu_);
    phases_[phase].push_back(seconds);
  }
  void ObserveCreateToBound(double seconds) override {
    std::lock_guard<std::mutex> l(mu_);
    create_to_bound_.push_back(seconds);
  }

  std::map<PartitionReason, int64_t> pending_seen() {
    std::lock_guard<std::mutex> l(mu_);
    return pending_seen_;
  }
  std::map<std::string, double> oldest() {
    std::lock_guard<std::mutex> l(mu_);
    return oldest_;
  }
  std::map<std::string, std::vector<double>> phases() {
    std::lock_guard<std::mutex> l(mu_);
    return phases_;
  }
  std::vector<double> create_to_bound() {
    std::lock_guard<std::mutex> l(mu_);
    return create_to_bound_;
  }

 private:
  std::mutex mu_;
  std::map<PartitionReason, int64_t> pending_seen_;  // the largest count seen per label set
  std::map<std::string, double> oldest_;             // the last report
  std::map<std::string, std::vector<double>> phases_;
  std::vector<double> create_to_bound_;
};

// One node of 8 GPUs: "first" takes them, "second" waits two simulated minutes (the clock jumps)
// and runs after it.
TEST(CycleMetricsHttpTest, PhasesPendingOldestAndCreateToBound) {
  HarnessOptions o;
  o.nodes = 1;
  o.start_controller = false;
  Harness h(o);
  h.Start();
  CycleMetrics metrics;
  ControllerOptions co;
  co.cycle_interval = std::chrono::milliseconds(150);
  co.debounce = std::chrono::milliseconds(20);
  auto client = h.NewClient();
  Controller ctl(client.get(), &h.clock_, &metrics, &h.events_, co);
  ASSERT_TRUE(ctl.Start().ok());

  h.Submit(JobJson("first", 1, 8, 1.5));
  ASSERT_TRUE(h.WaitState("first", JobState::kRunning).has_value());
  h.Submit(JobJson("second", 1, 8, 0.1));
  // Its submit time is written with its first status, before the clock moves.
  ASSERT_TRUE(h.WaitState("second", JobState::kPending).has_value());
  h.clock_.Advance(120);
  EXPECT_TRUE(h.WaitUntil([&] { return metrics.oldest()["gpu"] >= 120; }))
      << metrics.oldest()["gpu"];
  bool pending_in_gpu = false;
  for (const auto& [key, n] : metrics.pending_seen()) {
    pending_in_gpu = pending_in_gpu || (key.first == "gpu" && !key.second.empty() && n == 1);
  }
  EXPECT_TRUE(pending_in_gpu) << "no pending job reported for partition gpu";

  ASSERT_TRUE(h.WaitState("second", JobState::kCompleted).has_value());
  ASSERT_TRUE(h.WaitUntil([&] { return metrics.create_to_bound().size() == 2; }))
      << metrics.create_to_bound().size();
  std::vector<double> latencies = metrics.create_to_bound();
  std::sort(latencies.begin(), latencies.end());
  EXPECT_LT(latencies[0], 5);    // first: bound within a few cycles (whole seconds)
  EXPECT_GE(latencies[1], 120);  // second: created before the clock moved
  EXPECT_TRUE(h.WaitUntil([&] { return metrics.oldest().empty(); }))
      << "nothing is pending any more";

  std::map<std::string, std::vector<double>> phases = metrics.phases();
  for (const char* phase : kCyclePhases) {
    ASSERT_FALSE(phases[phase].empty()) << phase;
    EXPECT_GE(*std::min_element(phases[phase].begin(), phases[phase].end()), 0.0) << phase;
  }
  EXPECT_EQ(phases.size(), std::size(kCyclePhases));
  ctl.Stop();
}

}  // namespace
}  // namespace fairway::controllers::testing
