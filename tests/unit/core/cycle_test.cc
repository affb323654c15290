#include "core/cycle.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "tests/testing/builders.h"

namespace fairway::core {
namespace {

using testing::AccountBuilder;
using testing::JobBuilder;
using testing::NodeBuilder;
using testing::PartitionBuilder;
using testing::QosBuilder;
using testing::T;

// A small cluster and a way to run one cycle and read the outcome by job name.
class CycleFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    cluster_.partitions.push_back(PartitionBuilder("gpu").Default().Build());
    cluster_.accounts.push_back(AccountBuilder("research").Build());
    config_.priority.weights.age = 1000;
    // These tests are about the main pass; backfill_test.cc covers the planner.
    config_.backfill.enabled = false;
  }

  void AddNodes(int count, int64_t gpus = 8, const std::string& prefix = "n") {
    for (int i = 0; i < count; ++i) {
      cluster_.nodes.push_back(NodeBuilder(prefix + std::to_string(i)).Gpus(gpus).Build());
    }
  }

  void Run(int64_t now = 1000) {
    CycleInput in;
    in.now = T(now);
    in.cluster = &cluster_;
    in.pending = &pending_;
    in.config = &config_;
    in.usage = &usage_;
    result_ = RunCycle(in);
    started_.clear();
    reasons_.clear();
    for (const StartDecision& s : result_.started) started_[pending_[s.pending_index].name] = s;
    for (const PendingDecision& p : result_.pending) {
      reasons_[pending_[p.pending_index].name] = p.reason;
    }
  }

  bool Started(const std::string& name) const { return started_.count(name) > 0; }
  std::string Reason(const std::string& name) const {
    auto it = reasons_.find(name);
    return it == reasons_.end() ? "<started>" : std::string(PendingReasonName(it->second));
  }
  std::vector<std::string> NodesOf(const std::string& name) const {
    std::vector<std::string> out;
    for (const NodeName& n : started_.at(name).nodes) out.push_back(n.str());
    return out;
  }

  ClusterState cluster_;
  std::vector<Job> pending_;
  SchedulerConfig config_;
  UsageLedger usage_;
  CycleResult result_;
  std::map<std::string, StartDecision> started_;
  std::map<std::string, PendingReason> reasons_;
};

TEST_F(CycleFixture, StartsWhatFitsInPriorityOrder) {
  AddNodes(2);
  pending_.push_back(JobBuilder("old").Id(1).Submit(0).Gpus(8).Build());
  pending_.push_back(JobBuilder("new").Id(2).Submit(500).Gpus(8).Build());
  pending_.push_back(JobBuilder("newest").Id(3).Submit(900).Gpus(8).Build());
  Run();
  EXPECT_TRUE(Started("old"));
  EXPECT_TRUE(Started("new"));
  EXPECT_EQ(Reason("newest"), "Resources");
  EXPECT_EQ(result_.started[0].id.value, 1u);
}

TEST_F(CycleFixture, FirstBlockedJobGetsResourcesAndLaterOnesPriority) {
  AddNodes(1);
  pending_.push_back(JobBuilder("big").Id(1).Submit(0).Gpus(8).Nodes(2).Build());
  pending_.push_back(JobBuilder("small").Id(2).Submit(10).Gpus(1).Build());
  Run();
  // big needs 2 nodes but the partition has 1: it can never run and does not block.
  EXPECT_EQ(Reason("big"), "PartitionNodeLimit");
  EXPECT_TRUE(Started("small"));

  pending_.clear();
  AddNodes(1, 8, "m");
  cluster_.running.push_back(JobBuilder("busy").Id(9).Gpus(4).Running(0, {"n0"}, "gpu").Build());
  pending_.push_back(JobBuilder("big").Id(1).Submit(0).Gpus(8).Nodes(2).Build());
  pending_.push_back(JobBuilder("small").Id(2).Submit(10).Gpus(1).Build());
  Run();
  // Now big could run on an idle partition, so it blocks it; small may not overtake it.
  EXPECT_EQ(Reason("big"), "Resources");
  EXPECT_EQ(Reason("small"), "Priority");
}

