// Nodes a partition's node pools can still add (Node::provisionable placeholders): they make a
// job that needs them wait with Resources, never start a job or hold a backfill reservation,
// and AddedNodesNeeded says how many the job waits for.
#include "core/elastic_capacity.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "core/cycle.h"
#include "tests/testing/builders.h"

namespace fairway::core {
namespace {

using testing::AccountBuilder;
using testing::JobBuilder;
using testing::NodeBuilder;
using testing::PartitionBuilder;
using testing::T;

class ElasticCapacityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cluster_.partitions.push_back(
        PartitionBuilder("elastic").Default().Selector("pool", "p4d").Build());
    cluster_.accounts.push_back(AccountBuilder("research").Build());
    config_.priority.weights.age = 1000;
    config_.backfill.enabled = true;
  }

  void AddReal(const std::string& name) {
    cluster_.nodes.push_back(NodeBuilder(name).Gpus(8).Label("pool", "p4d").Build());
  }
  void AddPlaceholders(int count) {
    for (int i = 0; i < count; ++i) {
      Node n =
          NodeBuilder("~elastic/p4d/" + std::to_string(i)).Gpus(8).Label("pool", "p4d").Build();
      n.provisionable = true;
      cluster_.nodes.push_back(n);
    }
  }

  void Run() {
    CycleInput in;
    in.now = T(1000);
    in.cluster = &cluster_;
    in.pending = &pending_;
    in.config = &config_;
    in.usage = &usage_;
    result_ = RunCycle(in);
  }

  const PendingDecision* Pending(const std::string& name) const {
    for (const PendingDecision& d : result_.pending) {
      if (pending_[d.pending_index].name == name) return &d;
    }
    return nullptr;
  }
  const StartDecision* Started(const std::string& name) const {
    for (const StartDecision& s : result_.started) {
      if (pending_[s.pending_index].name == name) return &s;
    }
    return nullptr;
  }
  AddedNodeDemand Demand(const std::string& name) const {
    NodePool pool(cluster_.nodes, cluster_.partitions, cluster_.running);
    for (const Job& j : pending_) {
      if (j.name == name)
        return AddedNodesNeeded(pool, j, pool.FindPartition(PartitionName("elastic")));
    }
    return {};
  }

  ClusterState cluster_;
  std::vector<Job> pending_;
  SchedulerConfig config_;
  UsageLedger usage_;
  CycleResult result_;
};

TEST_F(ElasticCapacityTest, JobOnAnEmptyPoolWaitsWithResources) {
  AddPlaceholders(2);
  pending_.push_back(JobBuilder("train").Id(1).Nodes(2).Gpus(8).Build());
  Run();
  EXPECT_TRUE(result_.started.empty());
  ASSERT_NE(Pending("train"), nullptr);
  EXPECT_EQ(Pending("train")->reason, PendingReason::kResources);
  AddedNodeDemand d = Demand("train");
  EXPECT_EQ(d.pods, 2);
  ASSERT_GE(d.placeholder, 0);
}

TEST_F(ElasticCapacityTest, BeyondWhatThePoolMayAddIsNeverSatisfiable) {
  AddPlaceholders(2);
  // More nodes than the partition can ever have: Slurm's PartitionNodeLimit.
  pending_.push_back(JobBuilder("huge").Id(1).Nodes(3).Gpus(8).Build());
  // More GPUs per node than the pool's nodes have: BadConstraints.
  pending_.push_back(JobBuilder("wide").Id(2).Nodes(1).Gpus(16).Build());
  Run();
  ASSERT_NE(Pending("huge"), nullptr);
  EXPECT_EQ(PendingReasonName(Pending("huge")->reason), "PartitionNodeLimit");
  EXPECT_EQ(Demand("huge").pods, 0);
  ASSERT_NE(Pending("wide"), nullptr);
  EXPECT_EQ(PendingReasonName(Pending("wide")->reason), "BadConstraints");
  EXPECT_EQ(Demand("wide").pods, 0);
}

TEST_F(ElasticCapacityTest, FreeNodesCountAndOnlyTheRestIsAdded) {
  AddReal("a1");
  AddPlaceholders(2);
  pending_.push_back(JobBuilder("train").Id(1).Nodes(2).Gpus(8).Build());
  Run();
  ASSERT_NE(Pending("train"), nullptr);
  EXPECT_EQ(Pending("train")->reason, PendingReason::kResources);
  EXPECT_EQ(Demand("train").pods, 1);
}

TEST_F(ElasticCapacityTest, AJobThatFitsNowStartsOnRealNodesOnly) {
  AddReal("a1");
  AddPlaceholders(3);
  pending_.push_back(JobBuilder("small").Id(1).Gpus(8).Build());
  Run();
  const StartDecision* s = Started("small");
  ASSERT_NE(s, nullptr);
  ASSERT_EQ(s->nodes.size(), 1u);
  EXPECT_EQ(s->nodes[0].str(), "a1");
}

TEST_F(ElasticCapacityTest, NoReservationOnPlaceholdersSoSmallJobsBackfill) {
  AddReal("a1");
  AddPlaceholders(4);
  // The big job needs the pool to grow; the small one fits the existing node now and must not
  // wait behind a reservation on nodes that do not exist.
  pending_.push_back(JobBuilder("big").Id(1).Submit(0).Nodes(4).Gpus(8).TimeLimit(3600).Build());
  pending_.push_back(JobBuilder("small").Id(2).Submit(500).Gpus(8).TimeLimit(600).Build());
  Run();
  ASSERT_NE(Pending("big"), nullptr);
  EXPECT_EQ(Pending("big")->reason, PendingReason::kResources);
  EXPECT_FALSE(Pending("big")->expected_start.has_value());
  const StartDecision* s = Started("small");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->nodes[0].str(), "a1");
  for (const StartDecision& d : result_.started) {
    for (const NodeName& n : d.nodes) EXPECT_NE(n.str()[0], '~');
  }
}

TEST_F(ElasticCapacityTest, JobsWaitingOnBusyNodesNeedNoAddedNodes) {
  AddReal("a1");
  cluster_.running.push_back(
      JobBuilder("busy").Id(9).Gpus(8).TimeLimit(600).Running(900, {"a1"}, "elastic").Build());
  pending_.push_back(JobBuilder("next").Id(1).Gpus(8).Build());
  Run();
  ASSERT_NE(Pending("next"), nullptr);
  EXPECT_EQ(Pending("next")->reason, PendingReason::kResources);
  EXPECT_EQ(Demand("next").pods, 0);
}

}  // namespace
}  // namespace fairway::core
