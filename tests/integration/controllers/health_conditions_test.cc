// Job conditions, the TIME column, the job metrics and the operator's health, over HTTP against
// the sandbox (harness.h): what `kubectl wait`, `kubectl get fjob`, Prometheus and the kubelet's
// probes see.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "controllers/names.h"
#include "controllers/operator.h"
#include "harness.h"

namespace fairway::controllers::testing {
namespace {

using core::JobState;

const api::Condition* Cond(const api::JobObject& j, const std::string& type) {
  for (const api::Condition& c : j.status.conditions) {
    if (c.type == type) return &c;
  }
  return nullptr;
}

bool CondIs(const api::JobObject& j, const std::string& type, api::ConditionStatus status) {
  const api::Condition* c = Cond(j, type);
  return c != nullptr && c->status == status && c->observed_generation == j.meta.generation;
}

std::string Conditions(const std::optional<api::JobObject>& j) {
  if (!j.has_value()) return "<missing>";
  std::string out = Harness::StateOf(j);
  for (const api::Condition& c : j->status.conditions) {
    out += "; " + c.type + "=" + std::string(api::ConditionStatusName(c.status)) + " " + c.reason;
  }
  return out;
}

// The conditions kubectl wait reads come back from the API server as written (the CRD's
// structural schema keeps them), and follow the job from submission to its end.
TEST(JobConditionsHttpTest, ConditionsFollowTheJobThroughItsLife) {
  Harness h;
  h.Start();
  json j = JobJson("held", 1, 1, 0.3);
  j["spec"]["hold"] = true;
  h.Submit(j);
  auto held = h.WaitJob("held", [](const api::JobObject& x) {
    return CondIs(x, "Held", api::ConditionStatus::kTrue);
  });
  ASSERT_TRUE(held.has_value()) << Conditions(h.Get("held"));
  EXPECT_TRUE(CondIs(*held, "Submitted", api::ConditionStatus::kTrue)) << Conditions(held);
  EXPECT_TRUE(CondIs(*held, "Started", api::ConditionStatus::kFalse)) << Conditions(held);
  EXPECT_TRUE(CondIs(*held, "Preempted", api::ConditionStatus::kFalse)) << Conditions(held);
  EXPECT_EQ(Cond(*held, "Held")->reason, "JobHeldUser");

  h.Patch("held", {{"spec", {{"hold", false}}}});  // a new generation
  auto done = h.WaitJob("held", [](const api::JobObject& x) {
    return CondIs(x, "Complete", api::ConditionStatus::kTrue);
  });
  ASSERT_TRUE(done.has_value()) << Conditions(h.Get("held"));
  EXPECT_EQ(done->status.state, JobState::kCompleted);
  EXPECT_EQ(done->meta.generation, 2);
  EXPECT_TRUE(CondIs(*done, "Started", api::ConditionStatus::kTrue)) << Conditions(done);
  EXPECT_TRUE(CondIs(*done, "Failed", api::ConditionStatus::kFalse)) << Conditions(done);
  EXPECT_TRUE(CondIs(*done, "Held", api::ConditionStatus::kFalse)) << Conditions(done);
  EXPECT_EQ(done->status.conditions.size(), 6u) << Conditions(done);
  // Each transition was stamped when it happened: released, then started, then completed.
  EXPECT_LE(*Cond(*done, "Held")->last_transition_time,
            *Cond(*done, "Started")->last_transition_time);
  EXPECT_LE(*Cond(*done, "Started")->last_transition_time,
            *Cond(*done, "Complete")->last_transition_time);
}

TEST(JobConditionsHttpTest, AFailedJobIsFailedWithSlurmsReason) {
  Harness h;
  h.Start();
  json j = JobJson("exits", 1, 1, 0);
  j["metadata"].erase("annotations");
  json container = {{"name", "main"}, {"image", "busybox"}, {"command", {"sh", "-c", "exit 3"}}};
  j["spec"]["template"] = {{"spec", {{"containers", json::array({container})}}}};
  h.Submit(j);
  auto failed = h.WaitJob("exits", [](const api::JobObject& x) {
    return CondIs(x, "Failed", api::ConditionStatus::kTrue);
  });
  ASSERT_TRUE(failed.has_value()) << Conditions(h.Get("exits"));
  EXPECT_EQ(Cond(*failed, "Failed")->reason, "NonZeroExitCode");
  EXPECT_TRUE(CondIs(*failed, "Complete", api::ConditionStatus::kFalse)) << Conditions(failed);
}

// A Job whose status was written without conditions (by an operator that predates them) gets
// them from the job reconciler, ended or not.
TEST(JobConditionsHttpTest, StatusWithoutConditionsGetsThem) {
  Harness h;
  h.Start();
  h.Submit(JobJson("old", 1, 1, 0.1));
  ASSERT_TRUE(h.WaitState("old", JobState::kCompleted).has_value());
  h.StopController();
  auto stored = h.client_->Get(kube::ResourceRef::FairwayJobs(), "default", "old");
  ASSERT_TRUE(stored.ok());
  (*stored)["status"].erase("conditions");
  ASSERT_TRUE(h.client_->UpdateStatus(kube::ResourceRef::FairwayJobs(), "default", *stored).ok());
  ASSERT_TRUE(h.Get("old")->status.conditions.empty());
  h.StartController();
  auto back = h.WaitJob("old", [](const api::JobObject& x) {
    return CondIs(x, "Complete", api::ConditionStatus::kTrue) && x.status.conditions.size() == 6;
  });
  EXPECT_TRUE(back.has_value()) << Conditions(h.Get("old"));
}

// TIME (status.elapsed) moves while the job runs: rewritten once it lags by the refresh step
// (60 s by default; the controller's clock jumps ahead here).
TEST(JobTimeColumnHttpTest, ElapsedTimeOfARunningJobMoves) {
  Harness h;
  h.Start();
  h.Submit(JobJson("long", 1, 1, 60));
  auto running = h.WaitState("long", JobState::kRunning);
  ASSERT_TRUE(running.has_value()) << Harness::StateOf(h.Get("long"));
  EXPECT_EQ(running->status.elapsed, "0:00");
  h.clock_.Advance(90);
  auto moved = h.WaitJob(
      "long", [](const api::JobObject& x) { return x.status.elapsed.rfind("1:3", 0) == 0; });
  EXPECT_TRUE(moved.has_value()) << h.Get("long")->status.elapsed;
}

// What the controller reports to its metrics: runs that ended by final state, queue waits by
// partition, and the objects that exist (series of others are removed).
class RecordingMetrics : public NullOperatorMetrics {
 public:
  void SetLiveObjects(const std::set<std::string>& partitions,
                      const std::set<std::string>& accounts) override {
    std::lock_guard<std::mutex> l(mu_);
    partitions_ = partitions;
    accounts_ = accounts;
  }
  void JobsCompleted(const std::string& state, int64_t count) override {
    std::lock_guard<std::mutex> l(mu_);
    completed_[state] += count;
  }
  void ObserveQueueWait(const std::string& partition, double seconds) override {
    std::lock_guard<std::mutex> l(mu_);
    waits_[partition].push_back(seconds);
  }
  std::map<std::string, int64_t> completed() {
    std::lock_guard<std::mutex> l(mu_);
    return completed_;
  }
  std::map<std::string, std::vector<double>> waits() {
    std::lock_guard<std::mutex> l(mu_);
    return waits_;
  }
  std::pair<std::set<std::string>, std::set<std::string>> live() {
    std::lock_guard<std::mutex> l(mu_);
    return {partitions_, accounts_};
  }

