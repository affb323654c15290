#include "sandbox/patch.h"

#include <gtest/gtest.h>

namespace fairway::sandbox {
namespace {

using nlohmann::json;

TEST(PatchTest, ContentTypes) {
  EXPECT_EQ(*ParsePatchType("application/merge-patch+json"), PatchType::kMerge);
  EXPECT_EQ(*ParsePatchType("application/json-patch+json; charset=utf-8"), PatchType::kJson);
  EXPECT_EQ(*ParsePatchType("application/strategic-merge-patch+json"), PatchType::kStrategic);
  EXPECT_EQ(*ParsePatchType("application/apply-patch+yaml"), PatchType::kApply);
  auto bad = ParsePatchType("text/plain");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code(), 415);
}

TEST(PatchTest, MergePatchDeletesWithNullAndReplacesArrays) {
  json target = {{"metadata", {{"labels", {{"old", "1"}, {"keep", "2"}}}}}, {"list", {1, 2, 3}}};
  json patch = {{"metadata", {{"labels", {{"old", nullptr}, {"new", "x"}}}}}, {"list", {9}}};
  auto r = ApplyMergePatch(target, patch);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)["metadata"]["labels"], json({{"keep", "2"}, {"new", "x"}}));
  EXPECT_EQ((*r)["list"], json({9}));
}

TEST(PatchTest, JsonPatchOpsAndFailedTestIs422) {
  json target = {{"metadata", {{"finalizers", {"example.com/cleanup", "other"}},
                               {"labels", {{"example.com/gpu", "a"}}}}}};
  auto ok = ApplyJsonPatch(target, json::parse(R"([
    {"op":"test","path":"/metadata/finalizers/0","value":"example.com/cleanup"},
    {"op":"remove","path":"/metadata/finalizers/0"},
    {"op":"replace","path":"/metadata/labels/example.com~1gpu","value":"b"},
    {"op":"add","path":"/spec","value":{"gpus":2}},
    {"op":"copy","from":"/spec/gpus","path":"/spec/copy"},
    {"op":"move","from":"/spec/copy","path":"/spec/moved"}])"));
  ASSERT_TRUE(ok.ok()) << ok.error().message();
  EXPECT_EQ((*ok)["metadata"]["finalizers"], json({"other"}));
  EXPECT_EQ((*ok)["metadata"]["labels"]["example.com/gpu"], "b");
  EXPECT_EQ((*ok)["spec"], json({{"gpus", 2}, {"moved", 2}}));
  auto failed = ApplyJsonPatch(target, json::parse(R"([{"op":"test","path":"/metadata/finalizers/0","value":"nope"}])"));
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code(), 422);
  auto missing = ApplyJsonPatch(target, json::parse(R"([{"op":"remove","path":"/nope/x"}])"));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code(), 422);
  EXPECT_EQ(ApplyJsonPatch(target, json::object()).error().code(), 400);
}

TEST(PatchTest, StrategicMergesConditionsByType) {
  json pod = json::parse(R"({"status":{"conditions":[
      {"type":"PodScheduled","status":"True"},{"type":"Ready","status":"False"}]}})");
  auto r = ApplyStrategicMergePatch(pod, json::parse(R"({"status":{"conditions":[
      {"type":"Ready","status":"True","reason":"x"},{"type":"Initialized","status":"True"}]}})"));
  ASSERT_TRUE(r.ok());
  const json& c = (*r)["status"]["conditions"];
  ASSERT_EQ(c.size(), 3u);
  EXPECT_EQ(c[0]["type"], "PodScheduled");
  EXPECT_EQ(c[1], json({{"type", "Ready"}, {"status", "True"}, {"reason", "x"}}));
  EXPECT_EQ(c[2]["type"], "Initialized");
}

TEST(PatchTest, StrategicMergesContainersAndEnvByName) {
  json pod = json::parse(R"({"spec":{"containers":[
      {"name":"a","image":"1","env":[{"name":"X","value":"1"},{"name":"Y","value":"2"}]},
      {"name":"b","image":"1"}]}})");
  auto r = ApplyStrategicMergePatch(pod, json::parse(R"({"spec":{"containers":[
      {"name":"a","env":[{"name":"Y","value":"3"},{"name":"X","$patch":"delete"}]},
      {"name":"c","image":"2"}]}})"));
  ASSERT_TRUE(r.ok());
  const json& cs = (*r)["spec"]["containers"];
  ASSERT_EQ(cs.size(), 3u);
  EXPECT_EQ(cs[0]["image"], "1");
  EXPECT_EQ(cs[0]["env"], json::parse(R"([{"name":"Y","value":"3"}])"));
  EXPECT_EQ(cs[2]["name"], "c");
}

TEST(PatchTest, StrategicFinalizersAreASet) {
  json obj = {{"metadata", {{"finalizers", {"a"}}}}};
  auto added = ApplyStrategicMergePatch(obj, json::parse(R"({"metadata":{"finalizers":["b","a"]}})"));
  ASSERT_TRUE(added.ok());
  EXPECT_EQ((*added)["metadata"]["finalizers"], json({"a", "b"}));
  auto removed = ApplyStrategicMergePatch(
      *added, json::parse(R"({"metadata":{"$deleteFromPrimitiveList/finalizers":["a"]}})"));
  ASSERT_TRUE(removed.ok());
  EXPECT_EQ((*removed)["metadata"]["finalizers"], json({"b"}));
}

TEST(PatchTest, StrategicDirectives) {
  json obj = {{"spec", {{"a", 1}, {"b", 2}}}, {"spec2", {{"x", 1}}}};
  auto r = ApplyStrategicMergePatch(
      obj, json::parse(R"({"spec":{"$patch":"replace","c":3},"spec2":{"$patch":"delete"},"$setElementOrder/x":[]})"));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, json({{"spec", {{"c", 3}}}}));
}

}  // namespace
}  // namespace fairway::sandbox
