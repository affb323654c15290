#include "webhook/submit_limits.h"

#include <gtest/gtest.h>

#include "webhook/job_validation.h"
#include "webhook_test_util.h"

namespace fairway::webhook {
namespace {

using namespace testing;  // NOLINT(build/namespaces)

const std::string kPolicy =
    "Job violates accounting/QOS policy (job submit limit, user's size and/or time limits) (";

// alice's jobs: one pending and one running in physics (in two namespaces), one completed, one
// in astro; bob's one pending job in physics.
StaticClusterView WithJobs(StaticClusterView v) {
  v.jobs_by_namespace["ml"] = {
      Job(ValidJob("a1").Status({{"jobID", 1}, {"state", "PENDING"}}).Build()),
      Job(ValidJob("a-done").Status({{"jobID", 2}, {"state", "COMPLETED"}}).Build()),
      Job(ValidJob("b1").Stamped("bob").Status({{"jobID", 3}, {"state", "PENDING"}}).Build()),
      Job(ValidJob("a-astro").Set("account", "astro").Build()),
  };
  v.jobs_by_namespace["other"] = {
      Job(ValidJob("a2").Status({{"jobID", 4}, {"state", "RUNNING"}}).Build()),
  };
  return v;
}

AdmissionResponse Submit(const JobJson& job, const StaticClusterView& view,
                         const std::string& user = "alice") {
  return ValidateJob(JobRequest(Operation::kCreate, User(user), job.Build()), view, Settings());
}

TEST(SubmittedJobTest, CountsUnendedJobsAndArrayTasks) {
  EXPECT_EQ(SubmittedJobOf(ValidJob().Build())->count, 1);
  EXPECT_FALSE(SubmittedJobOf(ValidJob().Status({{"state", "FAILED"}}).Build()).has_value());
  EXPECT_EQ(SubmittedJobOf(ValidJob().Set("array", "0-9").Build())->count, 10);
  json seen =
      ValidJob()
          .Set("array", "0-9")
          .Status({{"state", "RUNNING"},
                   {"array", {{"taskCounts", {{"PENDING", 3}, {"RUNNING", 2}, {"COMPLETED", 5}}}}}})
          .Build();
  EXPECT_EQ(SubmittedJobOf(seen)->count, 5);
  json done = ValidJob()
                  .Set("array", "0-1")
                  .Status({{"array", {{"taskCounts", {{"COMPLETED", 2}}}}}})
                  .Build();
  EXPECT_FALSE(SubmittedJobOf(done).has_value());
  std::optional<SubmittedJob> s = SubmittedJobOf(ValidJob().Build());
  EXPECT_EQ(s->user, "alice");
  EXPECT_EQ(s->account, "physics");
  EXPECT_EQ(s->qos, "normal");
}

TEST(SubmitLimitsTest, UsersOwnMaxSubmitJobsCountsPendingAndRunningInEveryNamespace) {
  StaticClusterView view = WithJobs(Cluster());
  view.accounts["physics"] = Account({{"users", {"alice", "bob"}},
                                      {"allowedQos", {"normal", "high"}},
                                      {"userLimits", {{"alice", {{"maxSubmitJobs", 2}}}}}},
                                     "physics");
  AdmissionResponse r = Submit(ValidJob(), view);
  EXPECT_FALSE(r.allowed);
  EXPECT_EQ(r.code, 403);
  EXPECT_EQ(r.message, kPolicy +
                           "AssocMaxSubmitJobLimit: user \"alice\" in account \"physics\" has 2 "
                           "jobs pending or running, this adds 1; Account \"physics\" "
                           "spec.userLimits.alice.maxSubmitJobs is 2)");
  // The limit is alice's own: bob (one job) and alice in astro are not bound by it.
  EXPECT_TRUE(Submit(ValidJob().Stamped("bob", {"system:authenticated"}), view, "bob").allowed);
  EXPECT_TRUE(Submit(ValidJob().Set("account", "astro"), view).allowed);
}

TEST(SubmitLimitsTest, AccountPerUserLimitIsInheritedAndArraysCountTheirTasks) {
  StaticClusterView view = WithJobs(Cluster());
  view.accounts["physics"] =
      Account({{"users", {"alice", "bob"}}, {"limits", {{"maxSubmitJobsPerUser", 3}}}}, "physics");
  // astro inherits 3: alice has 1 job there; an array of 2 fits, one of 3 does not.
  EXPECT_TRUE(Submit(ValidJob().Set("account", "astro").Set("array", "0-1"), view).allowed);
  AdmissionResponse r = Submit(ValidJob().Set("account", "astro").Set("array", "0-2"), view);
  EXPECT_FALSE(r.allowed);
  EXPECT_EQ(r.message, kPolicy +
                           "AssocMaxSubmitJobLimit: user \"alice\" in account \"astro\" has 1 "
                           "jobs pending or running, this adds 3; Account \"physics\" "
                           "spec.limits.maxSubmitJobsPerUser is 3)");
}

TEST(SubmitLimitsTest, QosLimitsComeFirst) {
  StaticClusterView view = WithJobs(Cluster());
  view.qos["normal"] = Qos({{"limits", {{"maxSubmitJobsPerUser", 2}}}}, "normal");
  EXPECT_EQ(Submit(ValidJob(), view).message,
            kPolicy +
                "QOSMaxSubmitJobPerUserLimit: user \"alice\" in QoS \"normal\" has 3 jobs pending "
                "or running, this adds 1; its limits.maxSubmitJobsPerUser is 2)");
  view.qos["normal"] = Qos({{"limits", {{"grpSubmitJobs", 4}}}}, "normal");
  EXPECT_EQ(Submit(ValidJob(), view).message,
            kPolicy +
                "QOSGrpSubmitJobsLimit: QoS \"normal\" has 4 jobs pending or running, this adds "
                "1; its limits.grpSubmitJobs is 4)");
  EXPECT_TRUE(Submit(ValidJob().Set("qos", "high"), view).allowed);
}

TEST(SubmitLimitsTest, AccountGrpSubmitJobsCountsTheSubtree) {
  StaticClusterView view = WithJobs(Cluster());
  view.accounts["physics"] =
      Account({{"users", {"alice", "bob"}}, {"limits", {{"grpSubmitJobs", 5}}}}, "physics");
  // physics' subtree holds alice's 2 + bob's 1 + alice's 1 in astro = 4.
  EXPECT_TRUE(Submit(ValidJob().Set("account", "astro"), view).allowed);
  AdmissionResponse r = Submit(ValidJob().Set("account", "astro").Set("array", "0-1"), view);
  EXPECT_EQ(r.message, kPolicy +
                           "AssocGrpSubmitJobsLimit: account \"physics\" has 4 jobs pending or "
                           "running, this adds 2; its spec.limits.grpSubmitJobs is 5)");
}

}  // namespace
}  // namespace fairway::webhook