 private:
  std::mutex mu_;
  std::map<std::string, int64_t> completed_;
  std::map<std::string, std::vector<double>> waits_;
  std::set<std::string> partitions_, accounts_;
};

TEST(JobMetricsHttpTest, CompletionsQueueWaitsAndLiveObjects) {
  HarnessOptions o;
  o.nodes = 1;
  o.start_controller = false;
  Harness h(o);
  h.Start();
  RecordingMetrics metrics;
  ControllerOptions co;
  co.cycle_interval = std::chrono::milliseconds(150);
  co.debounce = std::chrono::milliseconds(20);
  auto client = h.NewClient();
  Controller ctl(client.get(), &h.clock_, &metrics, &h.events_, co);
  ASSERT_TRUE(ctl.Start().ok());
  // The second job waits for the first's GPUs.
  h.Submit(JobJson("first", 1, 8, 0.5));
  ASSERT_TRUE(h.WaitState("first", JobState::kRunning).has_value());
  h.Submit(JobJson("second", 1, 8, 0.1));
  json cancelled = JobJson("cancelled", 1, 8, 0.1);
  cancelled["metadata"]["annotations"][std::string(kAnnotationCancel)] = "true";
  h.Submit(cancelled);
  ASSERT_TRUE(h.WaitState("second", JobState::kCompleted).has_value());
  ASSERT_TRUE(h.WaitState("cancelled", JobState::kCancelled).has_value());
  EXPECT_TRUE(h.WaitUntil([&] {
    return metrics.completed() ==
           std::map<std::string, int64_t>{{"CANCELLED", 1}, {"COMPLETED", 2}};
  })) << metrics.completed().size();
  std::map<std::string, std::vector<double>> waits = metrics.waits();
  ASSERT_EQ(waits["gpu"].size(), 2u);
  EXPECT_GE(waits["gpu"][1], 0.0);
  EXPECT_EQ(metrics.live(),
            (std::pair<std::set<std::string>, std::set<std::string>>{{"gpu"}, {"physics"}}));
  ctl.Stop();
}

// Liveness and readiness: a standby is both; the leader is ready once it ran a cycle; a loop
// stuck in a cycle (every API call slowed down here) is neither, and recovers.
TEST(OperatorHealthHttpTest, StandbyLeaderAndWedgedLoop) {
  HarnessOptions o;
  o.start_controller = false;
  Harness h(o);
  h.Start();
  auto make = [&](const std::string& id, bool elect, std::unique_ptr<kube::RestApiClient>* client) {
    *client = h.NewClient();
    OperatorOptions oo;
    oo.identity = id;
    oo.leader_elect = elect;
    oo.lease_duration = std::chrono::milliseconds(1500);
    oo.renew_deadline = std::chrono::milliseconds(1000);
    oo.retry_period = std::chrono::milliseconds(200);
    oo.controller.cycle_interval = std::chrono::milliseconds(150);
    oo.controller.debounce = std::chrono::milliseconds(20);
    oo.stalled_after = std::chrono::seconds(1);
    oo.ready_within = std::chrono::seconds(1);
    return std::make_unique<Operator>(client->get(), &h.clock_, &h.metrics_, oo);
  };
  {
    std::unique_ptr<kube::RestApiClient> ca, cb;
    auto a = make("replica-a", true, &ca);
    auto b = make("replica-b", true, &cb);
    ASSERT_TRUE(a->Start().ok());
    ASSERT_TRUE(b->Start().ok());
    ASSERT_TRUE(h.WaitUntil([&] { return a->leading() || b->leading(); }));
    Operator* leader = a->leading() ? a.get() : b.get();
    Operator* standby = a->leading() ? b.get() : a.get();
    EXPECT_TRUE(h.WaitUntil([&] { return leader->Ready().ok(); })) << leader->Ready();
    EXPECT_TRUE(leader->Live().ok());
    EXPECT_TRUE(standby->Ready().ok());
    EXPECT_TRUE(standby->Live().ok());
    a->Stop();
    b->Stop();
  }

  std::unique_ptr<kube::RestApiClient> cs;
  auto single = make("single", false, &cs);
  EXPECT_EQ(single->Ready().code(), StatusCode::kUnavailable);  // not started
  ASSERT_TRUE(single->Start().ok());
  ASSERT_TRUE(h.WaitUntil([&] { return single->Ready().ok(); })) << single->Ready();
  h.sb_->api().faults().SetLatency(std::chrono::milliseconds(1500));
  h.Submit(JobJson("slow", 1, 1, 0.1));  // the cycle's writes now take seconds
  EXPECT_TRUE(h.WaitUntil([&] { return !single->Live().ok(); }, 20));
  EXPECT_NE(single->Live().message().find("wedged"), std::string::npos) << single->Live();
  EXPECT_FALSE(single->Ready().ok());
  h.sb_->api().faults().SetLatency(std::chrono::milliseconds(0));
  EXPECT_TRUE(h.WaitUntil([&] { return single->Live().ok() && single->Ready().ok(); }, 30))
      << single->Live() << " / " << single->Ready();
  single->Stop();
}

}  // namespace
}  // namespace fairway::controllers::testing
