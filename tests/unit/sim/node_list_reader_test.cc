#include "sim/node_list_reader.h"

#include <gtest/gtest.h>

#include <string>

#include "tests/unit/sim/sim_test_util.h"

namespace fairway::sim {
namespace {

using testing::StatusIs;
using testing::TestdataPath;
using testing::TracePath;

TEST(NodeListReaderTest, ParsesFixture) {
  StatusOr<NodeList> list = ReadNodeListCsv(TestdataPath("nodes_small.csv"));
  ASSERT_TRUE(list.ok()) << list.status();
  ASSERT_EQ(list->nodes.size(), 3u);
  const NodeRecord& first = list->nodes[0];
  EXPECT_EQ(first.name, "openb-node-0000");
  EXPECT_EQ(first.cpu_milli, 64000);
  EXPECT_EQ(first.memory_mib, 262144);
  EXPECT_EQ(first.gpus, 2);
  EXPECT_EQ(first.gpu_model, "P100");
  EXPECT_EQ(first.line_number, 2);
  EXPECT_EQ(list->nodes[2].gpus, 0);
  EXPECT_EQ(list->nodes[2].gpu_model, "");
}

TEST(NodeListReaderTest, BadNumberNamesTheLine) {
  StatusOr<NodeList> list = ReadNodeListCsv(TestdataPath("nodes_bad_gpu.csv"));
  EXPECT_TRUE(StatusIs(list.status(), StatusCode::kInvalidArgument,
                       "nodes_bad_gpu.csv:3: gpu is not a non-negative integer: 'two'"));
}

TEST(NodeListReaderTest, RejectsBadRows) {
  const std::string header = "sn,cpu_milli,memory_mib,gpu,model\n";
  struct Case {
    std::string text;
    std::string error;
  };
  const Case cases[] = {
      {header + "n0,64000,262144,2\n", "t:2: expected 5 fields, got 4"},
      {header + "n0,64000,262144,2,P100\nn0,1,1,1,P100\n", "t:3: duplicate node name 'n0'"},
      {header + ",64000,262144,2,P100\n", "t:2: sn (node name) is empty"},
      {header + "n0,-1,262144,2,P100\n", "t:2: cpu_milli is not"},
      {header + "n0,64000,1e400,2,P100\n", "t:2: memory_mib is not"},
      {"sn,cpu,memory_mib,gpu,model\n", "t:1: header lacks column 'cpu_milli'"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text);
    EXPECT_TRUE(StatusIs(ParseNodeListCsvText(c.text, "t").status(), StatusCode::kInvalidArgument,
                         c.error));
  }
}

TEST(NodeListReaderTest, MissingFileIsNotFound) {
  EXPECT_TRUE(StatusIs(ReadNodeListCsv(TestdataPath("nope.csv")).status(), StatusCode::kNotFound));
}

TEST(NodeListReaderTest, ReadsTheAlibabaInventory) {
  FAIRWAY_REQUIRE_TRACE("openb_node_list_gpu_node.csv");
  StatusOr<NodeList> list = ReadNodeListCsv(TracePath("openb_node_list_gpu_node.csv"));
  ASSERT_TRUE(list.ok()) << list.status();
  EXPECT_EQ(list->nodes.size(), 1213u);
  int64_t gpus = 0;
  for (const NodeRecord& node : list->nodes) {
    gpus += node.gpus;
  }
  EXPECT_EQ(gpus, 6212);
}

}  // namespace
}  // namespace fairway::sim