TEST_F(CycleFixture, JobsBlockedByTheirOwnLimitsDoNotBlockThePartition) {
  AddNodes(1);
  cluster_.accounts = {AccountBuilder("research").GrpGpus(2).Build(),
                       AccountBuilder("other").Build()};
  pending_.push_back(JobBuilder("capped").Id(1).Submit(0).Gpus(4).Build());
  pending_.push_back(
      JobBuilder("free").Id(2).Submit(10).Gpus(4).Account("other").User("bob").Build());
  Run();
  EXPECT_EQ(Reason("capped"), "AssocGrpGRES");
  EXPECT_TRUE(Started("free"));
}

TEST_F(CycleFixture, BestFitPacksOntoTheFullestNode) {
  AddNodes(3);
  cluster_.running.push_back(JobBuilder("r1").Id(7).Gpus(6).Running(0, {"n1"}, "gpu").Build());
  cluster_.running.push_back(JobBuilder("r2").Id(8).Gpus(3).Running(0, {"n2"}, "gpu").Build());
  pending_.push_back(JobBuilder("two").Id(1).Submit(0).Gpus(2).Build());
  pending_.push_back(JobBuilder("four").Id(2).Submit(1).Gpus(4).Build());
  Run();
  EXPECT_EQ(NodesOf("two"), std::vector<std::string>{"n1"});   // 2 free -> 0 left
  EXPECT_EQ(NodesOf("four"), std::vector<std::string>{"n2"});  // 5 free -> 1 left
}

TEST_F(CycleFixture, GangJobGetsAllNodesOrNone) {
  AddNodes(4);
  cluster_.running.push_back(JobBuilder("r").Id(7).Gpus(8).Running(0, {"n3"}, "gpu").Build());
  pending_.push_back(JobBuilder("gang").Id(1).Submit(0).Gpus(8).Nodes(3).Build());
  Run();
  EXPECT_EQ(NodesOf("gang"), (std::vector<std::string>{"n0", "n1", "n2"}));
  pending_ = {JobBuilder("gang4").Id(2).Submit(0).Gpus(8).Nodes(4).Build()};
  Run();
  EXPECT_EQ(Reason("gang4"), "Resources");
  EXPECT_TRUE(result_.started.empty());
}

TEST_F(CycleFixture, HonoursTaintsReadinessCordonGpuTypeAndConstraints) {
  cluster_.nodes.push_back(NodeBuilder("tainted").Taint("dedicated", "ml").Build());
  cluster_.nodes.push_back(NodeBuilder("down").NotReady().Build());
  cluster_.nodes.push_back(NodeBuilder("cordoned").Cordoned().Build());
  cluster_.nodes.push_back(NodeBuilder("h100").GpuType("h100").Label("zone", "b").Build());
  pending_.push_back(JobBuilder("a100").Id(1).Submit(0).GpuType("a100").Build());
  pending_.push_back(
      JobBuilder("tolerant").Id(2).Submit(1).GpuType("a100").Tolerate("dedicated", "ml").Build());
  pending_.push_back(JobBuilder("zone-b").Id(3).Submit(2).Constraint("zone", "b").Build());
  pending_.push_back(JobBuilder("zone-c").Id(4).Submit(3).Constraint("zone", "c").Build());
  Run();
  // The only a100 nodes that take work are tainted, down or cordoned: a100 needs a node that is
  // down or cordoned, or tainted (not tolerated).
  EXPECT_EQ(Reason("a100"), "NodeDown");
  EXPECT_EQ(NodesOf("tolerant"), std::vector<std::string>{"tainted"});
  EXPECT_EQ(NodesOf("zone-b"), std::vector<std::string>{"h100"});
  EXPECT_EQ(Reason("zone-c"), "BadConstraints");
}

TEST_F(CycleFixture, CountsPodsOfOtherSchedulers) {
  cluster_.nodes.push_back(NodeBuilder("n0").UsedByOthers({0, 0, 6}).Build());
  pending_.push_back(JobBuilder("three").Id(1).Submit(0).Gpus(3).Build());
  pending_.push_back(JobBuilder("two").Id(2).Submit(1).Gpus(2).Build());
  Run();
  EXPECT_EQ(Reason("three"), "Resources");
  EXPECT_EQ(Reason("two"), "Priority");
}

