#include "sandbox/selectors.h"

#include <gtest/gtest.h>

namespace fairway::sandbox {
namespace {

bool LabelsMatch(const std::string& sel, const nlohmann::json& labels) {
  auto s = LabelSelector::Parse(sel);
  EXPECT_TRUE(s.ok()) << sel;
  return s.ok() && s->Matches(labels);
}

TEST(LabelSelectorTest, AllOperators) {
  nlohmann::json l = {{"app", "web"}, {"tier", "gpu"}};
  EXPECT_TRUE(LabelsMatch("", l));
  EXPECT_TRUE(LabelsMatch("app=web", l));
  EXPECT_TRUE(LabelsMatch("app==web", l));
  EXPECT_FALSE(LabelsMatch("app!=web", l));
  EXPECT_TRUE(LabelsMatch("app!=db", l));
  EXPECT_TRUE(LabelsMatch("missing!=x", l));
  EXPECT_TRUE(LabelsMatch("app in (db, web)", l));
  EXPECT_FALSE(LabelsMatch("app notin (web)", l));
  EXPECT_TRUE(LabelsMatch("missing notin (web)", l));
  EXPECT_TRUE(LabelsMatch("tier", l));
  EXPECT_FALSE(LabelsMatch("!tier", l));
  EXPECT_TRUE(LabelsMatch("!missing", l));
  EXPECT_TRUE(LabelsMatch("app=web,tier in (gpu,cpu),!missing", l));
  EXPECT_FALSE(LabelsMatch("app=web,tier=cpu", l));
  EXPECT_FALSE(LabelsMatch("app=web", nullptr));
}

TEST(LabelSelectorTest, MalformedIsBadRequest) {
  for (const char* bad : {"app in (web", "app=we b", "=x", "a,,b", "app foo (x)"}) {
    auto s = LabelSelector::Parse(bad);
    ASSERT_FALSE(s.ok()) << bad;
    EXPECT_EQ(s.error().code(), 400) << bad;
  }
}

TEST(FieldSelectorTest, PodFields) {
  nlohmann::json pod = {{"metadata", {{"name", "p"}, {"namespace", "ml"}}},
                        {"spec", {{"nodeName", "n1"}, {"schedulerName", "fairway"}}},
                        {"status", {{"phase", "Running"}}}};
  auto s = FieldSelector::Parse("spec.nodeName=n1,status.phase!=Succeeded,status.phase!=Failed", "",
                                "pods", false);
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(s->Matches(pod));
  pod["status"]["phase"] = "Succeeded";
  EXPECT_FALSE(s->Matches(pod));
  auto unbound = FieldSelector::Parse("spec.nodeName=", "", "pods", false);
  ASSERT_TRUE(unbound.ok());
  EXPECT_FALSE(unbound->Matches(pod));
  EXPECT_TRUE(unbound->Matches(nlohmann::json{{"metadata", {{"name", "q"}}}}));
  auto byname = FieldSelector::Parse("metadata.name==p,metadata.namespace=ml", "", "pods", false);
  ASSERT_TRUE(byname.ok());
  EXPECT_TRUE(byname->Matches(pod));
}

TEST(FieldSelectorTest, NodeUnschedulableDefaultsToFalse) {
  auto s = FieldSelector::Parse("spec.unschedulable=false", "", "nodes", false);
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(s->Matches(nlohmann::json{{"metadata", {{"name", "n"}}}}));
  EXPECT_FALSE(s->Matches(nlohmann::json{{"spec", {{"unschedulable", true}}}}));
}

TEST(FieldSelectorTest, EventInvolvedObject) {
  nlohmann::json ev = {{"involvedObject", {{"kind", "Pod"}, {"name", "p"}, {"uid", "u1"}}}};
  auto s = FieldSelector::Parse("involvedObject.name=p,involvedObject.uid=u1", "", "events", false);
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(s->Matches(ev));
}

TEST(FieldSelectorTest, UnsupportedLabelIsBadRequest) {
  auto s = FieldSelector::Parse("spec.gpus=4", "example.com", "gpujobs", true);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), 400);
  EXPECT_EQ(s.error().message(), "field label not supported: spec.gpus");
  EXPECT_TRUE(FieldSelector::Parse("metadata.name=x", "example.com", "gpujobs", true).ok());
  EXPECT_FALSE(FieldSelector::Parse("spec.nodeName=x", "", "configmaps", false).ok());
}

}  // namespace
}  // namespace fairway::sandbox

namespace fairway::sandbox {
namespace {

bool JsonSelectorMatches(const nlohmann::json& selector, const nlohmann::json& labels) {
  auto s = LabelSelector::FromJson(selector);
  EXPECT_TRUE(s.ok()) << selector.dump();
  return s.ok() && s->Matches(labels);
}

TEST(LabelSelectorFromJsonTest, MatchLabelsAndExpressions) {
  nlohmann::json l = {{"app", "web"}, {"tier", "gpu"}};
  EXPECT_TRUE(JsonSelectorMatches(nlohmann::json::object(), l));
  EXPECT_TRUE(JsonSelectorMatches(nullptr, l));
  EXPECT_TRUE(JsonSelectorMatches({{"matchLabels", {{"app", "web"}}}}, l));
  EXPECT_FALSE(JsonSelectorMatches({{"matchLabels", {{"app", "db"}}}}, l));
  auto expr = [](const char* key, const char* op, std::vector<std::string> values) {
    nlohmann::json e = {{"key", key}, {"operator", op}};
    if (!values.empty()) e["values"] = values;
    return nlohmann::json{{"matchExpressions", {e}}};
  };
  EXPECT_TRUE(JsonSelectorMatches(expr("tier", "In", {"gpu", "cpu"}), l));
  EXPECT_FALSE(JsonSelectorMatches(expr("tier", "NotIn", {"gpu"}), l));
  EXPECT_TRUE(JsonSelectorMatches(expr("app", "Exists", {}), l));
  EXPECT_TRUE(JsonSelectorMatches(expr("zone", "DoesNotExist", {}), l));
  EXPECT_FALSE(JsonSelectorMatches(expr("zone", "Exists", {}), nullptr));
}

TEST(LabelSelectorFromJsonTest, RejectsMalformedSelectors) {
  const nlohmann::json bad[] = {
      "text",
      {{"matchLabels", {{"a", 1}}}},
      {{"matchLabels", nlohmann::json::array()}},
      {{"matchExpressions", {{{"key", "a"}, {"operator", "Near"}}}}},
      {{"matchExpressions", {{{"key", "a"}, {"operator", "In"}}}}},
      {{"matchExpressions", {{{"key", "a"}, {"operator", "Exists"}, {"values", {"x"}}}}}},
      {{"matchExpressions", {{{"key", ""}, {"operator", "Exists"}}}}},
      {{"matchExpressions", {7}}},
  };
  for (const nlohmann::json& b : bad) {
    auto s = LabelSelector::FromJson(b);
    ASSERT_FALSE(s.ok()) << b.dump();
    EXPECT_EQ(s.error().code(), 400);
  }
}

}  // namespace
}  // namespace fairway::sandbox
