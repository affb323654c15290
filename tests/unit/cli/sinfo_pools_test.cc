// sinfo lists the nodes a partition's node pools can still add as powered-down idle~ nodes.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "cli/sinfo.h"

namespace fairway::cli {
namespace {

using nlohmann::json;

api::PartitionObject ElasticPartition() {
  json j = {{"apiVersion", "fairway.dev/v1alpha1"},
            {"kind", "Partition"},
            {"metadata", {{"name", "elastic"}}},
            {"spec",
             {{"default", true},
              {"nodePools",
               {{{"name", "p4d"},
                 {"nodeSelector", {{"fairway.dev/pool", "p4d"}}},
                 {"maxNodes", 4},
                 {"gpusPerNode", 8}}}}}}};
  StatusOr<api::PartitionObject> p = api::PartitionFromJson(j);
  EXPECT_TRUE(p.ok()) << p.status().ToString();
  return *p;
}

NodeInfo PoolNode(const std::string& name) {
  NodeInfo n;
  n.name = name;
  n.labels = {{"fairway.dev/pool", "p4d"}};
  n.gpus_total = 8;
  return n;
}

TEST(SinfoPoolsTest, AddableNodesShowAsPoweredDownIdle) {
  std::vector<NodeInfo> nodes = {PoolNode("ip-10-0-0-1"), PoolNode("other")};
  nodes[1].labels = {{"fairway.dev/pool", "cpu"}};  // not in the pool, not a member
  SinfoOptions o;
  StatusOr<std::string> out = RenderSinfo({ElasticPartition()}, nodes, o);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(*out,
            "PARTITION AVAIL  TIMELIMIT  NODES  STATE NODELIST\n"
            "elastic*     up   infinite      1   idle ip-10-0-0-1\n"
            "elastic*     up   infinite      3  idle~ p4d-dy-[1-3]\n");
}

TEST(SinfoPoolsTest, StateFilterIdleIncludesPoweredDown) {
  SinfoOptions o;
  o.states = {"idle"};
  o.header = false;
  StatusOr<std::string> out = RenderSinfo({ElasticPartition()}, {}, o);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(*out, "elastic*    up   infinite      4  idle~ p4d-dy-[1-4]\n");
  o.states = {"alloc"};
  out = RenderSinfo({ElasticPartition()}, {}, o);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(*out, "");
}

}  // namespace
}  // namespace fairway::cli