TEST_F(CycleFixture, ExclusiveJobsNeedEmptyNodes) {
  AddNodes(2);
  cluster_.running.push_back(JobBuilder("r").Id(7).Gpus(1).Running(0, {"n0"}, "gpu").Build());
  pending_.push_back(JobBuilder("excl").Id(1).Submit(0).Gpus(1).Exclusive().Build());
  Run();
  EXPECT_EQ(NodesOf("excl"), std::vector<std::string>{"n1"});
}

TEST_F(CycleFixture, HeldBeginTimeAndInvalidJobsGetTheirReasons) {
  AddNodes(1);
  cluster_.accounts = {AccountBuilder("research").User("alice").Build()};
  cluster_.qos = {QosBuilder("normal").Build()};
  pending_.push_back(JobBuilder("held").Id(1).Hold().Build());
  pending_.push_back(JobBuilder("admin").Id(2).Hold(HoldKind::kAdmin).Build());
  pending_.push_back(JobBuilder("later").Id(3).Begin(5000).Build());
  pending_.push_back(JobBuilder("stranger").Id(4).User("mallory").Build());
  pending_.push_back(JobBuilder("noacct").Id(5).Account("nope").Build());
  pending_.push_back(JobBuilder("badqos").Id(6).Qos("gold").Build());
  pending_.push_back(JobBuilder("nopart").Id(7).Partition("missing").Build());
  Run();
  EXPECT_EQ(Reason("held"), "JobHeldUser");
  EXPECT_EQ(Reason("admin"), "JobHeldAdmin");
  EXPECT_EQ(Reason("later"), "BeginTime");
  EXPECT_EQ(Reason("stranger"), "InvalidAccount");
  EXPECT_EQ(Reason("noacct"), "InvalidAccount");
  EXPECT_EQ(Reason("badqos"), "InvalidQOS");
  EXPECT_EQ(Reason("nopart"), "PartitionConfig");
  EXPECT_EQ(result_.pending[0].priority.priority, 0u);
  // The begin time passes: the job starts.
  Run(6000);
  EXPECT_TRUE(Started("later"));
}

TEST_F(CycleFixture, PartitionChecks) {
  AddNodes(2);
  cluster_.accounts = {AccountBuilder("research").Build(), AccountBuilder("ml").Build(),
                       AccountBuilder("vision").Parent("ml").Build()};
  cluster_.qos = {QosBuilder("normal").Build(), QosBuilder("high").Build()};
  cluster_.partitions = {
      PartitionBuilder("down").State(PartitionState::kDown).Build(),
      PartitionBuilder("inactive").State(PartitionState::kInactive).Build(),
      PartitionBuilder("short").MaxTime(3600).Build(),
      PartitionBuilder("small").MaxNodes(1).Build(),
      PartitionBuilder("mlonly").AllowAccounts({"ml"}).Build(),
      PartitionBuilder("noml").DenyAccounts({"ml"}).Build(),
      PartitionBuilder("staff").AllowGroups({"staff"}).Build(),
      PartitionBuilder("hiq").AllowQos({"high"}).Build(),
  };
  pending_ = {
      JobBuilder("d").Id(1).Partition("down").Build(),
      JobBuilder("i").Id(2).Partition("inactive").Build(),
      JobBuilder("long").Id(3).Partition("short").TimeLimit(7200).Build(),
      JobBuilder("wide").Id(4).Partition("small").Nodes(2).Build(),
      JobBuilder("outsider").Id(5).Partition("mlonly").Build(),
      JobBuilder("subacct").Id(6).Partition("mlonly").Account("vision").Build(),
      JobBuilder("denied").Id(7).Partition("noml").Account("vision").Build(),
      JobBuilder("nogroup").Id(8).Partition("staff").Build(),
      JobBuilder("grouped").Id(9).Partition("staff").Group("staff").Build(),
      JobBuilder("lowq").Id(10).Partition("hiq").Qos("normal").Build(),
      JobBuilder("fits").Id(11).Partition("short").TimeLimit(60).Build(),
  };
  Run();
  EXPECT_EQ(Reason("d"), "PartitionDown");
  EXPECT_EQ(Reason("i"), "PartitionInactive");
  EXPECT_EQ(Reason("long"), "PartitionTimeLimit");
  EXPECT_EQ(Reason("wide"), "PartitionNodeLimit");
  EXPECT_EQ(Reason("outsider"), "AccountNotAllowed");
  EXPECT_TRUE(Started("subacct"));  // AllowAccounts is hierarchical
  EXPECT_EQ(Reason("denied"), "AccountNotAllowed");
  EXPECT_EQ(Reason("nogroup"), "PartitionConfig");
  EXPECT_TRUE(Started("grouped"));
  EXPECT_EQ(Reason("lowq"), "QOSNotAllowed");
  EXPECT_TRUE(Started("fits"));
}

