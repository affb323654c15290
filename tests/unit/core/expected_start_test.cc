// Expected starts that do not come from a backfill reservation (issue #16). A job waiting for
// --begin (or a requeue delay) expects its begin time, as Slurm 22.05 shows it
// (tests/testdata/slurm/expected_starts.txt). A job held back by a limit on running jobs or GPUs
// expects the end of the running job that frees enough: a Fairway addition, since Slurm 22.05
// showed N/A there in the lab (same file, section 3).
#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <string>

#include "core/cycle.h"
#include "tests/testing/builders.h"

namespace fairway::core {
namespace {

using testing::AccountBuilder;
using testing::JobBuilder;
using testing::NodeBuilder;
using testing::PartitionBuilder;
using testing::QosBuilder;
using testing::T;

class ExpectedStartTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cluster_.partitions.push_back(PartitionBuilder("gpu").Default().MaxTime(7200).Build());
    for (int i = 0; i < 4; ++i) {
      cluster_.nodes.push_back(NodeBuilder("n" + std::to_string(i)).Gpus(4).Build());
    }
  }

  // Runs one cycle at `now`; returns each pending job's expected start by name.
  std::map<std::string, std::optional<Timestamp>> Run(int64_t now) {
    CycleInput in;
    in.now = T(now);
    in.cluster = &cluster_;
    in.pending = &pending_;
    in.config = &config_;
    in.usage = &usage_;
    result_ = RunCycle(in);
    std::map<std::string, std::optional<Timestamp>> starts;
    for (const PendingDecision& d : result_.pending) {
      starts[pending_[d.pending_index].name] = d.expected_start;
      reasons_[pending_[d.pending_index].name] = d.reason;
    }
    return starts;
  }

  ClusterState cluster_;
  std::vector<Job> pending_;
  SchedulerConfig config_;
  UsageLedger usage_;
  CycleResult result_;
  std::map<std::string, PendingReason> reasons_;
};

// Slurm: `--begin=now+300` submitted 01:10:35 -> BeginTime, START_TIME 01:15:35.
TEST_F(ExpectedStartTest, BeginTimeIsTheExpectedStart) {
  cluster_.accounts.push_back(AccountBuilder("research").Build());
  pending_.push_back(JobBuilder("later").Id(1).Submit(1000).Begin(1300).TimeLimit(300).Build());
  auto starts = Run(1000);
  EXPECT_EQ(reasons_["later"], PendingReason::kBeginTime);
  EXPECT_EQ(starts["later"], T(1300));
}

// A held job expects nothing, whatever its begin time (Slurm: N/A while held).
TEST_F(ExpectedStartTest, HeldJobHasNoExpectedStart) {
  cluster_.accounts.push_back(AccountBuilder("research").Build());
  pending_.push_back(JobBuilder("held").Id(1).Submit(1000).Begin(1300).Hold().Build());
  auto starts = Run(1000);
  EXPECT_EQ(reasons_["held"], PendingReason::kJobHeldUser);
  EXPECT_EQ(starts["held"], std::nullopt);
}

// GrpTRES=gres/gpu=2: the second 2-GPU job may run when the first (started 500, 1 h limit) ends.
TEST_F(ExpectedStartTest, AccountGpuLimitExpectsTheEndOfTheJobThatFreesEnough) {
  cluster_.accounts.push_back(AccountBuilder("research").GrpGpus(4).Build());
  cluster_.running.push_back(
      JobBuilder("long").Id(1).Gpus(2).TimeLimit(3600).Running(500, {"n0"}, "gpu").Build());
  cluster_.running.push_back(
      JobBuilder("short").Id(2).Gpus(2).TimeLimit(600).Running(800, {"n1"}, "gpu").Build());
  // Needs 2 GPUs: the first job to end (the short one, at 1400) frees 2, which is enough.
  pending_.push_back(JobBuilder("two").Id(3).Submit(900).Gpus(2).TimeLimit(600).Build());
  auto starts = Run(1000);
  EXPECT_EQ(reasons_["two"], PendingReason::kAssocGrpGres);
  EXPECT_EQ(starts["two"], T(1400));
}

TEST_F(ExpectedStartTest, GpuLimitNeedingTwoEndsWaitsForTheLaterOne) {
  cluster_.accounts.push_back(AccountBuilder("research").GrpGpus(4).Build());
  cluster_.running.push_back(
      JobBuilder("long").Id(1).Gpus(2).TimeLimit(3600).Running(500, {"n0"}, "gpu").Build());
  cluster_.running.push_back(
      JobBuilder("short").Id(2).Gpus(2).TimeLimit(600).Running(800, {"n1"}, "gpu").Build());
  // 3 GPUs: after the short job 2 + 3 > 4 still, so it waits for the long one too.
  pending_.push_back(JobBuilder("three").Id(3).Submit(900).Gpus(3).TimeLimit(600).Build());
  auto starts = Run(1000);
  EXPECT_EQ(starts["three"], T(500 + 3600));
}

