// Slurm semantics end to end over HTTP: the controller against an in-process sandbox schedules
// with backfill, fair share, limits, arrays, dependencies, begin times, holds, requeues, time
// limits, preemption, node failures and pods of other schedulers (harness.h).
#include <gtest/gtest.h>

#include <algorithm>
#include <thread>

#include "controllers/names.h"
#include "harness.h"

namespace fairway::controllers::testing {
namespace {

using core::JobState;

bool Pending(const api::JobObject& j) { return j.status.state == JobState::kPending; }

TEST(SchedulingHttpTest, BackfillStartsAShortJobAheadOfABlockedOneButNotALongOne) {
  HarnessOptions o;
  o.nodes = 2;
  Harness h(o);
  h.Start();
  json hog = JobJson("hog", 1, 8, 60);
  hog["spec"]["timeLimit"] = "2";
  json half = JobJson("half", 1, 4, 60);
  half["spec"]["timeLimit"] = "10";
  h.Submit(hog);
  h.Submit(half);
  ASSERT_TRUE(h.WaitState("hog", JobState::kRunning).has_value());
  ASSERT_TRUE(h.WaitState("half", JobState::kRunning).has_value());

  json big = JobJson("big", 2, 8, 1);
  big["spec"]["timeLimit"] = "10";
  h.Submit(big);
  auto blocked = h.WaitJob("big", [](const api::JobObject& j) {
    return Pending(j) && j.status.reason == "Resources" && j.status.expected_start_time.has_value();
  });
  ASSERT_TRUE(blocked.has_value()) << Harness::StateOf(h.Get("big"));
  const core::Timestamp planned = *blocked->status.expected_start_time;

  // 4 GPUs are free on half's node, but a 30-minute job there would delay big.
  json long_job = JobJson("long", 1, 4, 1);
  long_job["spec"]["timeLimit"] = "30";
  h.Submit(long_job);
  ASSERT_TRUE(h.WaitJob("long", [](const api::JobObject& j) {
                 return Pending(j) && !j.status.reason.empty() && j.status.reason != "None";
               }).has_value());
  // A 5-minute one ends before big can start: backfilled.
  json short_job = JobJson("short", 1, 4, 30);
  short_job["spec"]["timeLimit"] = "5";
  h.Submit(short_job);
  auto started = h.WaitState("short", JobState::kRunning);
  ASSERT_TRUE(started.has_value()) << Harness::StateOf(h.Get("short"));
  EXPECT_EQ(started->status.node_list, h.Get("half")->status.node_list);

  std::this_thread::sleep_for(std::chrono::milliseconds(600));  // a few more cycles
  auto l = h.Get("long");
  EXPECT_EQ(l->status.state, JobState::kPending) << Harness::StateOf(l);
  auto b = h.Get("big");
  EXPECT_EQ(b->status.state, JobState::kPending);
  ASSERT_TRUE(b->status.expected_start_time.has_value());
  EXPECT_LE(*b->status.expected_start_time, planned) << "the backfilled job delayed big";
}

// Fair share comes from the usage as of the priority period's start, taken once the start has
// settled (5 s): with 1-second periods the usage job counts about 6 s after it ends, while the
// blocker still runs.
TEST(SchedulingHttpTest, FairShareOrdersAfterUsage) {
  HarnessOptions o;
  o.nodes = 1;
  o.config.priority.weights.fair_share = 100000;
  o.config.priority.calc_period = core::Seconds(1);
  Harness h(o);
  h.Start();
  h.CreateAccount("heavy", {"bob"});
  h.CreateAccount("light", {"carol"});
  auto as = [](json j, const std::string& account, const std::string& user) {
    j["spec"]["account"] = account;
    j["spec"]["user"] = user;
    return j;
  };
  h.Submit(as(JobJson("usage", 1, 8, 1.5), "heavy", "bob"));
  ASSERT_TRUE(h.WaitState("usage", JobState::kCompleted).has_value());
  h.Submit(JobJson("blocker", 1, 8, 9));
  ASSERT_TRUE(h.WaitState("blocker", JobState::kRunning).has_value());
  h.Submit(as(JobJson("x-heavy", 1, 8, 0.5), "heavy", "bob"));
  h.Submit(as(JobJson("y-light", 1, 8, 1.0), "light", "carol"));
  auto y = h.WaitJob("y-light", [&](const api::JobObject& j) {
    std::optional<api::JobObject> x = h.Get("x-heavy");
    return x && x->status.priority && j.status.priority && *j.status.priority > *x->status.priority;
  });
  ASSERT_TRUE(y.has_value()) << Harness::StateOf(h.Get("y-light"))
                             << Harness::StateOf(h.Get("x-heavy"));
  // Submitted later, the light account's job starts first.
  auto first = h.WaitState("y-light", JobState::kRunning);
  ASSERT_TRUE(first.has_value()) << Harness::StateOf(h.Get("y-light"));
  EXPECT_EQ(h.Get("x-heavy")->status.state, JobState::kPending);
  EXPECT_TRUE(h.WaitState("x-heavy", JobState::kCompleted).has_value());
}

TEST(SchedulingHttpTest, AccountLimitKeepsAJobPendingWithItsReason) {
  Harness h;
  h.Start();
  h.CreateAccount("capped", {"dave"}, {{"grpGPUs", 8}});
  auto capped = [](json j) {
    j["spec"]["account"] = "capped";
    j["spec"]["user"] = "dave";
    return j;
  };
  h.Submit(capped(JobJson("l1", 1, 8, 30)));
  ASSERT_TRUE(h.WaitState("l1", JobState::kRunning).has_value());
  h.Submit(capped(JobJson("l2", 1, 4, 1)));
  auto l2 =
      h.WaitJob("l2", [](const api::JobObject& j) { return j.status.reason == "AssocGrpGRES"; });
  EXPECT_TRUE(l2.has_value()) << Harness::StateOf(h.Get("l2"));
  // Other accounts are not limited by it.
  h.Submit(JobJson("free", 1, 4, 0.2));
  EXPECT_TRUE(h.WaitState("free", JobState::kCompleted).has_value());
  EXPECT_EQ(h.Get("l2")->status.state, JobState::kPending);
}

TEST(SchedulingHttpTest, ArrayRunsAtMostThrottleTasksAndSetsTaskIds) {
  Harness h;
  h.Start();
  json arr = JobJson("arr", 1, 1, 0.4);
  arr["spec"]["array"] = "0-5%2";
  h.Submit(arr);
  int max_live = 0;
  std::optional<api::JobObject> done;
  for (int i = 0; i < 600 && !done; ++i) {
    int live = 0;
    for (const json& p : h.PodsOf("arr")) {
      if (!PodIsTerminal(p) && !PodIsDeleting(p)) ++live;
    }
    max_live = std::max(max_live, live);
    auto j = h.Get("arr");
    if (j && j->status.state == JobState::kCompleted) done = j;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_TRUE(done.has_value()) << Harness::StateOf(h.Get("arr"));
  EXPECT_LE(max_live, 2);
  EXPECT_GE(max_live, 1);
  std::set<std::string> ids;
  for (const json& p : h.PodsOf("arr")) {
    auto env = Harness::EnvOf(p);
    EXPECT_EQ(env["SLURM_ARRAY_TASK_ID"], PodLabel(p, kLabelArrayIndex));
    EXPECT_EQ(env["SLURM_ARRAY_JOB_ID"], std::to_string(done->status.job_id));
    EXPECT_EQ(env["SLURM_ARRAY_TASK_COUNT"], "6");
    ids.insert(env["SLURM_ARRAY_TASK_ID"]);
  }
  EXPECT_EQ(ids, (std::set<std::string>{"0", "1", "2", "3", "4", "5"}));
}

TEST(SchedulingHttpTest, AfterOkWaitsForSuccessAndNeverRunsAfterAFailure) {
  Harness h;
  h.Start();
  h.Submit(JobJson("a", 1, 2, 1));
  json b = JobJson("b", 1, 2, 0.2);
  b["spec"]["dependency"] = "afterok:a";
  h.Submit(b);
  json d = JobJson("d", 1, 2, 0.2);
  d["metadata"]["annotations"][std::string(kAnnotationSimExitCode)] = "3";
  h.Submit(d);
  json c = JobJson("c", 1, 2, 0.2);
  c["spec"]["dependency"] = "afterok:d";
  h.Submit(c);
  auto waiting =
      h.WaitJob("b", [](const api::JobObject& j) { return j.status.reason == "Dependency"; });
  EXPECT_TRUE(waiting.has_value()) << Harness::StateOf(h.Get("b"));
  auto bd = h.WaitState("b", JobState::kCompleted);
  ASSERT_TRUE(bd.has_value()) << Harness::StateOf(h.Get("b"));
  auto ad = h.Get("a");
  ASSERT_EQ(ad->status.state, JobState::kCompleted);
  EXPECT_GE(*bd->status.start_time, *ad->status.end_time);
  auto failed = h.WaitState("d", JobState::kFailed);
  ASSERT_TRUE(failed.has_value()) << Harness::StateOf(h.Get("d"));
  EXPECT_EQ(failed->status.reason, "NonZeroExitCode");
  EXPECT_EQ(failed->status.exit_code, 3);
  auto never = h.WaitJob(
      "c", [](const api::JobObject& j) { return j.status.reason == "DependencyNeverSatisfied"; });
  EXPECT_TRUE(never.has_value()) << Harness::StateOf(h.Get("c"));
  EXPECT_TRUE(h.PodsOf("c").empty());
  // Cancelled, it keeps the reason, as in Slurm.
  h.Patch("c", {{"metadata", {{"annotations", {{std::string(kAnnotationCancel), "now"}}}}}});
  auto cancelled = h.WaitState("c", JobState::kCancelled);
  ASSERT_TRUE(cancelled.has_value()) << Harness::StateOf(h.Get("c"));
  EXPECT_EQ(cancelled->status.reason, "DependencyNeverSatisfied");
}

// The container's own `exit C` ends the job FAILED with that exit code (kubelet simulator), and
// its afternotok dependent runs.
TEST(SchedulingHttpTest, ExitCodeOfTheCommandFailsTheJob) {
  Harness h;
  h.Start();
  json j = JobJson("exits", 1, 1, 0);
  j["metadata"].erase("annotations");
  json container = {
      {"name", "main"}, {"image", "busybox"}, {"command", {"sh", "-c", "sleep 0.2; exit 3"}}};
  j["spec"]["template"] = {{"spec", {{"containers", json::array({container})}}}};
  h.Submit(j);
  json after = JobJson("cleanup", 1, 1, 0.1);
  after["spec"]["dependency"] = "afternotok:exits";
  h.Submit(after);
  auto failed = h.WaitState("exits", JobState::kFailed);
  ASSERT_TRUE(failed.has_value()) << Harness::StateOf(h.Get("exits"));
  EXPECT_EQ(failed->status.reason, "NonZeroExitCode");
  EXPECT_EQ(failed->status.exit_code, 3);
  EXPECT_TRUE(h.WaitState("cleanup", JobState::kCompleted).has_value())
      << Harness::StateOf(h.Get("cleanup"));
}

TEST(SchedulingHttpTest, BeginTimeDefersTheStart) {
  Harness h;
  h.Start();
  json j = JobJson("later", 1, 1, 0.2);
  j["spec"]["begin"] = "now+2seconds";
  h.Submit(j);
  auto waiting =
      h.WaitJob("later", [](const api::JobObject& x) { return x.status.reason == "BeginTime"; });
  ASSERT_TRUE(waiting.has_value()) << Harness::StateOf(h.Get("later"));
  auto done = h.WaitState("later", JobState::kCompleted);
  ASSERT_TRUE(done.has_value()) << Harness::StateOf(h.Get("later"));
  EXPECT_GE(*done->status.start_time, *done->status.submit_time + core::Seconds(2));
}

TEST(SchedulingHttpTest, HeldJobCreatesNoPodsUntilReleased) {
  Harness h;
  h.Start();
  json j = JobJson("held", 1, 1, 0.2);
  j["spec"]["hold"] = true;
  h.Submit(j);
  auto held =
      h.WaitJob("held", [](const api::JobObject& x) { return x.status.reason == "JobHeldUser"; });
  ASSERT_TRUE(held.has_value()) << Harness::StateOf(h.Get("held"));
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  EXPECT_EQ(h.Get("held")->status.state, JobState::kPending);
  EXPECT_TRUE(h.PodsOf("held").empty());
  h.Patch("held", {{"spec", {{"hold", false}}}});
  EXPECT_TRUE(h.WaitState("held", JobState::kCompleted).has_value())
      << Harness::StateOf(h.Get("held"));
}

TEST(SchedulingHttpTest, UserRequeueRestartsTheJobWithTheSameId) {
  Harness h;
  h.Start();
  h.Submit(JobJson("rq", 1, 2, 30));
  auto first = h.WaitState("rq", JobState::kRunning);
  ASSERT_TRUE(first.has_value());
  ASSERT_TRUE(h.WaitUntil([&] { return h.PodsOf("rq").size() == 1; }));
  h.Patch("rq", {{"metadata", {{"annotations", {{std::string(kAnnotationRequeue), "t1"}}}}}});
  auto again = h.WaitJob("rq", [](const api::JobObject& j) {
    return j.status.restarts == 1 && j.status.state == JobState::kRunning;
  });
  ASSERT_TRUE(again.has_value()) << Harness::StateOf(h.Get("rq"));
  EXPECT_EQ(again->status.job_id, first->status.job_id);
  // The first run's pod goes; the second run's pod carries restarts=1.
  ASSERT_TRUE(h.WaitUntil([&] {
    auto pods = h.PodsOf("rq");
    return pods.size() == 1 && PodLabel(pods[0], kLabelRestarts) == "1";
  })) << h.PodsOf("rq").size();
}

TEST(SchedulingHttpTest, TimeLimitEndsTheJobAsTimeout) {
  Harness h;
  h.Start();
  json j = JobJson("slow", 1, 2, 600);
  j["spec"]["timeLimit"] = "1";
  h.Submit(j);
  ASSERT_TRUE(h.WaitState("slow", JobState::kRunning).has_value());
  ASSERT_TRUE(h.WaitUntil([&] { return h.PodsOf("slow").size() == 1; }));
  auto pod = h.PodsOf("slow")[0];
  EXPECT_EQ(pod["spec"]["activeDeadlineSeconds"], 60);  // the backstop
  h.clock_.Advance(61);                                 // the operator's clock passes the limit
  auto t = h.WaitState("slow", JobState::kTimeout);
  ASSERT_TRUE(t.has_value()) << Harness::StateOf(h.Get("slow"));
  EXPECT_EQ(t->status.reason, "TimeLimit");
  EXPECT_TRUE(h.WaitUntil([&] { return h.PodsOf("slow").empty(); }));
  // The freed GPUs are used again.
  h.Submit(JobJson("next", 1, 8, 0.2));
  EXPECT_TRUE(h.WaitState("next", JobState::kCompleted).has_value());
}

class PreemptionHttpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    HarnessOptions o;
    o.nodes = 1;
    h_ = std::make_unique<Harness>(o);
    h_->Start();
    h_->CreateQos("low", {{"priority", 0}, {"preemptMode", "REQUEUE"}, {"gracePeriod", 1}});
    h_->CreateQos("scavenger", {{"priority", 0}, {"preemptMode", "CANCEL"}});
    h_->CreateQos("high", {{"priority", 100}, {"preempt", {"low", "scavenger"}}});
  }
  json WithQos(json j, const std::string& qos) {
    j["spec"]["qos"] = qos;
    return j;
  }
  std::unique_ptr<Harness> h_;
};

TEST_F(PreemptionHttpTest, HighQosPreemptsLowAndTheVictimIsRequeued) {
  Harness& h = *h_;
  h.Submit(WithQos(JobJson("victim", 1, 8, 60), "low"));
  auto v = h.WaitState("victim", JobState::kRunning);
  ASSERT_TRUE(v.has_value());
  ASSERT_TRUE(h.WaitUntil([&] {
    auto pods = h.PodsOf("victim");
    return pods.size() == 1 && PodPhase(pods[0]) == "Running";
  }));
  GpuSampler sampler(h.client_.get(), 8);
  h.Submit(WithQos(JobJson("urgent", 1, 8, 1), "high"));
  // The victim is marked and its pod deleted with the QoS grace period.
  auto marked = h.WaitJob("victim", [](const api::JobObject& j) {
    return j.meta.annotations.count(std::string(kAnnotationPreemptedBy)) > 0;
  });
  ASSERT_TRUE(marked.has_value()) << Harness::StateOf(h.Get("victim"));
  // Deleting, or (on a slow machine, past the 1 s grace period between two polls) gone.
  ASSERT_TRUE(h.WaitUntil([&] {
    auto pods = h.PodsOf("victim");
    return pods.empty() || PodIsDeleting(pods[0]);
  }));
  auto pod = h.PodsOf("victim");
  if (!pod.empty()) {
    EXPECT_EQ(pod[0]["metadata"]["deletionGracePeriodSeconds"], 1);
  }
  auto requeued =
      h.WaitJob("victim", [](const api::JobObject& j) { return j.status.restarts == 1; });
  ASSERT_TRUE(requeued.has_value()) << Harness::StateOf(h.Get("victim"));
  EXPECT_EQ(requeued->status.job_id, v->status.job_id);
  auto urgent = h.WaitState("urgent", JobState::kRunning);
  ASSERT_TRUE(urgent.has_value()) << Harness::StateOf(h.Get("urgent"));
  EXPECT_TRUE(h.WaitState("urgent", JobState::kCompleted).has_value());
  // The victim runs again afterwards, once; the mark is gone.
  auto back = h.WaitState("victim", JobState::kRunning);
  ASSERT_TRUE(back.has_value()) << Harness::StateOf(h.Get("victim"));
  EXPECT_EQ(back->status.restarts, 1);
  EXPECT_TRUE(h.WaitJob("victim", [](const api::JobObject& j) {
                 return j.meta.annotations.count(std::string(kAnnotationPreemptedBy)) == 0;
               }).has_value());
  sampler.StopSampling();
  EXPECT_GT(sampler.samples(), 10);
  EXPECT_TRUE(sampler.violations().empty()) << sampler.violations()[0];
}

TEST_F(PreemptionHttpTest, CancelModeEndsTheVictimPreempted) {
  Harness& h = *h_;
  h.Submit(WithQos(JobJson("scav", 1, 8, 60), "scavenger"));
  ASSERT_TRUE(h.WaitState("scav", JobState::kRunning).has_value());
  ASSERT_TRUE(h.WaitUntil([&] { return h.PodsOf("scav").size() == 1; }));
  h.Submit(WithQos(JobJson("urgent", 1, 8, 0.5), "high"));
  auto p = h.WaitState("scav", JobState::kPreempted);
  ASSERT_TRUE(p.has_value()) << Harness::StateOf(h.Get("scav"));
  EXPECT_EQ(p->status.restarts, 0);
  EXPECT_TRUE(h.WaitState("urgent", JobState::kCompleted).has_value());
  EXPECT_EQ(h.Get("scav")->status.state, JobState::kPreempted);
}

// Jobs that name no QoS run under their account's defaultQos, else `normal`, and a QoS listing
// that one preempts them with its mode (slurm-semantics.md §11).
TEST_F(PreemptionHttpTest, JobsWithoutQosArePreemptedAsTheQosTheyGotByDefault) {
  Harness& h = *h_;
  h.CreateQos("normal", {{"priority", 0}, {"preemptMode", "CANCEL"}});
  h.CreateQos("urgent", {{"priority", 100}, {"preempt", {"normal", "low"}}});
  json lab = {{"apiVersion", "fairway.dev/v1alpha1"},
              {"kind", "Account"},
              {"metadata", {{"name", "lab"}}},
              {"spec", {{"users", {"alice"}}, {"defaultQos", "low"}}}};
  ASSERT_TRUE(h.client_->Create(kube::ResourceRef::FairwayAccounts(), "", lab).ok());
  h.Submit(JobJson("plain", 1, 4, 60));  // physics has no defaultQos: normal
  json in_lab = JobJson("in-lab", 1, 4, 60);
  in_lab["spec"]["account"] = "lab";  // lab's defaultQos: low (REQUEUE)
  h.Submit(in_lab);
  ASSERT_TRUE(h.WaitState("plain", JobState::kRunning).has_value());
  ASSERT_TRUE(h.WaitState("in-lab", JobState::kRunning).has_value());
  ASSERT_TRUE(
      h.WaitUntil([&] { return h.PodsOf("plain").size() == 1 && h.PodsOf("in-lab").size() == 1; }));

  h.Submit(WithQos(JobJson("urgent", 1, 8, 0.5), "urgent"));
  auto cancelled = h.WaitState("plain", JobState::kPreempted);
  ASSERT_TRUE(cancelled.has_value()) << Harness::StateOf(h.Get("plain"));
  auto requeued =
      h.WaitJob("in-lab", [](const api::JobObject& j) { return j.status.restarts == 1; });
  ASSERT_TRUE(requeued.has_value()) << Harness::StateOf(h.Get("in-lab"));
  EXPECT_TRUE(h.WaitState("urgent", JobState::kCompleted).has_value())
      << Harness::StateOf(h.Get("urgent"));
  EXPECT_TRUE(h.WaitState("in-lab", JobState::kRunning).has_value())
      << Harness::StateOf(h.Get("in-lab"));
}

TEST(SchedulingHttpTest, NodeFailureRequeuesARequeueableJobAndEndsTheOther) {
  Harness h;
  h.Start();
  json r = JobJson("r", 1, 8, 60);
  json n = JobJson("n", 1, 8, 60);
  n["spec"]["requeue"] = false;
  h.Submit(r);
  h.Submit(n);
  auto rr = h.WaitState("r", JobState::kRunning);
  auto nr = h.WaitState("n", JobState::kRunning);
  ASSERT_TRUE(rr && nr);
  ASSERT_TRUE(h.WaitUntil([&] { return h.PodsOf("r").size() == 1 && h.PodsOf("n").size() == 1; }));
  ASSERT_EQ(h.NodeAdmin(rr->status.node_list, "fail"), 200);
  auto again = h.WaitJob("r", [](const api::JobObject& j) {
    return j.status.restarts == 1 && j.status.state == JobState::kRunning;
  });
  ASSERT_TRUE(again.has_value()) << Harness::StateOf(h.Get("r"));
  EXPECT_NE(again->status.node_list, rr->status.node_list);
  EXPECT_NE(again->status.node_list, nr->status.node_list);
  ASSERT_EQ(h.NodeAdmin(nr->status.node_list, "fail"), 200);
  auto nf = h.WaitState("n", JobState::kNodeFail);
  EXPECT_TRUE(nf.has_value()) << Harness::StateOf(h.Get("n"));
}

TEST(SchedulingHttpTest, PodsOfOtherSchedulersHoldTheirGpus) {
  HarnessOptions o;
  o.nodes = 1;
  Harness h(o);
  h.Start();
  json pod = {{"apiVersion", "v1"},
              {"kind", "Pod"},
              {"metadata",
               {{"name", "other"},
                {"namespace", "default"},
                {"annotations", {{"fairway.dev/sim-duration", "1.5"}}}}},
              {"spec",
               {{"schedulerName", "default-scheduler"},
                {"nodeName", "gpu-node-0"},
                {"restartPolicy", "Never"},
                {"containers",
                 {{{"name", "c"},
                   {"image", "busybox"},
                   {"resources", {{"limits", {{"nvidia.com/gpu", "6"}}}}}}}}}}};
  ASSERT_TRUE(h.client_->Create(kube::ResourceRef::Pods(), "default", pod).ok());
  h.Submit(JobJson("f", 1, 4, 0.2));
  auto waiting =
      h.WaitJob("f", [](const api::JobObject& j) { return j.status.reason == "Resources"; });
  EXPECT_TRUE(waiting.has_value()) << Harness::StateOf(h.Get("f"));
  EXPECT_TRUE(h.PodsOf("f").empty());
  auto done = h.WaitState("f", JobState::kCompleted);
  ASSERT_TRUE(done.has_value()) << Harness::StateOf(h.Get("f"));
  auto other = h.client_->Get(kube::ResourceRef::Pods(), "default", "other");
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(PodPhase(*other), "Succeeded");
}

}  // namespace
}  // namespace fairway::controllers::testing