TEST_F(CycleFixture, DefaultTimeAndMaxTimeBecomeTheJobsLimit) {
  AddNodes(1);
  cluster_.partitions = {PartitionBuilder("gpu").Default().MaxTime(7200).DefaultTime(600).Build()};
  pending_ = {JobBuilder("a").Id(1).Build()};
  Run();
  ASSERT_TRUE(Started("a"));
  EXPECT_EQ(started_.at("a").time_limit, Seconds(600));
}

TEST_F(CycleFixture, HigherPriorityTierGoesFirstRegardlessOfPriority) {
  AddNodes(1);
  cluster_.partitions = {PartitionBuilder("low").Default().Tier(1).Build(),
                         PartitionBuilder("high").Tier(2).Build()};
  pending_ = {JobBuilder("old-low").Id(1).Submit(0).Gpus(8).Partition("low").Build(),
              JobBuilder("new-high").Id(2).Submit(900).Gpus(8).Partition("high").Build()};
  Run();
  EXPECT_TRUE(Started("new-high"));
  EXPECT_EQ(Reason("old-low"), "Resources");
}

TEST_F(CycleFixture, MultiPartitionJobStartsWhereItFits) {
  cluster_.nodes.push_back(NodeBuilder("a0").Label("pool", "a").Build());
  cluster_.nodes.push_back(NodeBuilder("b0").Label("pool", "b").Build());
  cluster_.partitions = {PartitionBuilder("pa").Selector("pool", "a").Build(),
                         PartitionBuilder("pb").Selector("pool", "b").Build()};
  cluster_.running.push_back(JobBuilder("r").Id(7).Gpus(8).Running(0, {"a0"}, "pa").Build());
  pending_ = {JobBuilder("either").Id(1).Gpus(8).Partition("pa").Partition("pb").Build()};
  Run();
  ASSERT_TRUE(Started("either"));
  EXPECT_EQ(started_.at("either").partition.str(), "pb");
}

