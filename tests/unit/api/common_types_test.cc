// RFC 3339 timestamps, conditions, label selectors and ObjectMeta.
#include "api/common_types.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "api/object_meta.h"
#include "tests/unit/api/parser_test_util.h"

namespace fairway::api {
namespace {

using nlohmann::json;
using testing::StatusIs;

constexpr core::Timestamp kT{core::Seconds(1740823200)};  // 2025-03-01T10:00:00Z

TEST(CommonTypesTest, ParsesRfc3339) {
  struct Case {
    std::string text;
    core::Timestamp want;
  };
  const std::vector<Case> cases = {
      {"2025-03-01T10:00:00Z", kT},
      {"2025-03-01t10:00:00z", kT},
      {"2025-03-01 10:00:00Z", kT},
      {"2025-03-01T10:00:00.123456Z", kT},
      {"2025-03-01T12:30:00+02:30", kT},
      {"2025-03-01T07:00:00-03:00", kT},
      {"1970-01-01T00:00:00Z", core::Timestamp{}},
      {"2024-02-29T00:00:00Z", core::Timestamp{core::Seconds(1709164800)}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text);
    StatusOr<core::Timestamp> t = ParseRfc3339(c.text);
    ASSERT_TRUE(t.ok()) << t.status();
    EXPECT_EQ(*t, c.want);
  }
}

TEST(CommonTypesTest, RejectsBadRfc3339) {
  for (const char* bad :
       {"", "2025-03-01", "2025-03-01T10:00Z", "2025-03-01T10:00:00", "2025-13-01T00:00:00Z",
        "2025-02-29T00:00:00Z", "2025-03-01T24:00:00Z", "2025-03-01T10:60:00Z",
        "2025-03-01T10:00:60Z", "2025-03-01T10:00:00.Z", "2025-03-01T10:00:00Zjunk",
        "2025-03-01T10:00:00+2:00", "25-03-01T10:00:00Z", " 2025-03-01T10:00:00Z"}) {
    SCOPED_TRACE(bad);
    EXPECT_TRUE(StatusIs(ParseRfc3339(bad).status(), StatusCode::kInvalidArgument, "RFC 3339"));
  }
}

TEST(CommonTypesTest, FormatsRfc3339) {
  EXPECT_EQ(FormatRfc3339(kT), "2025-03-01T10:00:00Z");
  EXPECT_EQ(FormatRfc3339(core::Timestamp{}), "1970-01-01T00:00:00Z");
  EXPECT_EQ(FormatRfc3339(kT + core::Seconds(86399)), "2025-03-02T09:59:59Z");
  EXPECT_EQ(*ParseRfc3339(FormatRfc3339(kT + core::Seconds(12345))), kT + core::Seconds(12345));
}

TEST(CommonTypesTest, ObjectMetaRoundTrips) {
  json j = json::parse(R"({
    "name": "train", "namespace": "ml", "uid": "6f1c", "resourceVersion": "4711",
    "generation": 3, "labels": {"team": "astro"}, "annotations": {"note": "x"},
    "creationTimestamp": "2025-03-01T10:00:00Z", "deletionTimestamp": "2025-03-01T11:00:00Z",
    "finalizers": ["fairway.dev/cleanup"],
    "ownerReferences": [{"apiVersion": "fairway.dev/v1alpha1", "kind": "Job", "name": "p",
                         "uid": "9", "controller": true, "blockOwnerDeletion": true}],
    "managedFields": [{"manager": "kubectl"}]
  })");
  StatusOr<ObjectMeta> m = ObjectMetaFromJson(j);
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->Key(), "ml/train");
  EXPECT_EQ(m->generation, 3);
  EXPECT_EQ(m->creation_timestamp, kT);
  ASSERT_EQ(m->owner_references.size(), 1u);
  EXPECT_TRUE(m->owner_references[0].controller);
  json out = ToJson(*m);
  EXPECT_FALSE(out.contains("managedFields"));
  StatusOr<ObjectMeta> back = ObjectMetaFromJson(out);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, *m);

  ObjectMeta cluster_scoped;
  cluster_scoped.name = "gpu";
  EXPECT_EQ(cluster_scoped.Key(), "gpu");
  EXPECT_EQ(ToJson(cluster_scoped), json({{"name", "gpu"}}));
}

