#include <gtest/gtest.h>

#include "common/clock.h"
#include "sandbox/jsonpath.h"
#include "sandbox/table.h"

namespace fairway::sandbox {
namespace {

using nlohmann::json;

std::vector<json> Eval(const std::string& expr, const json& doc) {
  JsonPath p;
  EXPECT_TRUE(p.Parse(expr)) << expr;
  return p.Evaluate(doc);
}

const json kObj = json::parse(R"({"metadata":{"name":"a","labels":{"app.kubernetes.io/name":"x"}},
  "spec":{"gpus":4,"list":[{"n":1},{"n":2}]},
  "status":{"conditions":[{"type":"Scheduled","status":"True"},{"type":"Ready","status":"False"}]}})");

TEST(JsonPathTest, Subset) {
  EXPECT_EQ(Eval(".spec.gpus", kObj), std::vector<json>{4});
  EXPECT_EQ(Eval("{.spec.gpus}", kObj), std::vector<json>{4});
  EXPECT_EQ(Eval(".spec.list[1].n", kObj), std::vector<json>{2});
  EXPECT_EQ(Eval(".spec.list[-1].n", kObj), std::vector<json>{2});
  EXPECT_EQ(Eval(".spec.list[*].n", kObj), (std::vector<json>{1, 2}));
  EXPECT_EQ(Eval(".status.conditions[?(@.type==\"Ready\")].status", kObj), std::vector<json>{"False"});
  EXPECT_EQ(Eval(".status.conditions[?(@.type!=\"Ready\")].type", kObj), std::vector<json>{"Scheduled"});
  EXPECT_EQ(Eval(".metadata.labels.app\\.kubernetes\\.io/name", kObj), std::vector<json>{"x"});
  EXPECT_EQ(Eval(".metadata.labels['app.kubernetes.io/name']", kObj), std::vector<json>{"x"});
  EXPECT_TRUE(Eval(".status.missing.deeper", kObj).empty());
  JsonPath bad;
  EXPECT_FALSE(bad.Parse(".a[?(@.x)]"));
}

TEST(TableTest, CustomResourceColumns) {
  ResourceInfo info;
  info.group = "example.com";
  info.version = "v1";
  info.plural = "gpujobs";
  info.kind = "GpuJob";
  info.custom = true;
  info.columns = {{"GPUs", "integer", "", "", ".spec.gpus", 0},
                  {"Ready", "string", "", "", ".status.conditions[?(@.type==\"Ready\")].status", 0},
                  {"Node", "string", "", "", ".status.nodeName", 1},
                  {"Age", "date", "", "", ".metadata.creationTimestamp", 0}};
  json obj = kObj;
  obj["metadata"]["creationTimestamp"] = "2025-03-01T08:00:00Z";
  WallTime now = std::chrono::system_clock::from_time_t(1740816000 + 300);  // +5m
  json t = RenderTable(info, {obj}, {{"resourceVersion", "7"}}, IncludeObject::kMetadata, now);
  EXPECT_EQ(t["kind"], "Table");
  EXPECT_EQ(t["apiVersion"], "meta.k8s.io/v1");
  ASSERT_EQ(t["columnDefinitions"].size(), 5u);
  EXPECT_EQ(t["columnDefinitions"][0]["name"], "Name");
  EXPECT_EQ(t["columnDefinitions"][3]["priority"], 1);
  EXPECT_EQ(t["rows"][0]["cells"], json::parse(R"(["a",4,"False",null,"5m"])"));
  EXPECT_EQ(t["rows"][0]["object"]["kind"], "PartialObjectMetadata");
  EXPECT_EQ(t["metadata"]["resourceVersion"], "7");
}

TEST(TableTest, AgeOnlyWhenNoColumnsDeclared) {
  ResourceInfo info;
  info.custom = true;
  info.kind = "Thing";
  json t = RenderTable(info, {kObj}, json::object(), IncludeObject::kNone, WallTime{});
  ASSERT_EQ(t["columnDefinitions"].size(), 2u);
  EXPECT_EQ(t["columnDefinitions"][1]["name"], "Age");
  EXPECT_FALSE(t["rows"][0].contains("object"));
}

TEST(TableTest, BuiltinNodeAndPodColumns) {
  ResourceInfo nodes;
  nodes.plural = "nodes";
  nodes.kind = "Node";
  json node = json::parse(R"({"metadata":{"name":"n1","labels":{"node-role.kubernetes.io/gpu":""}},
     "spec":{"unschedulable":true},"status":{"conditions":[{"type":"Ready","status":"True"}],
     "nodeInfo":{"kubeletVersion":"v1.32.0"}}})");
  json t = RenderTable(nodes, {node}, json::object(), IncludeObject::kMetadata, WallTime{});
  std::vector<std::string> names;
  for (const auto& c : t["columnDefinitions"]) names.push_back(c["name"]);
  EXPECT_EQ(names, (std::vector<std::string>{"Name", "Status", "Roles", "Age", "Version"}));
  EXPECT_EQ(t["rows"][0]["cells"][1], "Ready,SchedulingDisabled");
  EXPECT_EQ(t["rows"][0]["cells"][2], "gpu");

  ResourceInfo pods;
  pods.plural = "pods";
  pods.kind = "Pod";
  json pod = json::parse(R"({"metadata":{"name":"p"},"spec":{"containers":[{"name":"a"},{"name":"b"}]},
     "status":{"phase":"Running","containerStatuses":[{"ready":true,"restartCount":2},{"ready":false,"restartCount":1}]}})");
  json pt = RenderTable(pods, {pod}, json::object(), IncludeObject::kMetadata, WallTime{});
  names.clear();
  for (const auto& c : pt["columnDefinitions"]) names.push_back(c["name"]);
  EXPECT_EQ(names, (std::vector<std::string>{"Name", "Ready", "Status", "Restarts", "Age", "IP", "Node"}));
  EXPECT_EQ(pt["rows"][0]["cells"][1], "1/2");
  EXPECT_EQ(pt["rows"][0]["cells"][2], "Running");
  EXPECT_EQ(pt["rows"][0]["cells"][3], 3);
}

}  // namespace
}  // namespace fairway::sandbox