TEST_F(CycleFixture, LimitsProduceSlurmReasons) {
  AddNodes(4);
  cluster_.accounts = {AccountBuilder("research").MaxJobsPerUser(1).Build(),
                       AccountBuilder("lab").GrpJobs(1).Build(),
                       AccountBuilder("gpuuser").MaxGpusPerUser(4).Build(),
                       AccountBuilder("wall").MaxWall(600).Build()};
  cluster_.qos = {
      QosBuilder("q-grp").GrpJobs(1).Build(), QosBuilder("q-user").MaxJobsPerUser(1).Build(),
      QosBuilder("q-gres").GrpGpus(2).Build(), QosBuilder("q-ugres").MaxGpusPerUser(2).Build(),
      QosBuilder("q-wall").MaxWall(60).Build()};
  pending_ = {
      JobBuilder("r1").Id(1).Submit(0).Build(),
      JobBuilder("r2").Id(2).Submit(1).Build(),
      JobBuilder("l1").Id(3).Submit(2).Account("lab").User("u1").Build(),
      JobBuilder("l2").Id(4).Submit(3).Account("lab").User("u2").Build(),
      JobBuilder("g1").Id(5).Submit(4).Account("gpuuser").Gpus(3).Build(),
      JobBuilder("g2").Id(6).Submit(5).Account("gpuuser").Gpus(2).Build(),
      JobBuilder("w1").Id(7).Submit(6).Account("wall").TimeLimit(1200).Build(),
      JobBuilder("q1").Id(8).Submit(7).Account("lab").User("x").Qos("q-grp").Build(),
      JobBuilder("qw").Id(9).Submit(8).User("y").Qos("q-wall").TimeLimit(120).Build(),
      JobBuilder("qg").Id(10).Submit(9).User("z").Qos("q-gres").Gpus(3).Build(),
      JobBuilder("qu").Id(11).Submit(10).User("v").Qos("q-ugres").Gpus(3).Build(),
  };
  Run();
  EXPECT_TRUE(Started("r1"));
  EXPECT_EQ(Reason("r2"), "AssocMaxJobsLimit");
  EXPECT_TRUE(Started("l1"));
  EXPECT_EQ(Reason("l2"), "AssocGrpJobsLimit");
  EXPECT_TRUE(Started("g1"));
  EXPECT_EQ(Reason("g2"), "AssocGrpGRES");
  EXPECT_EQ(Reason("w1"), "AssocMaxWallDurationPerJobLimit");
  EXPECT_EQ(Reason("q1"), "AssocGrpJobsLimit");
  EXPECT_EQ(Reason("qw"), "QOSMaxWallDurationPerJobLimit");
  EXPECT_EQ(Reason("qg"), "QOSGrpGRES");
  EXPECT_EQ(Reason("qu"), "QOSMaxGRESPerUser");
}

TEST_F(CycleFixture, QosJobLimitsCountRunningJobs) {
  AddNodes(2);
  cluster_.qos = {QosBuilder("normal").GrpJobs(1).Build(),
                  QosBuilder("peruser").MaxJobsPerUser(1).Build()};
  cluster_.running.push_back(JobBuilder("r").Id(7).Qos("normal").Running(0, {"n0"}, "gpu").Build());
  cluster_.running.push_back(
      JobBuilder("s").Id(8).Qos("peruser").Running(0, {"n0"}, "gpu").Build());
  pending_ = {JobBuilder("a").Id(1).Qos("normal").Build(),
              JobBuilder("b").Id(2).Qos("peruser").Build(),
              JobBuilder("c").Id(3).Qos("peruser").User("carol").Build()};
  Run();
  EXPECT_EQ(Reason("a"), "QOSGrpJobsLimit");
  EXPECT_EQ(Reason("b"), "QOSMaxJobsPerUserLimit");
  EXPECT_TRUE(Started("c"));
}

// A job that names no QoS runs under its account's defaultQos, else `normal`
// (slurm-semantics.md §11), whether pending or running: the QoS's limits count it, its partition
// access is checked against it and its MaxWall times it.
TEST_F(CycleFixture, JobsWithoutQosRunUnderTheAccountDefaultElseNormal) {
  AddNodes(2);
  cluster_.accounts = {AccountBuilder("research").Build(),
                       AccountBuilder("lab").DefaultQos("gold").Build()};
  cluster_.qos = {QosBuilder("normal").GrpJobs(1).Build(),
                  QosBuilder("gold").MaxJobsPerUser(1).MaxWall(600).Build()};
  cluster_.partitions = {PartitionBuilder("gpu").Default().AllowQos({"normal", "gold"}).Build()};
  cluster_.running = {JobBuilder("r").Id(7).Running(0, {"n0"}, "gpu").Build(),
                      JobBuilder("g").Id(8).Account("lab").Running(0, {"n0"}, "gpu").Build()};
  pending_ = {JobBuilder("a").Id(1).Build(), JobBuilder("b").Id(2).Account("lab").Build(),
              JobBuilder("c").Id(3).Account("lab").User("carol").Build()};
  Run(/*now=*/1000);
  EXPECT_EQ(Reason("a"), "QOSGrpJobsLimit");
  EXPECT_EQ(Reason("b"), "QOSMaxJobsPerUserLimit");
  ASSERT_TRUE(Started("c"));
  EXPECT_EQ(started_.at("c").time_limit, Seconds(600));  // gold's MaxWall
  EXPECT_EQ(started_.at("c").qos.str(), "gold");         // the account's default
  // g has run 1000 s under gold's 600 s MaxWall; r has no limit.
  ASSERT_EQ(result_.timed_out.size(), 1u);
  EXPECT_EQ(result_.timed_out[0].id.value, 8u);
}

