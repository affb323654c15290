// Job conditions (Submitted, Started, Complete, Failed, Held, Preempted), the TIME column's
// refresh and the status transitions the metrics count (job_status.h).
#include <gtest/gtest.h>

#include "api/array_spec.h"
#include "api/job_types.h"
#include "controllers/job_status.h"

namespace fairway::controllers {
namespace {

using api::ConditionStatus;
using core::JobState;

core::Timestamp T(int64_t s) { return core::Timestamp(core::Seconds(s)); }

api::Condition Cond(const api::JobStatus& st, const std::string& type) {
  for (const api::Condition& c : st.conditions) {
    if (c.type == type) return c;
  }
  ADD_FAILURE() << "no condition " << type;
  return {};
}

// "True reason" or "False reason", for compact expectations.
std::string Of(const api::JobStatus& st, const std::string& type) {
  const api::Condition c = Cond(st, type);
  return std::string(api::ConditionStatusName(c.status)) + " " + c.reason;
}

api::JobStatus Pending(const std::string& reason) {
  api::JobStatus st;
  st.job_id = 42;
  st.state = JobState::kPending;
  st.reason = reason;
  st.submit_time = T(100);
  return st;
}

core::StartDecision StartOn(std::vector<std::string> nodes) {
  core::StartDecision d;
  d.partition = core::PartitionName("gpu");
  for (const std::string& n : nodes) d.nodes.emplace_back(n);
  return d;
}

TEST(JobConditionsTest, NewJobIsSubmittedAndWaitsWithAllSixConditions) {
  api::JobStatus st = Pending("Priority");
  SyncJobConditions(&st, 3, T(100));
  EXPECT_EQ(Of(st, "Submitted"), "True JobIDAssigned");
  EXPECT_EQ(Cond(st, "Submitted").message, "jobID 42");
  EXPECT_EQ(Of(st, "Started"), "False Pending");
  EXPECT_EQ(Cond(st, "Started").message, "waiting: Priority");
  EXPECT_EQ(Of(st, "Complete"), "False Pending");
  EXPECT_EQ(Of(st, "Failed"), "False Pending");
  EXPECT_EQ(Of(st, "Held"), "False NotHeld");
  EXPECT_EQ(Of(st, "Preempted"), "False NotPreempted");
  EXPECT_EQ(st.conditions.size(), 6u);
  for (const api::Condition& c : st.conditions) {
    EXPECT_EQ(c.observed_generation, 3) << c.type;
    EXPECT_EQ(c.last_transition_time, T(100)) << c.type;
  }
}

// lastTransitionTime moves only when a condition's status flips; reason and message follow the
// job at every sync.
TEST(JobConditionsTest, TransitionTimeMovesOnlyWhenTheStatusFlips) {
  api::JobStatus st = Pending("Priority");
  SyncJobConditions(&st, 1, T(100));
  st.reason = "Resources";
  SyncJobConditions(&st, 1, T(150));
  EXPECT_EQ(Cond(st, "Started").message, "waiting: Resources");
  EXPECT_EQ(Cond(st, "Started").last_transition_time, T(100));

  MarkStarted(&st, StartOn({"gpu-1", "gpu-2"}), 42, T(200));
  SyncJobConditions(&st, 1, T(200));
  EXPECT_EQ(Of(st, "Started"), "True Started");
  EXPECT_EQ(Cond(st, "Started").message, "started in partition gpu on gpu-[1-2]");
  EXPECT_EQ(Cond(st, "Started").last_transition_time, T(200));
  EXPECT_EQ(Of(st, "Complete"), "False Running");
  EXPECT_EQ(Cond(st, "Complete").last_transition_time, T(100));

  InstanceOutcome done;
  done.kind = InstanceOutcome::kCompleted;
  ApplyOutcome(&st, done, true, T(300));
  SyncJobConditions(&st, 1, T(300));
  EXPECT_EQ(Of(st, "Complete"), "True Completed");
  EXPECT_EQ(Cond(st, "Complete").message, "all pods succeeded");
  EXPECT_EQ(Cond(st, "Complete").last_transition_time, T(300));
  EXPECT_EQ(Of(st, "Started"), "True Started");  // it did start
  EXPECT_EQ(Cond(st, "Started").last_transition_time, T(200));
  EXPECT_EQ(Of(st, "Failed"), "False Completed");
  EXPECT_EQ(Cond(st, "Failed").last_transition_time, T(100));
}

// Every end other than COMPLETED is Failed, with a reason saying which, so waiting for
// Complete or Failed always ends.
TEST(JobConditionsTest, EveryUnsuccessfulEndIsFailedWithItsReason) {
  struct Case {
    std::string name;
    InstanceOutcome::Kind kind;
    int32_t exit_code;
    bool exited;
    std::string failed;   // "True <reason>"
    std::string message;  // Failed's message
  };
  const std::vector<Case> cases = {
      {"exit 3", InstanceOutcome::kFailed, 3, true, "True NonZeroExitCode",
       "ended FAILED with exit code 3: a pod failed with exit code 3"},
      {"launch failure", InstanceOutcome::kFailed, 1, false, "True JobLaunchFailure",
       "ended FAILED with exit code 1: a pod failed before its containers ran"},
      {"time limit", InstanceOutcome::kTimeout, 0, false, "True Timeout",
       "ended TIMEOUT: time limit reached; pods deleted"},
      {"node failure, not requeued", InstanceOutcome::kNodeFail, 0, false, "True NodeFail",
       "ended NODE_FAIL with exit code 1: node n1 failed"},
      {"preempted, cancelled", InstanceOutcome::kPreempted, 0, false, "True Preempted",
       "ended PREEMPTED: preempted"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    api::JobStatus st = Pending("Priority");
    MarkStarted(&st, StartOn({"n1"}), 42, T(200));
    InstanceOutcome out;
    out.kind = c.kind;
    out.exit_code = c.exit_code;
    out.exited = c.exited;
    if (c.kind == InstanceOutcome::kNodeFail) out.detail = "n1";
    ApplyOutcome(&st, out, /*requeue_allowed=*/false, T(300));
    SyncJobConditions(&st, 1, T(300));
    EXPECT_EQ(Of(st, "Failed"), c.failed);
    EXPECT_EQ(Cond(st, "Failed").message, c.message);
    EXPECT_EQ(Of(st, "Complete").substr(0, 5), "False");
  }

  api::JobStatus cancelled = Pending("DependencyNeverSatisfied");
  CancelJob(&cancelled, nullptr, T(300));
  SyncJobConditions(&cancelled, 1, T(300));
  EXPECT_EQ(Of(cancelled, "Failed"), "True Cancelled");
  EXPECT_EQ(Of(cancelled, "Started"), "False Cancelled");
  EXPECT_EQ(Cond(cancelled, "Started").message, "ended CANCELLED before it started");
  EXPECT_EQ(Of(cancelled, "Held"), "False NotHeld");
}

TEST(JobConditionsTest, HeldWhileWaitingHeldAndFalseOnceReleased) {
  api::JobStatus st = Pending("JobHeldUser");
  SyncJobConditions(&st, 1, T(100));
  EXPECT_EQ(Of(st, "Held"), "True JobHeldUser");
  st.reason = "Priority";  // released: the next cycle's pending reason
  SyncJobConditions(&st, 2, T(160));
  EXPECT_EQ(Of(st, "Held"), "False NotHeld");
  EXPECT_EQ(Cond(st, "Held").last_transition_time, T(160));
  st.reason = "JobHeldAdmin";
  SyncJobConditions(&st, 2, T(170));
  EXPECT_EQ(Of(st, "Held"), "True JobHeldAdmin");
}

// Preempted is True from the preemption until a run starts again; the requeued victim waits
// with Started False, reason Requeued.
TEST(JobConditionsTest, PreemptedUntilTheNextRunStarts) {
  api::JobStatus st = Pending("Priority");
  MarkStarted(&st, StartOn({"n1"}), 42, T(200));
  SyncJobConditions(&st, 1, T(200));
  InstanceOutcome out{InstanceOutcome::kPreempted, 0, "job 7"};
  ApplyOutcome(&st, out, /*requeue_allowed=*/true, T(300));
  SyncJobConditions(&st, 1, T(300));
  EXPECT_EQ(st.state, JobState::kPending);
  EXPECT_EQ(Of(st, "Preempted"), "True Requeued");
  EXPECT_EQ(Cond(st, "Preempted").message, "preempted by job 7");
  EXPECT_EQ(Of(st, "Started"), "False Requeued");
  EXPECT_EQ(Cond(st, "Started").last_transition_time, T(300));

  MarkStarted(&st, StartOn({"n2"}), 42, T(400));
  SyncJobConditions(&st, 1, T(400));
  EXPECT_EQ(Of(st, "Preempted"), "False Restarted");
  EXPECT_EQ(Cond(st, "Preempted").last_transition_time, T(400));
  EXPECT_EQ(Of(st, "Started"), "True Started");
}

TEST(JobConditionsTest, ArrayTaskPreemptionAndCompletionOfTheWholeArray) {
  api::JobStatus st = Pending("Priority");
  auto spec = api::ParseArraySpec("0-1");
  ASSERT_TRUE(spec.ok());
  InitArrayStatus(&st, *spec);
  for (uint32_t i : {0u, 1u}) {
    core::StartDecision d = StartOn({"n1"});
    d.array_task = i;
    MarkStarted(&st, d, 42 + i, T(200));
  }
  InstanceOutcome preempted{InstanceOutcome::kPreempted, 0, "job 9"};
  ApplyTaskOutcome(&st, *spec, 1, preempted, /*requeue_allowed=*/true, T(250));
  SyncJobConditions(&st, 1, T(250));
  EXPECT_EQ(Of(st, "Preempted"), "True Requeued");
  EXPECT_EQ(Cond(st, "Preempted").message, "task 1 preempted by job 9");

  InstanceOutcome done;
  done.kind = InstanceOutcome::kCompleted;
  core::StartDecision again = StartOn({"n2"});
  again.array_task = 1;
  MarkStarted(&st, again, 43, T(300));
  ApplyTaskOutcome(&st, *spec, 0, done, true, T(350));
  ApplyTaskOutcome(&st, *spec, 1, done, true, T(360));
  SyncJobConditions(&st, 1, T(360));
  EXPECT_EQ(st.state, JobState::kCompleted);
  EXPECT_EQ(Of(st, "Complete"), "True Completed");
  EXPECT_EQ(Cond(st, "Complete").message, "all 2 tasks completed");
  EXPECT_EQ(Of(st, "Preempted"), "False Restarted");
}

// A failed binding reverts the start; the conditions follow the reverted status.
TEST(JobConditionsTest, UndoneStartIsNotStarted) {
  api::JobStatus before = Pending("Priority");
  SyncJobConditions(&before, 1, T(100));
  api::JobStatus st = before;
  MarkStarted(&st, StartOn({"n1"}), 42, T(200));
  SyncJobConditions(&st, 1, T(200));
  UndoStart(&st, before, std::nullopt);
  SyncJobConditions(&st, 1, T(201));
  EXPECT_EQ(Of(st, "Started"), "False Pending");
  EXPECT_EQ(Cond(st, "Started").last_transition_time, T(100));
}

// Other condition types keep their own rule: a user requeue records its token in Requeued,
// whose transition time stays that of the first requeue (the status stays True).
TEST(JobConditionsTest, RequeuedConditionKeepsItsFirstTransitionTime) {
  api::JobStatus st = Pending("Priority");
  MarkStarted(&st, StartOn({"n1"}), 42, T(200));
  RequeueJob(&st, T(300), "tok-1");
  MarkStarted(&st, StartOn({"n1"}), 42, T(400));
  RequeueJob(&st, T(500), "tok-2");
  EXPECT_TRUE(RequeueTokenSeen(st, "tok-2"));
  EXPECT_EQ(Cond(st, "Requeued").last_transition_time, T(300));
}

TEST(JobConditionsTest, CurrentOnlyWithAllSixObservingTheGeneration) {
  api::JobStatus st = Pending("Priority");
  EXPECT_FALSE(JobConditionsCurrent(st, 1));
  SyncJobConditions(&st, 1, T(100));
  EXPECT_TRUE(JobConditionsCurrent(st, 1));
  EXPECT_FALSE(JobConditionsCurrent(st, 2));  // the spec changed since
  st.conditions.pop_back();
  EXPECT_FALSE(JobConditionsCurrent(st, 1));
}

// The TIME column's refresh: due when the stored elapsed time lags the real one by `refresh`.
TEST(ElapsedRefreshTest, DueWhenTheStoredTimeLagsByTheRefresh) {
  const core::Seconds refresh(60);
  api::JobStatus st = Pending("Priority");
  api::FillJobDisplayFields(&st, T(150));
  EXPECT_FALSE(ElapsedRefreshDue(st, T(1000), refresh));  // pending: 0:00 is right

  MarkStarted(&st, StartOn({"n1"}), 42, T(200));
  api::FillJobDisplayFields(&st, T(200));
  EXPECT_EQ(st.elapsed, "0:00");
  EXPECT_FALSE(ElapsedRefreshDue(st, T(259), refresh));
  EXPECT_TRUE(ElapsedRefreshDue(st, T(260), refresh));
  api::FillJobDisplayFields(&st, T(260));
  EXPECT_EQ(st.elapsed, "1:00");
  EXPECT_FALSE(ElapsedRefreshDue(st, T(319), refresh));
  EXPECT_TRUE(ElapsedRefreshDue(st, T(200 + 2 * 86400), refresh));

  InstanceOutcome done;
  done.kind = InstanceOutcome::kCompleted;
  ApplyOutcome(&st, done, true, T(290));
  api::FillJobDisplayFields(&st, T(290));
  EXPECT_EQ(st.elapsed, "1:30");
  EXPECT_FALSE(ElapsedRefreshDue(st, T(5000), refresh));  // ended: final
}

TEST(StatusTransitionsTest, StartsWithTheirQueueWaitAndEndsByFinalState) {
  api::JobStatus pending = Pending("Priority");
  api::JobStatus running = pending;
  MarkStarted(&running, StartOn({"n1"}), 42, T(190));
  StatusTransitions t = TransitionsBetween(pending, running);
  ASSERT_EQ(t.started.size(), 1u);
  EXPECT_EQ(t.started[0].partition, "gpu");
  EXPECT_EQ(t.started[0].waited, core::Seconds(90));
  EXPECT_TRUE(t.ended.empty());
  EXPECT_TRUE(TransitionsBetween(running, running).started.empty());  // a refresh

  api::JobStatus done = running;
  InstanceOutcome out;
  out.kind = InstanceOutcome::kCompleted;
  ApplyOutcome(&done, out, true, T(300));
  t = TransitionsBetween(running, done);
  EXPECT_TRUE(t.started.empty());
  EXPECT_EQ(t.ended, (std::map<JobState, int64_t>{{JobState::kCompleted, 1}}));
  EXPECT_TRUE(TransitionsBetween(done, done).ended.empty());

  // A requeued run waits from when it became eligible again, not from the submission.
  api::JobStatus requeued = running;
  RequeueJob(&requeued, T(400), "tok", core::Seconds(120));
  api::JobStatus rerun = requeued;
  MarkStarted(&rerun, StartOn({"n2"}), 42, T(530));
  t = TransitionsBetween(requeued, rerun);
  ASSERT_EQ(t.started.size(), 1u);
  EXPECT_EQ(t.started[0].waited, core::Seconds(10));

  api::JobStatus cancelled = pending;
  CancelJob(&cancelled, nullptr, T(150));
  EXPECT_EQ(TransitionsBetween(pending, cancelled).ended,
            (std::map<JobState, int64_t>{{JobState::kCancelled, 1}}));
}

TEST(StatusTransitionsTest, ArrayTasksCountOneEach) {
  api::JobStatus st = Pending("Priority");
  auto spec = api::ParseArraySpec("0-3");
  ASSERT_TRUE(spec.ok());
  InitArrayStatus(&st, *spec);
  api::JobStatus before = st;
  for (uint32_t i : {0u, 1u}) {
    core::StartDecision d = StartOn({"n1"});
    d.array_task = i;
    MarkStarted(&st, d, 42 + i, T(130));
  }
  StatusTransitions t = TransitionsBetween(before, st);
  ASSERT_EQ(t.started.size(), 2u);
  EXPECT_EQ(t.started[1].waited, core::Seconds(30));

  before = st;
  InstanceOutcome done;
  done.kind = InstanceOutcome::kCompleted;
  ApplyTaskOutcome(&st, *spec, 0, done, true, T(200));
  CancelTasks(&st, *spec, {1, 2, 3}, T(210));
  t = TransitionsBetween(before, st);
  EXPECT_TRUE(t.started.empty());
  EXPECT_EQ(t.ended,
            (std::map<JobState, int64_t>{{JobState::kCompleted, 1}, {JobState::kCancelled, 3}}));
}

}  // namespace
}  // namespace fairway::controllers
