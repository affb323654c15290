#include "api/qos_types.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/unit/api/parser_test_util.h"

namespace fairway::api {
namespace {

using nlohmann::json;
using testing::StatusIs;

json BaseQos() {
  return json::parse(R"({
    "apiVersion": "fairway.dev/v1alpha1",
    "kind": "QoS",
    "metadata": {"name": "high"},
    "spec": {"priority": 100, "preempt": ["low", "scavenger"], "preemptMode": "requeue",
             "gracePeriod": 120, "usageFactor": 2.5,
             "limits": {"maxJobsPerUser": 4, "maxGPUsPerUser": 32, "maxWall": "1-00:00:00"}},
    "status": {"runningJobs": 2, "runningGPUs": 16, "pendingJobs": 1}
  })");
}

json Patched(const json& patch) {
  json j = BaseQos();
  j.merge_patch(patch);
  return j;
}

TEST(QosTypesTest, ConvertsToCoreQos) {
  StatusOr<QosObject> q = QosFromJson(BaseQos());
  ASSERT_TRUE(q.ok()) << q.status();
  EXPECT_EQ(q->status.running_gpus, 16);
  StatusOr<core::Qos> c = ToCoreQos(*q);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->name.str(), "high");
  EXPECT_EQ(c->priority, 100u);
  ASSERT_EQ(c->preempt.size(), 2u);
  EXPECT_EQ(c->preempt[0].str(), "low");
  EXPECT_EQ(c->preempt_mode, core::PreemptMode::kRequeue);
  EXPECT_EQ(c->grace_period, core::Seconds(120));
  EXPECT_DOUBLE_EQ(c->usage_factor, 2.5);
  EXPECT_EQ(c->limits.max_jobs_per_user, 4);
  EXPECT_EQ(c->limits.max_gpus_per_user, 32);
  EXPECT_EQ(c->limits.max_wall, core::Seconds(86400));
  EXPECT_FALSE(c->limits.grp_gpus.has_value());
}

TEST(QosTypesTest, Defaults) {
  StatusOr<QosObject> q = QosFromJson({{"metadata", {{"name", "normal"}}}});
  ASSERT_TRUE(q.ok()) << q.status();
  StatusOr<core::Qos> c = ToCoreQos(*q);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->priority, 0u);
  EXPECT_TRUE(c->preempt.empty());
  EXPECT_EQ(c->preempt_mode, core::PreemptMode::kCancel);
  EXPECT_EQ(c->grace_period, core::Seconds(0));
  EXPECT_DOUBLE_EQ(c->usage_factor, 1.0);
}

TEST(QosTypesTest, RejectsMalformedQosNamingTheField) {
  struct Case {
    json patch;
    std::string field;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{{"apiVersion", "fairway.dev/v1"}}, "apiVersion", "v1alpha1"},
      {{{"kind", "Qos"}}, "kind", "QoS"},
      {{{"spec", {{"priority", -1}}}}, "spec.priority", "at least 0"},
      {{{"spec", {{"priority", 4294967296LL}}}}, "spec.priority", "at most"},
      {{{"spec", {{"preempt", "low"}}}}, "spec.preempt", "list"},
      {{{"spec", {{"preempt", {"low", "low"}}}}}, "spec.preempt[1]", "duplicate"},
      {{{"spec", {{"preempt", {"Low"}}}}}, "spec.preempt[0]", "invalid QoS name"},
      {{{"spec", {{"preemptMode", "OFF"}}}}, "spec.preemptMode", "CANCEL or REQUEUE"},
      {{{"spec", {{"preemptMode", "suspend"}}}}, "spec.preemptMode", "CANCEL or REQUEUE"},
      {{{"spec", {{"preemptMode", false}}}}, "spec.preemptMode", "string"},
      {{{"spec", {{"gracePeriod", -5}}}}, "spec.gracePeriod", "at least 0"},
      {{{"spec", {{"gracePeriod", "2:00"}}}}, "spec.gracePeriod", "integer"},
      {{{"spec", {{"usageFactor", -0.5}}}}, "spec.usageFactor", "at least 0"},
      {{{"spec", {{"usageFactor", "double"}}}}, "spec.usageFactor", "number"},
      {{{"spec", {{"limits", {{"grpSubmitJobs", "ten"}}}}}},
       "spec.limits.grpSubmitJobs",
       "integer"},
      {{{"status", {{"pendingJobs", -1}}}}, "status.pendingJobs", "at least 0"},
      {{{"status", {{"conditions", {{"type", "Ready"}}}}}}, "status.conditions", "list"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.patch.dump());
    StatusOr<QosObject> q = QosFromJson(Patched(c.patch));
    ASSERT_FALSE(q.ok());
    EXPECT_TRUE(StatusIs(q.status(), StatusCode::kInvalidArgument, c.message));
    EXPECT_EQ(q.status().field(), c.field) << q.status();
  }
}

TEST(QosTypesTest, RoundTripsThroughJson) {
  StatusOr<QosObject> q = QosFromJson(BaseQos());
  ASSERT_TRUE(q.ok());
  json j = ToJson(*q);
  EXPECT_EQ(j["spec"]["preemptMode"], "REQUEUE");
  StatusOr<QosObject> back = QosFromJson(j);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, *q);
}

}  // namespace
}  // namespace fairway::api