TEST_F(CycleFixture, SubmitLimitsHoldBackLaterSubmissions) {
  AddNodes(4);
  cluster_.accounts = {AccountBuilder("research").MaxSubmitJobsPerUser(2).Build(),
                       AccountBuilder("team").GrpSubmitJobs(1).Build()};
  cluster_.qos = {QosBuilder("q").MaxSubmitJobsPerUser(1).Build()};
  pending_ = {JobBuilder("a").Id(1).Submit(0).Hold().Build(),
              JobBuilder("b").Id(2).Submit(1).Build(),
              JobBuilder("c").Id(3).Submit(2).Build(),
              JobBuilder("t1").Id(4).Submit(3).Account("team").User("u").Build(),
              JobBuilder("t2").Id(5).Submit(4).Account("team").User("w").Build(),
              JobBuilder("q1").Id(6).Submit(5).Account("team").User("k").Qos("q").Build()};
  Run();
  EXPECT_EQ(Reason("a"), "JobHeldUser");
  EXPECT_TRUE(Started("b"));
  EXPECT_EQ(Reason("c"), "AssocMaxSubmitJobLimit");
  EXPECT_TRUE(Started("t1"));
  EXPECT_EQ(Reason("t2"), "AssocGrpSubmitJobsLimit");
  EXPECT_EQ(Reason("q1"), "AssocGrpSubmitJobsLimit");
}

TEST_F(CycleFixture, FairShareOrdersJobsOfCompetingAccounts) {
  AddNodes(1);
  cluster_.accounts = {AccountBuilder("heavy").User("h").Build(),
                       AccountBuilder("light").User("l").Build()};
  config_.priority.weights = {};
  config_.priority.weights.fair_share = 10000;
  AccountTree tree = AccountTree::Build(cluster_.accounts);
  usage_.Charge(tree, AccountName("heavy"), UserName("h"), 1e6);
  pending_ = {JobBuilder("h-job").Id(1).Submit(0).Account("heavy").User("h").Gpus(8).Build(),
              JobBuilder("l-job").Id(2).Submit(500).Account("light").User("l").Gpus(8).Build()};
  Run();
  EXPECT_TRUE(Started("l-job"));
  EXPECT_EQ(Reason("h-job"), "Resources");
  EXPECT_EQ(started_.at("l-job").priority.priority, 10000u);
  // Fair Tree ranks Slurm's root user association too (N = 3): l ties with it at 3/3, h gets
  // 1/3 (it was 1/2 ranking real users only).
  EXPECT_EQ(result_.pending[0].priority.priority, 3333u);
}

// Issue #16: priorities are those of the last PriorityCalcPeriod pass (multiples of the period
// since the epoch), so two cycles within one period agree and a new job has no age yet.
TEST_F(CycleFixture, AgeIsThatOfTheLastPriorityPass) {
  config_.priority.weights = {};
  config_.priority.weights.age = 1000;
  config_.priority.max_age = Seconds(1000);
  config_.priority.calc_period = Seconds(300);
  pending_ = {JobBuilder("old").Id(1).Submit(100).Gpus(8).Build(),
              JobBuilder("new").Id(2).Submit(950).Gpus(8).Build()};
  std::map<std::string, uint32_t> at_1000, at_1190;
  Run(1000);
  for (const PendingDecision& d : result_.pending)
    at_1000[pending_[d.pending_index].name] = d.priority.priority;
  Run(1190);
  for (const PendingDecision& d : result_.pending)
    at_1190[pending_[d.pending_index].name] = d.priority.priority;
  EXPECT_EQ(at_1000["old"], 800u);  // pass at 900: 800 s waited of a 1000 s max age
  EXPECT_EQ(at_1000["new"], 1u);    // submitted after the pass: no age (clamped to 1)
  EXPECT_EQ(at_1190, at_1000);
  Run(1200);
  EXPECT_EQ(result_.pending[1].priority.priority, 250u);  // next pass: 1200 - 950
}

