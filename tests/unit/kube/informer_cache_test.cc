#include "kube/informer.h"

#include <gtest/gtest.h>

namespace fairway::kube {
namespace {

ObjectPtr Pod(const std::string& ns, const std::string& name, const std::string& rv,
              const std::string& node = "") {
  json j = {{"metadata", {{"namespace", ns}, {"name", name}, {"resourceVersion", rv}}},
            {"spec", json::object()}};
  if (!node.empty()) j["spec"]["nodeName"] = node;
  return std::make_shared<const json>(std::move(j));
}

TEST(ObjectCacheTest, NeverRegressesResourceVersion) {
  ObjectCache c;
  bool applied = false;
  EXPECT_EQ(c.Upsert(Pod("a", "p", "10"), &applied), nullptr);
  EXPECT_TRUE(applied);
  c.Upsert(Pod("a", "p", "9"), &applied);
  EXPECT_FALSE(applied);
  c.Upsert(Pod("a", "p", "10"), &applied);
  EXPECT_FALSE(applied);
  EXPECT_EQ((*c.Get("a", "p"))["metadata"]["resourceVersion"], "10");
  EXPECT_NE(c.Upsert(Pod("a", "p", "100"), &applied), nullptr);
  EXPECT_TRUE(applied);
  EXPECT_TRUE(ResourceVersionNewer("100", "99"));
  EXPECT_FALSE(ResourceVersionNewer("99", "100"));
}

TEST(ObjectCacheTest, IndexesFollowUpdatesAndDeletes) {
  ObjectCache c;
  c.AddIndex("node", [](const json& o) -> std::vector<std::string> {
    std::string n = o["spec"].value("nodeName", "");
    if (n.empty()) return {};
    return {n};
  });
  c.Upsert(Pod("a", "p1", "1", "n1"), nullptr);
  c.Upsert(Pod("b", "p2", "2", "n1"), nullptr);
  c.Upsert(Pod("a", "p3", "3"), nullptr);
  EXPECT_EQ(c.ByIndex("node", "n1").size(), 2u);
  EXPECT_EQ(c.ListNamespace("a").size(), 2u);
  c.Upsert(Pod("a", "p1", "4", "n2"), nullptr);
  EXPECT_EQ(c.ByIndex("node", "n1").size(), 1u);
  EXPECT_EQ(c.ByIndex("node", "n2").size(), 1u);
  c.Remove("b/p2");
  EXPECT_TRUE(c.ByIndex("node", "n1").empty());
  auto dropped = c.Replace({Pod("a", "p3", "5")});
  EXPECT_EQ(dropped.size(), 1u);
  EXPECT_EQ(c.Size(), 1u);
  EXPECT_TRUE(c.ByIndex("node", "n2").empty());
  EXPECT_TRUE(c.ByIndex("unknown", "x").empty());
  EXPECT_EQ(SplitObjectKey("a/b"), std::make_pair(std::string("a"), std::string("b")));
  EXPECT_EQ(SplitObjectKey("node1"), std::make_pair(std::string(), std::string("node1")));
}

}  // namespace
}  // namespace fairway::kube
