// FieldsV1 trees: the set operations managedFields are kept with.
#include "sandbox/internal/fields_v1.h"

#include <gtest/gtest.h>

namespace fairway::sandbox::internal {
namespace {

using nlohmann::json;

FieldsDiff Diff(const json& old, const json& next) {
  FieldsDiff diff;
  DiffMember(old.is_null() ? nullptr : &old, &next, "f:spec", &diff);
  return diff;
}

TEST(FieldsV1Test, FieldsOfMarksKeyedItemsAndTreatsOtherListsAsAtomic) {
  json v = {{"spec",
             {{"containers", {{{"name", "c"}, {"image", "i"}}}},
              {"args", {"a", "b"}},
              {"empty", json::object()}}}};
  EXPECT_EQ(FieldsOf(v), json::parse(R"({"f:spec":{"f:args":{},"f:empty":{},
      "f:containers":{"k:{\"name\":\"c\"}":{".":{},"f:image":{},"f:name":{}}}}})"));
}

TEST(FieldsV1Test, DiffWalksOnlyWhatChangedAndReportsRemovals) {
  json old = {{"a", 1}, {"b", {{"c", 1}, {"d", 2}}}, {"gone", 1}};
  json next = {{"a", 1}, {"b", {{"c", 5}, {"d", 2}}}, {"new", 1}};
  FieldsDiff d = Diff(old, next);
  EXPECT_EQ(d.changed, json::parse(R"({"f:spec":{"f:b":{"f:c":{}},"f:new":{}}})"));
  EXPECT_EQ(d.removed, json::parse(R"({"f:spec":{"f:gone":{}}})"));
  EXPECT_TRUE(Diff(old, old).changed.empty());
}

TEST(FieldsV1Test, DiffOfAShapeChangeRemovesTheOldFields) {
  FieldsDiff d = Diff(json{{"x", 1}}, json{{"x", {{"y", 1}}}});
  EXPECT_EQ(d.removed, json::parse(R"({"f:spec":{"f:x":{}}})"));
  EXPECT_EQ(d.changed, json::parse(R"({"f:spec":{"f:x":{"f:y":{}}}})"));
}

TEST(FieldsV1Test, DiffOfKeyedListsMatchesItemsByName) {
  json old = {{"c", {{{"name", "a"}, {"image", "1"}}, {{"name", "b"}, {"image", "1"}}}}};
  json next = {{"c", {{{"name", "a"}, {"image", "2"}}, {{"name", "n"}, {"image", "1"}}}}};
  FieldsDiff d = Diff(old, next);
  EXPECT_EQ(d.changed, json::parse(R"({"f:spec":{"f:c":{"k:{\"name\":\"a\"}":{"f:image":{}},
      "k:{\"name\":\"n\"}":{".":{},"f:image":{},"f:name":{}}}}})"));
  EXPECT_EQ(d.removed, json::parse(R"({"f:spec":{"f:c":{
      "k:{\"name\":\"b\"}":{".":{},"f:image":{},"f:name":{}}}}})"));
}

TEST(FieldsV1Test, UnionAndSubtractKeepTheTreeCanonical) {
  json a = json::parse(R"({"f:spec":{"f:a":{},"f:b":{}},"f:x":{"k:{\"name\":\"c\"}":{}}})");
  Subtract(&a, json::parse(R"({"f:spec":{"f:a":{},"f:b":{}}})"));
  EXPECT_EQ(a, json::parse(R"({"f:x":{"k:{\"name\":\"c\"}":{}}})"));  // no empty f:spec left
  Union(&a, json::parse(R"({"f:x":{"k:{\"name\":\"c\"}":{"f:image":{}}}})"));
  EXPECT_EQ(a, json::parse(R"({"f:x":{"k:{\"name\":\"c\"}":{".":{},"f:image":{}}}})"));
  Subtract(&a, json::parse(R"({"f:x":{"k:{\"name\":\"c\"}":{"f:image":{}}}})"));
  EXPECT_EQ(a, json::parse(R"({"f:x":{"k:{\"name\":\"c\"}":{}}})"));
  Subtract(&a, json::parse(R"({"f:x":{"k:{\"name\":\"c\"}":{}}})"));
  EXPECT_TRUE(a.empty());
}

TEST(FieldsV1Test, KeepPresentDropsFieldsTheObjectLacks) {
  json tree = json::parse(R"({"f:spec":{"f:a":{},"f:gone":{},"f:obj":{},
      "f:c":{"k:{\"name\":\"x\"}":{".":{},"f:image":{}},"k:{\"name\":\"y\"}":{}}}})");
  json value = {{"spec", {{"a", 1}, {"obj", {{"now", "an object"}}}, {"c", {{{"name", "x"}}}}}}};
  KeepPresent(&tree, value);
  EXPECT_EQ(tree, json::parse(R"({"f:spec":{"f:a":{},"f:c":{"k:{\"name\":\"x\"}":{}}}})"));
}

TEST(FieldsV1Test, NormalizeCanonicalizesClientTrees) {
  json sent = json::parse(R"({".":{},"f:a":5,"f:b":{".":{}},"f:c":{"f:d":{},"f:e":[]}})");
  EXPECT_EQ(Normalize(sent), json::parse(R"({"f:b":{},"f:c":{"f:d":{}}})"));
}

TEST(FieldsV1Test, PathsAndHas) {
  json tree = json::parse(R"({"f:s":{"f:a":{},"k:{\"name\":\"c\"}":{".":{},"f:i":{}}}})");
  std::vector<FieldPath> paths = Paths(tree);
  ASSERT_EQ(paths.size(), 3u);
  EXPECT_TRUE(Has(tree, {"f:s", "k:{\"name\":\"c\"}"}));
  EXPECT_TRUE(Has(tree, {"f:s", "k:{\"name\":\"c\"}", "f:i"}));
  EXPECT_FALSE(Has(tree, {"f:s"}));
  EXPECT_FALSE(Has(tree, {}));
}

}  // namespace
}  // namespace fairway::sandbox::internal