TEST_F(CycleFixture, SameInputGivesSameDecisions) {
  AddNodes(8, 4);
  for (int i = 0; i < 40; ++i) {
    pending_.push_back(JobBuilder("j" + std::to_string(i))
                           .Id(static_cast<uint64_t>(i + 1))
                           .Submit(i % 7)
                           .Gpus(1 + i % 4)
                           .Nodes(1 + i % 2)
                           .Build());
  }
  Run();
  std::vector<std::pair<uint64_t, std::vector<NodeName>>> first;
  for (const auto& s : result_.started) first.emplace_back(s.id.value, s.nodes);
  Run();
  std::vector<std::pair<uint64_t, std::vector<NodeName>>> second;
  for (const auto& s : result_.started) second.emplace_back(s.id.value, s.nodes);
  EXPECT_EQ(first, second);
  EXPECT_FALSE(first.empty());
}

TEST_F(CycleFixture, QueueDepthLimitsPairsTried) {
  AddNodes(8);
  config_.main_queue_depth = 3;
  for (int i = 0; i < 6; ++i) {
    pending_.push_back(
        JobBuilder("j" + std::to_string(i)).Id(static_cast<uint64_t>(i + 1)).Submit(i).Build());
  }
  Run();
  EXPECT_EQ(result_.started.size(), 3u);
  EXPECT_EQ(result_.stats.pairs_tried, 3);
  EXPECT_FALSE(result_.pending.back().evaluated);
}

}  // namespace
}  // namespace fairway::core

namespace fairway::core {
namespace {

using testing::AccountBuilder;
using testing::JobBuilder;
using testing::NodeBuilder;
using testing::PartitionBuilder;
using testing::T;

// Real Slurm 22.05 (tools/slurm-lab scenario f, part 2): partitions gpu and hi share the nodes;
// the blocked top job of hi holds them back, so the first job of gpu gets the long reason (and
// blocks gpu: the next gpu job gets Priority), even when a job of gpu would fit.
TEST(MainPassOverlapTest, BlockedPartitionWithholdsSharedNodes) {
  ClusterState cluster;
  cluster.nodes = {NodeBuilder("n0").Build(), NodeBuilder("n1").Build()};
  cluster.partitions = {PartitionBuilder("gpu").Default().JobFactor(1).Build(),
                        PartitionBuilder("hi").JobFactor(10).Build()};
  cluster.accounts = {AccountBuilder("research").Build()};
  cluster.running = {JobBuilder("r").Id(9).Gpus(6).Running(0, {"n0"}, "gpu").Build()};
  std::vector<Job> pending = {
      JobBuilder("low-hi").Id(1).Submit(10).Gpus(8).Nodes(2).Partition("hi").Build(),
      JobBuilder("top").Id(2).Submit(0).Gpus(2).Partition("gpu").Build(),
      JobBuilder("low-gpu").Id(3).Submit(20).Gpus(1).Partition("gpu").Build()};
  SchedulerConfig config;
  config.priority.weights.partition = 10000;
  config.priority.weights.age = 100;
  config.backfill.enabled = false;
  CycleInput in;
  in.now = T(1000);
  in.cluster = &cluster;
  in.pending = &pending;
  in.config = &config;
  CycleResult r = RunCycle(in);
  ASSERT_TRUE(r.started.empty());
  std::map<std::string, std::string> reasons;
  for (const PendingDecision& d : r.pending) {
    reasons[pending[d.pending_index].name] = std::string(PendingReasonName(d.reason));
  }
  EXPECT_EQ(reasons["low-hi"], "Resources");
  EXPECT_EQ(reasons["top"],
            "Nodes required for job are DOWN, DRAINED or reserved for jobs in higher priority "
            "partitions");
  EXPECT_EQ(reasons["low-gpu"], "Priority");
}

}  // namespace
}  // namespace fairway::core
