#include "api/partition_types.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/unit/api/parser_test_util.h"

namespace fairway::api {
namespace {

using nlohmann::json;
using testing::StatusIs;

json BasePartition() {
  return json::parse(R"({
    "apiVersion": "fairway.dev/v1alpha1",
    "kind": "Partition",
    "metadata": {"name": "gpu"},
    "spec": {
      "nodeSelector": {
        "matchLabels": {"fairway.dev/pool": "gpu"},
        "matchExpressions": [
          {"key": "gpu.product", "operator": "In", "values": ["a100", "h100"]},
          {"key": "maintenance", "operator": "DoesNotExist"}
        ]
      },
      "nodes": ["extra-1"],
      "default": true,
      "state": "DRAIN",
      "maxTime": "2-00:00:00",
      "defaultTime": "1:00:00",
      "maxNodes": 8,
      "allowAccounts": ["physics"],
      "denyAccounts": ["guests"],
      "allowGroups": ["system:authenticated"],
      "allowQos": ["normal", "high"],
      "priorityJobFactor": 5,
      "priorityTier": 2,
      "preemptMode": "requeue"
    },
    "status": {"nodes": {"total": 4, "idle": 1, "mix": 2, "alloc": 1}, "totalGPUs": 32,
               "allocatedGPUs": 20, "pendingJobs": 7, "runningJobs": 3}
  })");
}

json Patched(const json& patch) {
  json j = BasePartition();
  j.merge_patch(patch);
  return j;
}

TEST(PartitionTypesTest, ConvertsToCorePartition) {
  StatusOr<PartitionObject> p = PartitionFromJson(BasePartition());
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->status.nodes.mix, 2);
  EXPECT_EQ(p->status.allocated_gpus, 20);
  StatusOr<core::Partition> c = ToCorePartition(*p);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->name.str(), "gpu");
  EXPECT_EQ(c->node_selector.match_labels.at("fairway.dev/pool"), "gpu");
  ASSERT_EQ(c->node_selector.match_expressions.size(), 2u);
  EXPECT_EQ(c->node_selector.match_expressions[0].op, core::LabelRequirement::Operator::kIn);
  EXPECT_EQ(c->node_selector.match_expressions[0].values,
            (std::vector<std::string>{"a100", "h100"}));
  EXPECT_EQ(c->node_selector.match_expressions[1].op,
            core::LabelRequirement::Operator::kDoesNotExist);
  ASSERT_EQ(c->node_names.size(), 1u);
  EXPECT_TRUE(c->is_default);
  EXPECT_EQ(c->state, core::PartitionState::kDrain);
  EXPECT_EQ(c->max_time, core::Seconds(2 * 86400));
  EXPECT_EQ(c->default_time, core::Seconds(3600));
  EXPECT_EQ(c->max_nodes, 8);
  EXPECT_EQ(c->allow_accounts.size(), 1u);
  EXPECT_EQ(c->deny_accounts.size(), 1u);
  EXPECT_EQ(c->allow_groups.size(), 1u);
  EXPECT_EQ(c->allow_qos.size(), 2u);
  EXPECT_EQ(c->priority_job_factor, 5u);
  EXPECT_EQ(c->priority_tier, 2u);
  EXPECT_EQ(c->preempt_mode, core::PreemptMode::kRequeue);

  // The selector matches the nodes it should.
  EXPECT_TRUE(c->node_selector.Matches({{"fairway.dev/pool", "gpu"}, {"gpu.product", "h100"}}));
  EXPECT_FALSE(c->node_selector.Matches(
      {{"fairway.dev/pool", "gpu"}, {"gpu.product", "h100"}, {"maintenance", "yes"}}));
}

TEST(PartitionTypesTest, DefaultsMatchSlurm) {
  StatusOr<PartitionObject> p = PartitionFromJson({{"metadata", {{"name", "all"}}}});
  ASSERT_TRUE(p.ok()) << p.status();
  StatusOr<core::Partition> c = ToCorePartition(*p);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_TRUE(c->node_selector.empty());
  EXPECT_TRUE(c->node_names.empty());
  EXPECT_FALSE(c->is_default);
  EXPECT_EQ(c->state, core::PartitionState::kUp);
  EXPECT_FALSE(c->max_time.has_value());  // UNLIMITED
  EXPECT_FALSE(c->default_time.has_value());
  EXPECT_FALSE(c->max_nodes.has_value());
  EXPECT_EQ(c->priority_job_factor, 1u);
  EXPECT_EQ(c->priority_tier, 1u);
  EXPECT_EQ(c->preempt_mode, core::PreemptMode::kOff);
}

