#include "core/priority.h"

#include <gtest/gtest.h>

#include "tests/testing/builders.h"

namespace fairway::core {
namespace {

using testing::JobBuilder;
using testing::PartitionBuilder;
using testing::QosBuilder;
using testing::T;

constexpr int64_t kDay = 86400;

PriorityContext Context(int64_t now) {
  PriorityContext ctx;
  ctx.now = T(now);
  ctx.total_nodes = 10;
  ctx.total_cpus = 640;
  ctx.total_gpus = 80;
  ctx.max_partition_job_factor = 1;
  ctx.max_qos_priority = 100;
  return ctx;
}

// slurm-semantics.md §1 worked example: W_age=1000, W_fs=10000, W_qos=2000; waited 3.5 d of a
// 7 d max age -> 500; F_fs=0.75 -> 7500; QoS 50 of 100 -> 1000; nice 100 -> 8900.
TEST(PriorityTest, ReproducesSlurmWorkedExample) {
  PriorityConfig config;
  config.weights.age = 1000;
  config.weights.fair_share = 10000;
  config.weights.qos = 2000;
  Job job = JobBuilder("a").Submit(0).Eligible(0).Nice(100).Build();
  Qos qos = QosBuilder("normal").Priority(50).Build();
  Partition part = PartitionBuilder("gpu").Build();
  PriorityBreakdown b =
      ComputePriority(job, part, &qos, 0.75, 80, config, Context(3 * kDay + kDay / 2));
  EXPECT_DOUBLE_EQ(b.age, 500);
  EXPECT_DOUBLE_EQ(b.fair_share, 7500);
  EXPECT_DOUBLE_EQ(b.qos, 1000);
  EXPECT_EQ(b.nice, 100);
  EXPECT_EQ(b.priority, 8900u);
}

TEST(PriorityTest, AgeIsCappedAtMaxAgeAndZeroWhileHeld) {
  PriorityConfig config;
  Job job = JobBuilder("a").Submit(0).Build();
  EXPECT_DOUBLE_EQ(AgeFactor(job, config, T(14 * kDay)), 1.0);
  EXPECT_DOUBLE_EQ(AgeFactor(job, config, T(0)), 0.0);
  Job held = JobBuilder("b").Submit(0).Hold().Build();
  EXPECT_DOUBLE_EQ(AgeFactor(held, config, T(kDay)), 0.0);
}

// Fairway's expansion factor: waited / (waited + run), run = the limit or the user's predicted
// run time (at least 10 s). A 10-minute job that waited 10 minutes is at 0.5, a 10-hour job that
// waited as long far lower.
TEST(PriorityTest, ExpansionFactorGrowsWithWaitRelativeToTheRun) {
  PriorityConfig config;
  config.weights.expansion = 1000;
  Job short_job = JobBuilder("s").Submit(0).Eligible(0).TimeLimit(600).Build();
  Job long_job = JobBuilder("l").Submit(0).Eligible(0).TimeLimit(36000).Build();
  EXPECT_DOUBLE_EQ(ExpansionFactor(short_job, config, Context(0)), 0.0);
  EXPECT_DOUBLE_EQ(ExpansionFactor(short_job, config, Context(600)), 0.5);
  EXPECT_DOUBLE_EQ(ExpansionFactor(long_job, config, Context(600)), 600.0 / 36600);
  Partition part = PartitionBuilder("gpu").Build();
  EXPECT_DOUBLE_EQ(ComputePriority(short_job, part, nullptr, 0, 80, config, Context(600)).expansion,
                   500);
  // No limit and no prediction: no factor. A tiny run counts as 10 s.
  EXPECT_DOUBLE_EQ(ExpansionFactor(JobBuilder("u").Submit(0).Build(), config, Context(600)), 0.0);
  Job tiny = JobBuilder("t").Submit(0).Eligible(0).TimeLimit(1).Build();
  EXPECT_DOUBLE_EQ(ExpansionFactor(tiny, config, Context(10)), 0.5);
  // With a history the prediction replaces the limit (alice's jobs ran 60 s).
  RuntimeHistory history;
  history.Record(UserName("alice"), Seconds(60));
  PriorityContext with_history = Context(60);
  with_history.history = &history;
  EXPECT_DOUBLE_EQ(ExpansionFactor(long_job, config, with_history), 0.5);
  // Unweighted, it is not computed.
  config.weights.expansion = 0;
  EXPECT_DOUBLE_EQ(ExpansionFactor(short_job, config, Context(600)), 0.0);
}

TEST(PriorityTest, AgeAccruesFromBeginTimeUnlessAccrueAlways) {
  PriorityConfig config;
  Job job = JobBuilder("a").Submit(0).Begin(kDay).Build();
  EXPECT_DOUBLE_EQ(AgeFactor(job, config, T(kDay)), 0.0);
  config.accrue_always = true;
  EXPECT_DOUBLE_EQ(AgeFactor(job, config, T(kDay)), 1.0 / 7);
}

TEST(PriorityTest, JobSizeFollowsSlurmFormulas) {
  PriorityConfig config;
  PriorityContext ctx = Context(0);
  Job job = JobBuilder("a").Nodes(2).Cpu(32000).Build();  // 2 of 10 nodes, 64 of 640 cpus
  EXPECT_DOUBLE_EQ(JobSizeFactor(job, config, ctx), (0.2 + 0.1) / 2);
  config.favor_small = true;
  EXPECT_DOUBLE_EQ(JobSizeFactor(job, config, ctx), (0.8 + 0.9) / 2);
  Job no_cpu = JobBuilder("b").Nodes(5).Cpu(0).Build();
  config.favor_small = false;
  EXPECT_DOUBLE_EQ(JobSizeFactor(no_cpu, config, ctx), 0.5);
  config.job_size_basis = JobSizeBasis::kGpus;
  Job gpus = JobBuilder("c").Nodes(2).Gpus(8).Build();
  EXPECT_DOUBLE_EQ(JobSizeFactor(gpus, config, ctx), 16.0 / 80);
}

TEST(PriorityTest, PartitionAndQosFactorsNormaliseByMaximum) {
  PriorityContext ctx = Context(0);
  ctx.max_partition_job_factor = 4;
  EXPECT_DOUBLE_EQ(PartitionFactor(PartitionBuilder("p").JobFactor(1).Build(), ctx), 0.25);
  Qos low = QosBuilder("low").Priority(25).Build();
  EXPECT_DOUBLE_EQ(QosFactor(&low, ctx), 0.25);
  EXPECT_DOUBLE_EQ(QosFactor(nullptr, ctx), 0.0);
  ctx.max_qos_priority = 0;
  EXPECT_DOUBLE_EQ(QosFactor(&low, ctx), 0.0);
}

TEST(PriorityTest, ClampsToOneAndTruncatesFraction) {
  PriorityConfig config;
  config.weights.fair_share = 1000;
  Partition part = PartitionBuilder("p").Build();
  Job nice = JobBuilder("a").Nice(5000).Build();
  EXPECT_EQ(ComputePriority(nice, part, nullptr, 1.0, 0, config, Context(0)).priority, 1u);
  Job plain = JobBuilder("b").Build();
  EXPECT_EQ(ComputePriority(plain, part, nullptr, 0.33333, 0, config, Context(0)).priority, 333u);
  Job negative_nice = JobBuilder("c").Nice(-100).Build();
  EXPECT_EQ(ComputePriority(negative_nice, part, nullptr, 0.5, 0, config, Context(0)).priority,
            600u);
}

TEST(PriorityTest, HeldJobsHavePriorityZeroAndPinnedPriorityWins) {
  PriorityConfig config;
  config.weights.fair_share = 1000;
  Partition part = PartitionBuilder("p").Build();
  Job held = JobBuilder("a").Hold(HoldKind::kAdmin).Build();
  EXPECT_EQ(ComputePriority(held, part, nullptr, 1.0, 0, config, Context(0)).priority, 0u);
  Job pinned = JobBuilder("b").Build();
  pinned.pinned_priority = 42;
  EXPECT_EQ(ComputePriority(pinned, part, nullptr, 1.0, 0, config, Context(0)).priority, 42u);
}

TEST(PriorityTest, GpuTresFactorIsShareOfPartitionGpus) {
  Job job = JobBuilder("a").Nodes(2).Gpus(4).Build();
  EXPECT_DOUBLE_EQ(GpuTresFactor(job, 32), 0.25);
  EXPECT_DOUBLE_EQ(GpuTresFactor(job, 0), 0.0);
}

// Issue #16: PriorityCalcPeriod. Passes fall on multiples of the period since the epoch.
TEST(PriorityPassTest, PassTimeIsTheLastMultipleOfThePeriod) {
  EXPECT_EQ(PriorityPassTime(T(1000), Seconds(300)), T(900));
  EXPECT_EQ(PriorityPassTime(T(900), Seconds(300)), T(900));
  EXPECT_EQ(PriorityPassTime(T(899), Seconds(300)), T(600));
  EXPECT_EQ(PriorityPassTime(T(59), Seconds(60)), T(0));
  EXPECT_EQ(PriorityPassTime(T(-1), Seconds(60)), T(-60));
}

// As sprio in tools/slurm-lab (FINDINGS.md "b": AGE 19 -> 79 -> 139 for a job submitted 19 s
// before a pass): between passes the age factor stands still, and a job submitted after the
// last pass has none yet.
TEST(PriorityPassTest, AgeMovesOnlyAtPasses) {
  PriorityConfig config;
  config.weights.age = 3600;
  config.max_age = Seconds(3600);  // 1 point per second waited
  config.calc_period = Seconds(60);
  Partition part = PartitionBuilder("gpu").Build();
  Job early = JobBuilder("early").Submit(41).Eligible(41).Build();
  Job late = JobBuilder("late").Submit(65).Eligible(65).Build();
  auto age_at = [&](const Job& job, int64_t now) {
    PriorityContext ctx = Context(0);
    ctx.now = PriorityPassTime(T(now), config.calc_period);
    return ComputePriority(job, part, nullptr, 0, 80, config, ctx).age;
  };
  EXPECT_DOUBLE_EQ(age_at(early, 60), 19);
  EXPECT_DOUBLE_EQ(age_at(early, 119), 19);
  EXPECT_DOUBLE_EQ(age_at(early, 120), 79);
  EXPECT_DOUBLE_EQ(age_at(early, 180), 139);
  EXPECT_DOUBLE_EQ(age_at(late, 119), 0);
  EXPECT_DOUBLE_EQ(age_at(late, 120), 55);
}

}  // namespace
}  // namespace fairway::core