// Jobs of other accounts end earlier but free nothing the limit counts.
TEST_F(ExpectedStartTest, OnlyJobsCountedByTheLimitRelease) {
  cluster_.accounts.push_back(AccountBuilder("research").GrpJobs(1).Build());
  cluster_.accounts.push_back(AccountBuilder("other").Build());
  cluster_.running.push_back(
      JobBuilder("mine").Id(1).TimeLimit(3000).Running(0, {"n0"}, "gpu").Build());
  cluster_.running.push_back(JobBuilder("theirs")
                                 .Id(2)
                                 .Account("other")
                                 .User("bob")
                                 .TimeLimit(60)
                                 .Running(950, {"n1"}, "gpu")
                                 .Build());
  pending_.push_back(JobBuilder("next").Id(3).Submit(900).TimeLimit(600).Build());
  auto starts = Run(1000);
  EXPECT_EQ(reasons_["next"], PendingReason::kAssocGrpJobsLimit);
  EXPECT_EQ(starts["next"], T(3000));
}

// A QoS per-user limit clears the same way.
TEST_F(ExpectedStartTest, QosMaxJobsPerUserExpectsTheUsersJobEnd) {
  cluster_.accounts.push_back(AccountBuilder("research").Build());
  cluster_.qos.push_back(QosBuilder("normal").MaxJobsPerUser(1).Build());
  cluster_.running.push_back(
      JobBuilder("first").Id(1).TimeLimit(1200).Running(600, {"n0"}, "gpu").Build());
  pending_.push_back(JobBuilder("second").Id(2).Submit(900).TimeLimit(600).Build());
  auto starts = Run(1000);
  EXPECT_EQ(reasons_["second"], PendingReason::kQosMaxJobsPerUserLimit);
  EXPECT_EQ(starts["second"], T(1800));
}

// A job that started this cycle counts against the limit and ends at now + its limit.
TEST_F(ExpectedStartTest, ThisCyclesStartsCountAndEnd) {
  cluster_.accounts.push_back(AccountBuilder("research").GrpJobs(1).Build());
  pending_.push_back(JobBuilder("first").Id(1).Submit(100).TimeLimit(900).Build());
  pending_.push_back(JobBuilder("second").Id(2).Submit(200).TimeLimit(900).Build());
  auto starts = Run(1000);
  EXPECT_EQ(reasons_.count("first"), 0u);  // started
  EXPECT_EQ(reasons_["second"], PendingReason::kAssocGrpJobsLimit);
  EXPECT_EQ(starts["second"], T(1900));
}

// Limits that running jobs ending cannot clear publish nothing: a running job without a time
// limit never ends, and MaxWall or a submit limit does not depend on running jobs' ends.
TEST_F(ExpectedStartTest, LimitsThatDoNotClearPublishNothing) {
  cluster_.partitions[0].max_time.reset();
  cluster_.accounts.push_back(
      AccountBuilder("research").GrpJobs(1).MaxSubmitJobsPerUser(2).Build());
  cluster_.accounts.push_back(AccountBuilder("walled").MaxWall(600).Build());
  cluster_.running.push_back(JobBuilder("forever").Id(1).Running(0, {"n0"}, "gpu").Build());
  pending_.push_back(JobBuilder("grp").Id(2).Submit(100).TimeLimit(300).Build());
  pending_.push_back(
      JobBuilder("wall").Id(3).Account("walled").User("bob").Submit(200).TimeLimit(900).Build());
  pending_.push_back(JobBuilder("submit").Id(4).Submit(300).TimeLimit(300).Build());
  auto starts = Run(1000);
  EXPECT_EQ(reasons_["grp"], PendingReason::kAssocGrpJobsLimit);
  EXPECT_EQ(starts["grp"], std::nullopt);
  EXPECT_EQ(reasons_["wall"], PendingReason::kAssocMaxWallDurationPerJobLimit);
  EXPECT_EQ(starts["wall"], std::nullopt);
  EXPECT_EQ(reasons_["submit"], PendingReason::kAssocMaxSubmitJobsLimit);
  EXPECT_EQ(starts["submit"], std::nullopt);
}

}  // namespace
}  // namespace fairway::core