TEST(CommonTypesTest, ObjectMetaErrorsNameTheField) {
  struct Case {
    json meta;
    std::string field;
  };
  const std::vector<Case> cases = {
      {json::array(), "metadata"},
      {{{"name", 5}}, "metadata.name"},
      {{{"labels", {"a"}}}, "metadata.labels"},
      {{{"annotations", {{"a", nullptr}}}}, "metadata.annotations.a"},
      {{{"finalizers", {{"a", "b"}}}}, "metadata.finalizers"},
      {{{"finalizers", {1, 2}}}, "metadata.finalizers[0]"},
      {{{"resourceVersion", 12}}, "metadata.resourceVersion"},
      {{{"generation", "1"}}, "metadata.generation"},
      {{{"deletionTimestamp", "now"}}, "metadata.deletionTimestamp"},
      {{{"ownerReferences", {{"kind", "Job"}}}}, "metadata.ownerReferences"},
      {{{"ownerReferences", {{{"apiVersion", "v1"}, {"kind", "Job"}, {"name", "p"}}}}},
       "metadata.ownerReferences[0].uid"},
      {{{"ownerReferences",
         {{{"apiVersion", "v1"},
           {"kind", "Job"},
           {"name", "p"},
           {"uid", "1"},
           {"controller", "yes"}}}}},
       "metadata.ownerReferences[0].controller"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.meta.dump());
    StatusOr<ObjectMeta> m = ObjectMetaFromJson(c.meta);
    ASSERT_FALSE(m.ok());
    EXPECT_EQ(m.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(m.status().field(), c.field) << m.status();
  }
}

TEST(CommonTypesTest, LabelSelectorRoundTrips) {
  json j = json::parse(R"({"matchLabels": {"pool": "gpu"},
    "matchExpressions": [{"key": "a", "operator": "NotIn", "values": ["x"]},
                         {"key": "b", "operator": "Exists"}]})");
  StatusOr<core::LabelSelector> s = LabelSelectorFromJson(j, "sel");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(ToJson(*s), j);
  EXPECT_TRUE(s->Matches({{"pool", "gpu"}, {"b", ""}}));
  EXPECT_FALSE(s->Matches({{"pool", "gpu"}, {"a", "x"}, {"b", ""}}));
  EXPECT_EQ(ToJson(core::LabelSelector{}), json::object());
}

TEST(CommonTypesTest, ConditionsDecodeAndEncode) {
  json j = {{"conditions",
             {{{"type", "Valid"},
               {"status", "False"},
               {"reason", "BadTimeLimit"},
               {"message", "spec.timeLimit: ..."},
               {"lastTransitionTime", "2025-03-01T10:00:00Z"},
               {"observedGeneration", 4}}}}};
  std::vector<Condition> conditions;
  ASSERT_TRUE(ConditionsFromJson(j, "status", &conditions).ok());
  ASSERT_EQ(conditions.size(), 1u);
  EXPECT_EQ(conditions[0].status, ConditionStatus::kFalse);
  EXPECT_EQ(conditions[0].observed_generation, 4);
  EXPECT_EQ(ToJson(conditions), j["conditions"]);
}

TEST(CommonTypesTest, IntegerChecks) {
  struct Case {
    json value;
    bool ok;
  };
  const std::vector<Case> cases = {
      {json(5), true},        {json(5.0), true},
      {json(-0.0), true},     {json(5.5), false},
      {json("5"), false},     {json(true), false},
      {json(nullptr), false}, {json(1e300), false},
      {json(9.3e18), false},  {json(std::numeric_limits<uint64_t>::max()), false},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.value.dump());
    EXPECT_EQ(json_fields::AsInt64(c.value, "x", std::numeric_limits<int64_t>::min(),
                                   std::numeric_limits<int64_t>::max())
                  .ok(),
              c.ok);
  }
}

TEST(CommonTypesTest, NamePredicates) {
  EXPECT_TRUE(json_fields::IsDns1123Subdomain("gpu"));
  EXPECT_TRUE(json_fields::IsDns1123Subdomain("a.b-c"));
  EXPECT_FALSE(json_fields::IsDns1123Subdomain(""));
  EXPECT_FALSE(json_fields::IsDns1123Subdomain("Gpu"));
  EXPECT_FALSE(json_fields::IsDns1123Subdomain("gpu-"));
  EXPECT_FALSE(json_fields::IsDns1123Subdomain(std::string(254, 'a')));
  EXPECT_TRUE(json_fields::IsValidSubjectName("system:serviceaccount:ml:runner"));
  EXPECT_TRUE(json_fields::IsValidSubjectName("alice@example.com"));
  EXPECT_FALSE(json_fields::IsValidSubjectName("alice smith"));
  EXPECT_FALSE(json_fields::IsValidSubjectName("a,b"));
  EXPECT_FALSE(json_fields::IsValidSubjectName(""));
}

}  // namespace
}  // namespace fairway::api
