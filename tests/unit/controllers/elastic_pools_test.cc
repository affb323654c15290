// Elastic partitions in the driver: placeholders for addable pool nodes, nodes an autoscaler is
// removing, and the "waiting for nodes to be added" status message.
#include "controllers/elastic_pools.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "controllers/kube_objects.h"
#include "core/cycle.h"
#include "tests/testing/builders.h"

namespace fairway::controllers {
namespace {

using nlohmann::json;
using testing::AccountBuilder;
using testing::JobBuilder;

api::PartitionObject Partition(const std::string& name, int64_t max_nodes) {
  json j = {{"apiVersion", "fairway.dev/v1alpha1"},
            {"kind", "Partition"},
            {"metadata", {{"name", name}}},
            {"spec",
             {{"default", true},
              {"nodePools",
               {{{"name", "p4d"},
                 {"nodeSelector", {{"fairway.dev/pool", "p4d"}, {"fairway.dev/gpu-type", "A100"}}},
                 {"maxNodes", max_nodes},
                 {"gpusPerNode", 8},
                 {"cpusPerNode", 96},
                 {"memoryPerNode", "1Ti"}}}}}}};
  StatusOr<api::PartitionObject> p = api::PartitionFromJson(j);
  EXPECT_TRUE(p.ok()) << p.status().ToString();
  return *p;
}

core::Node PoolNode(const std::string& name) {
  core::Node n;
  n.name = core::NodeName(name);
  n.labels = {{"fairway.dev/pool", "p4d"}, {"fairway.dev/gpu-type", "A100"}};
  n.allocatable = {96000, int64_t{1} << 40, 8};
  n.gpu_type = "a100";
  return n;
}

TEST(ElasticPoolsTest, PlaceholdersFillThePoolUpToMaxNodes) {
  std::vector<core::Node> nodes = {PoolNode("ip-1")};
  std::vector<core::Node> added = AddableNodes({Partition("elastic", 3)}, nodes);
  ASSERT_EQ(added.size(), 2u);
  const core::Node& n = added[0];
  EXPECT_EQ(n.name.str(), "~elastic/p4d/0");
  EXPECT_TRUE(n.provisionable);
  EXPECT_EQ(n.allocatable.gpus, 8);
  EXPECT_EQ(n.allocatable.cpu_millis, 96000);
  EXPECT_EQ(n.allocatable.memory_bytes, int64_t{1} << 40);
  EXPECT_EQ(n.gpu_type, "a100");
  EXPECT_EQ(PoolOfPlaceholder(n.name), "pool p4d of partition elastic");
  EXPECT_EQ(PoolOfPlaceholder(core::NodeName("ip-1")), "");
  // A full pool adds nothing; a selector shared by two partitions is counted once.
  EXPECT_TRUE(AddableNodes({Partition("elastic", 1)}, nodes).empty());
  EXPECT_EQ(AddableNodes({Partition("b", 3), Partition("a", 3)}, nodes).size(), 2u);
  EXPECT_EQ(AddableNodes({Partition("b", 3), Partition("a", 3)}, nodes)[0].name.str(), "~a/p4d/0");
}

TEST(ElasticPoolsTest, NodesAnAutoscalerRemovesAreCordoned) {
  for (const char* key :
       {"ToBeDeletedByClusterAutoscaler", "karpenter.sh/disrupted", "karpenter.sh/disruption"}) {
    SCOPED_TRACE(key);
    json node = {{"metadata", {{"name", "ip-1"}}},
                 {"spec", {{"taints", {{{"key", key}, {"effect", "NoSchedule"}}}}}},
                 {"status", {{"conditions", {{{"type", "Ready"}, {"status", "True"}}}}}}};
    core::Node n = NodeFromJson(node);
    EXPECT_TRUE(BeingRemoved(n));
    EXPECT_TRUE(n.unschedulable);
  }
  json plain = {{"metadata", {{"name", "ip-2"}}},
                {"spec", {{"taints", {{{"key", "nvidia.com/gpu"}, {"effect", "NoSchedule"}}}}}}};
  EXPECT_FALSE(NodeFromJson(plain).unschedulable);
}

TEST(ElasticPoolsTest, PendingJobsThatNeedAddedNodesSaySo) {
  core::ClusterState cluster;
  api::PartitionObject part = Partition("elastic", 2);
  StatusOr<core::Partition> cp = api::ToCorePartition(part);
  ASSERT_TRUE(cp.ok());
  cluster.partitions.push_back(*cp);
  cluster.accounts.push_back(AccountBuilder("research").Build());
  cluster.nodes = AddableNodes({part}, {});
  std::vector<core::Job> pending = {JobBuilder("train").Id(1).Nodes(2).Gpus(8).Build()};
  core::SchedulerConfig config;
  core::UsageLedger usage;
  core::CycleInput in;
  in.now = testing::T(1000);
  in.cluster = &cluster;
  in.pending = &pending;
  in.config = &config;
  in.usage = &usage;
  core::CycleResult result = core::RunCycle(in);
  ASSERT_EQ(result.pending.size(), 1u);
  EXPECT_EQ(result.pending[0].reason, core::PendingReason::kResources);

  AwaitingNodes awaiting(cluster, pending, result);
  EXPECT_EQ(awaiting.size(), 1u);
  api::JobStatus st;
  awaiting.Apply(result.pending[0], &st);
  EXPECT_EQ(st.message, "waiting for nodes to be added: 2 to pool p4d of partition elastic");
  // The same demand, for the signal pods.
  ASSERT_EQ(awaiting.demands().count(0), 1u);
  EXPECT_EQ(awaiting.demands().at(0).pods, 2);
  EXPECT_EQ(awaiting.demands().at(0).partition, "elastic");
  EXPECT_EQ(awaiting.demands().at(0).pool, "p4d");

  // Once the nodes exist (and the job is, say, blocked by something else) the message goes;
  // a message of another kind stays.
  AwaitingNodes none(core::ClusterState{}, pending, result);
  none.Apply(result.pending[0], &st);
  EXPECT_EQ(st.message, "");
  EXPECT_TRUE(none.demands().empty());
  st.message = "invalid spec";
  none.Apply(result.pending[0], &st);
  EXPECT_EQ(st.message, "invalid spec");
}

// A job queued behind one that waits for nodes (reason Priority) has a demand for the signal
// pods but no message: it waits for the job ahead first.
TEST(ElasticPoolsTest, JobsQueuedBehindAWaitingJobHaveADemandButNoMessage) {
  core::ClusterState cluster;
  api::PartitionObject part = Partition("elastic", 2);
  StatusOr<core::Partition> cp = api::ToCorePartition(part);
  ASSERT_TRUE(cp.ok());
  cluster.partitions.push_back(*cp);
  cluster.accounts.push_back(AccountBuilder("research").Build());
  cluster.nodes = AddableNodes({part}, {});
  std::vector<core::Job> pending = {JobBuilder("first").Id(1).Nodes(2).Gpus(8).Build(),
                                    JobBuilder("second").Id(2).Nodes(1).Gpus(8).Build()};
  core::SchedulerConfig config;
  core::UsageLedger usage;
  core::CycleInput in;
  in.now = testing::T(1000);
  in.cluster = &cluster;
  in.pending = &pending;
  in.config = &config;
  in.usage = &usage;
  core::CycleResult result = core::RunCycle(in);
  ASSERT_EQ(result.pending.size(), 2u);
  const core::PendingDecision& behind = result.pending[0].reason == core::PendingReason::kPriority
                                            ? result.pending[0]
                                            : result.pending[1];
  ASSERT_EQ(behind.reason, core::PendingReason::kPriority);

  AwaitingNodes awaiting(cluster, pending, result);
  EXPECT_EQ(awaiting.size(), 1u);  // messages: the Resources job only
  ASSERT_EQ(awaiting.demands().size(), 2u);
  EXPECT_EQ(awaiting.demands().at(behind.pending_index).pods,
            pending[behind.pending_index].node_count);
  api::JobStatus st;
  awaiting.Apply(behind, &st);
  EXPECT_EQ(st.message, "");
}

}  // namespace
}  // namespace fairway::controllers
