#include "api/node_pool.h"

#include <gtest/gtest.h>

#include <string>

#include "api/partition_types.h"
#include "core/partition_rules.h"
#include "tests/unit/api/parser_test_util.h"

namespace fairway::api {
namespace {

using nlohmann::json;
using testing::StatusIs;

json Pools() {
  return json::parse(R"([
    {"name": "p4d", "nodeSelector": {"node.kubernetes.io/instance-type": "p4d.24xlarge"},
     "tolerations": [{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}],
     "minNodes": 1, "maxNodes": 4, "gpusPerNode": 8, "cpusPerNode": 96,
     "memoryPerNode": "1152Gi"},
    {"name": "g5", "nodeSelector": {"node.kubernetes.io/instance-type": "g5.xlarge"},
     "maxNodes": 10, "gpusPerNode": 1}
  ])");
}

TEST(NodePoolTest, ReadsEveryField) {
  StatusOr<std::vector<NodePool>> pools = NodePoolsFromJson(Pools(), "spec.nodePools");
  ASSERT_TRUE(pools.ok()) << pools.status().ToString();
  ASSERT_EQ(pools->size(), 2u);
  const NodePool& p = (*pools)[0];
  EXPECT_EQ(p.name, "p4d");
  EXPECT_EQ(p.node_selector.at("node.kubernetes.io/instance-type"), "p4d.24xlarge");
  ASSERT_EQ(p.tolerations.size(), 1u);
  EXPECT_EQ(p.tolerations[0].op, core::Toleration::Operator::kExists);
  EXPECT_EQ(p.tolerations[0].effect, core::TaintEffect::kNoSchedule);
  EXPECT_EQ(p.min_nodes, 1);
  EXPECT_EQ(p.max_nodes, 4);
  EXPECT_EQ(p.gpus_per_node, 8);
  EXPECT_EQ(p.cpus_per_node, 96);
  EXPECT_EQ(p.memory_per_node_bytes, int64_t{1152} << 30);
  const NodePool& g = (*pools)[1];
  EXPECT_EQ(g.min_nodes, 0);
  EXPECT_FALSE(g.cpus_per_node.has_value());
  EXPECT_FALSE(g.memory_per_node_bytes.has_value());
}

TEST(NodePoolTest, RoundTripsThroughJson) {
  StatusOr<std::vector<NodePool>> pools = NodePoolsFromJson(Pools(), "spec.nodePools");
  ASSERT_TRUE(pools.ok());
  json again = json::array();
  for (const NodePool& p : *pools) again.push_back(ToJson(p));
  StatusOr<std::vector<NodePool>> back = NodePoolsFromJson(again, "spec.nodePools");
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, *pools);
  EXPECT_EQ(again[0]["memoryPerNode"], "1152Gi");
}

struct BadCase {
  std::string name;
  json patch;  // fields set on (null: removed from) the first pool
  std::string field;
  std::string message;
};

TEST(NodePoolTest, RejectsBadPoolsWithTheField) {
  const std::vector<BadCase> cases = {
      {"bad name", {{"name", "P4D"}}, "spec.nodePools[0].name", "DNS-1123 label"},
      {"no selector",
       {{"nodeSelector", json::object()}},
       "spec.nodePools[0].nodeSelector",
       "at least one node label"},
      {"no max", {{"maxNodes", nullptr}}, "spec.nodePools[0].maxNodes", "is required"},
      {"min > max", {{"minNodes", 5}}, "spec.nodePools[0].minNodes", "must not exceed maxNodes"},
      {"negative gpus", {{"gpusPerNode", -1}}, "spec.nodePools[0].gpusPerNode", ""},
      {"zero cpus", {{"cpusPerNode", 0}}, "spec.nodePools[0].cpusPerNode", ""},
      {"bad memory",
       {{"memoryPerNode", "lots"}},
       "spec.nodePools[0].memoryPerNode",
       "memory quantity"},
      {"bad toleration",
       {{"tolerations", json::array({{{"key", "k"}, {"operator", "Maybe"}}})}},
       "spec.nodePools[0].tolerations[0].operator",
       "Equal or Exists"},
      {"duplicate name", {{"name", "g5"}}, "spec.nodePools[1].name", "duplicate pool name"},
      {"same selector",
       {{"nodeSelector", {{"node.kubernetes.io/instance-type", "g5.xlarge"}}}},
       "spec.nodePools[1].nodeSelector",
       "repeats the nodeSelector"},
  };
  for (const BadCase& c : cases) {
    SCOPED_TRACE(c.name);
    json pools = Pools();
    for (const auto& [key, value] : c.patch.items()) {
      if (value.is_null()) {
        pools[0].erase(key);
      } else {
        pools[0][key] = value;  // replaces, so an empty nodeSelector stays empty
      }
    }
    StatusOr<std::vector<NodePool>> got = NodePoolsFromJson(pools, "spec.nodePools");
    ASSERT_FALSE(got.ok());
    EXPECT_TRUE(StatusIs(got.status(), StatusCode::kInvalidArgument, c.message));
    EXPECT_EQ(got.status().field(), c.field) << got.status().ToString();
  }
  EXPECT_FALSE(NodePoolsFromJson(json::object(), "spec.nodePools").ok());
}

TEST(NodePoolTest, PoolNodesAreTheOnlyMembersOfAPoolPartition) {
  json j = {{"apiVersion", "fairway.dev/v1alpha1"},
            {"kind", "Partition"},
            {"metadata", {{"name", "elastic"}}},
            {"spec", {{"nodePools", Pools()}}}};
  StatusOr<PartitionObject> obj = PartitionFromJson(j);
  ASSERT_TRUE(obj.ok()) << obj.status().ToString();
  EXPECT_EQ(obj->spec.node_pools.size(), 2u);
  EXPECT_EQ(ToJson(obj->spec)["nodePools"][1]["name"], "g5");
  StatusOr<core::Partition> part = ToCorePartition(*obj);
  ASSERT_TRUE(part.ok());
  core::Node pool_node;
  pool_node.labels = {{"node.kubernetes.io/instance-type", "g5.xlarge"}};
  core::Node other;
  other.labels = {{"node.kubernetes.io/instance-type", "m5.large"}};
  EXPECT_TRUE(core::NodeInPartition(pool_node, *part));
  EXPECT_FALSE(core::NodeInPartition(other, *part));
  EXPECT_TRUE(InPool((*obj).spec.node_pools[1], pool_node.labels));
}

}  // namespace
}  // namespace fairway::api