TEST(PartitionTypesTest, RejectsMalformedPartitionsNamingTheField) {
  struct Case {
    json patch;
    std::string field;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{{"kind", "Job"}}, "kind", "Partition"},
      {{{"spec", {{"state", "up"}}}}, "spec.state", "UP, DOWN"},
      {{{"spec", {{"state", "MAINT"}}}}, "spec.state", "UP, DOWN"},
      {{{"spec", {{"maxTime", "two days"}}}}, "spec.maxTime", ""},
      {{{"spec", {{"defaultTime", "1:2:3:4"}}}}, "spec.defaultTime", ""},
      {{{"spec", {{"maxNodes", 0}}}}, "spec.maxNodes", "at least 1"},
      {{{"spec", {{"maxNodes", 3000000000LL}}}}, "spec.maxNodes", "at most"},
      {{{"spec", {{"priorityTier", 70000}}}}, "spec.priorityTier", "at most 65533"},
      {{{"spec", {{"priorityJobFactor", -1}}}}, "spec.priorityJobFactor", "at least 0"},
      {{{"spec", {{"preemptMode", "SUSPEND"}}}}, "spec.preemptMode", "OFF, CANCEL, REQUEUE"},
      {{{"spec", {{"default", "true"}}}}, "spec.default", "boolean"},
      {{{"spec", {{"nodes", {"ok", "Bad_Node"}}}}}, "spec.nodes[1]", "invalid name"},
      {{{"spec", {{"allowAccounts", "physics"}}}}, "spec.allowAccounts", "list"},
      {{{"spec", {{"denyAccounts", {"UPPER"}}}}}, "spec.denyAccounts[0]", "invalid name"},
      {{{"spec", {{"allowQos", {1}}}}}, "spec.allowQos[0]", "string"},
      {{{"spec", {{"nodeSelector", {"a"}}}}}, "spec.nodeSelector", "object"},
      {{{"spec", {{"nodeSelector", {{"matchLabels", {{"a", true}}}}}}}},
       "spec.nodeSelector.matchLabels.a",
       "string"},
      {{{"spec",
         {{"nodeSelector", {{"matchExpressions", {{{"key", "a"}, {"operator", "Near"}}}}}}}}},
       "spec.nodeSelector.matchExpressions[0].operator",
       "In, NotIn"},
      {{{"spec", {{"nodeSelector", {{"matchExpressions", {{{"key", "a"}, {"operator", "In"}}}}}}}}},
       "spec.nodeSelector.matchExpressions[0].values",
       "non-empty"},
      {{{"spec",
         {{"nodeSelector",
           {{"matchExpressions", {{{"key", "a"}, {"operator", "Exists"}, {"values", {"x"}}}}}}}}}},
       "spec.nodeSelector.matchExpressions[0].values",
       "must be empty"},
      {{{"spec", {{"nodeSelector", {{"matchExpressions", {{{"operator", "Exists"}}}}}}}}},
       "spec.nodeSelector.matchExpressions[0].key",
       "required"},
      {{{"status", {{"nodes", {{"idle", -1}}}}}}, "status.nodes.idle", "at least 0"},
      {{{"status", {{"totalGPUs", "32"}}}}, "status.totalGPUs", "integer"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.patch.dump());
    StatusOr<PartitionObject> p = PartitionFromJson(Patched(c.patch));
    ASSERT_FALSE(p.ok());
    EXPECT_TRUE(StatusIs(p.status(), StatusCode::kInvalidArgument, c.message));
    EXPECT_EQ(p.status().field(), c.field) << p.status();
  }
}

TEST(PartitionTypesTest, CoreConversionNeedsAName) {
  PartitionObject p;
  StatusOr<core::Partition> c = ToCorePartition(p);
  EXPECT_EQ(c.status().field(), "metadata.name");
}

TEST(PartitionTypesTest, RoundTripsThroughJson) {
  StatusOr<PartitionObject> p = PartitionFromJson(BasePartition());
  ASSERT_TRUE(p.ok());
  json j = ToJson(*p);
  EXPECT_EQ(j["spec"]["state"], "DRAIN");
  EXPECT_EQ(j["spec"]["preemptMode"], "REQUEUE");  // canonical spelling
  StatusOr<PartitionObject> back = PartitionFromJson(j);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, *p);
}

}  // namespace
}  // namespace fairway::api
