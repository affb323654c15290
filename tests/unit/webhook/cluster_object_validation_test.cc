#include "webhook/cluster_object_validation.h"

#include <gtest/gtest.h>

#include "webhook_test_util.h"

namespace fairway::webhook {
namespace {

using namespace testing;  // NOLINT(build/namespaces)

json Object(const std::string& kind, const std::string& name, json spec) {
  return {{"apiVersion", "fairway.dev/v1alpha1"},
          {"kind", kind},
          {"metadata", {{"name", name}}},
          {"spec", std::move(spec)}};
}

AdmissionRequest Request(Operation op, const std::string& resource, const UserInfo& user,
                         json object, json old_object = nullptr) {
  AdmissionRequest r;
  r.uid = "req-2";
  r.resource = {"fairway.dev", "v1alpha1", resource};
  r.operation = op;
  r.user = user;
  const json& named = object.is_object() ? object : old_object;
  r.name = named.is_object() ? named["metadata"].value("name", "") : "";
  r.object = std::move(object);
  r.old_object = std::move(old_object);
  return r;
}

AdmissionResponse Validate(Operation op, const std::string& resource, json object,
                           const UserInfo& user = Admin()) {
  StaticClusterView view = Cluster();
  return ValidateClusterObject(Request(op, resource, user, std::move(object)), view, Settings());
}

TEST(ClusterObjectValidationTest, OnlyAdminsWrite) {
  for (Operation op : {Operation::kCreate, Operation::kUpdate, Operation::kDelete}) {
    StaticClusterView view = Cluster();
    json qos = Object("QoS", "gold", json::object());
    AdmissionRequest r =
        Request(op, "qoses", User("alice"), op == Operation::kDelete ? json() : qos,
                op == Operation::kCreate ? json() : qos);
    AdmissionResponse out = ValidateClusterObject(r, view, Settings());
    EXPECT_FALSE(out.allowed);
    EXPECT_EQ(out.code, 403);
    EXPECT_EQ(out.message,
              "Access/permission denied (only admins may create, change or delete "
              "qoses)");
  }
  config::AdmissionSettings settings;
  settings.admin_users = {"system:serviceaccount:fairway-system:fairway-operator"};
  StaticClusterView view = Cluster();
  EXPECT_TRUE(
      ValidateClusterObject(Request(Operation::kCreate, "qoses",
                                    User("system:serviceaccount:fairway-system:fairway-operator"),
                                    Object("QoS", "gold", json::object())),
                            view, settings)
          .allowed);
}

struct ObjectCase {
  std::string name;
  std::string resource;
  json object;
  std::string message;  // "" = allowed
};

class ClusterObjectRuleTest : public ::testing::TestWithParam<ObjectCase> {};

TEST_P(ClusterObjectRuleTest, Decides) {
  AdmissionResponse r = Validate(Operation::kCreate, GetParam().resource, GetParam().object);
  EXPECT_EQ(r.allowed, GetParam().message.empty()) << r.message;
  EXPECT_EQ(r.message, GetParam().message);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ClusterObjectRuleTest,
    ::testing::Values(
        ObjectCase{"AccountOk", "accounts",
                   Object("Account", "theory", {{"parent", "physics"}, {"users", {"zoe"}}}), ""},
        ObjectCase{"MissingParent", "accounts", Object("Account", "theory", {{"parent", "maths"}}),
                   "Invalid parent account specified (spec.parent: no Account \"maths\")"},
        ObjectCase{"OwnParent", "accounts", Object("Account", "theory", {{"parent", "theory"}}),
                   "Invalid parent account specified (spec.parent: an account cannot be its own "
                   "parent)"},
        // physics is astro's parent: making astro physics' parent closes a loop.
        ObjectCase{"ParentCycle", "accounts", Object("Account", "physics", {{"parent", "astro"}}),
                   "Invalid parent account specified (spec.parent: physics -> astro -> physics "
                   "would form a cycle)"},
        ObjectCase{"NegativeShares", "accounts", Object("Account", "theory", {{"shares", -1}}),
                   "spec.shares: must be at least 0, got -1"},
        ObjectCase{"SecondDefaultAccount", "accounts",
                   Object("Account", "theory", {{"defaultFor", {"zoe", "dave"}}}),
                   "spec.defaultFor[1]: user \"dave\" already has a default account: \"bio\" "
                   "names the user in its spec.defaultFor"},
        ObjectCase{"LongAccountName", "accounts",
                   Object("Account", std::string(64, 'a'), json::object()),
                   "metadata.name: must be no more than 63 characters (it has 64; the name is the "
                   "value of the fairway.dev/account label on job pods, and Kubernetes label "
                   "values are limited to 63 characters)"},
        ObjectCase{"PartitionOk", "partitions",
                   Object("Partition", "a100",
                          {{"nodeSelector", {{"matchLabels", {{"gpu", "a100"}}}}},
                           {"maxTime", "1-00:00:00"},
                           {"defaultTime", "1:00:00"}}),
                   ""},
        ObjectCase{"BadNodeName", "partitions",
                   Object("Partition", "a100", {{"nodes", {"Node_1"}}}),
                   "spec.nodes[0]: invalid name \"Node_1\""},
        ObjectCase{"BadSelector", "partitions",
                   Object("Partition", "a100",
                          {{"nodeSelector",
                            {{"matchExpressions", {{{"key", "gpu"}, {"operator", "In"}}}}}}}),
                   "spec.nodeSelector.matchExpressions[0].values: must be non-empty for operator "
                   "In"},
        ObjectCase{
            "DefaultTimeOverMaxTime", "partitions",
            Object("Partition", "a100", {{"maxTime", "1:00:00"}, {"defaultTime", "2:00:00"}}),
            "spec.defaultTime: must not exceed spec.maxTime (\"2:00:00\" > \"1:00:00\")"},
        ObjectCase{"LongPartitionName", "partitions",
                   Object("Partition", std::string(64, 'p'), json::object()),
                   "metadata.name: must be no more than 63 characters (it has 64; the name is the "
                   "value of the fairway.dev/partition label on job pods, and Kubernetes label "
                   "values are limited to 63 characters)"},
        ObjectCase{"QosOk", "qoses", Object("QoS", "urgent", {{"preempt", {"low", "normal"}}}), ""},
        ObjectCase{"QosPreemptsItself", "qoses", Object("QoS", "urgent", {{"preempt", {"urgent"}}}),
                   "QOS Preemption loop detected (spec.preempt[0]: a QoS cannot preempt itself)"},
        ObjectCase{"QosBadMode", "qoses", Object("QoS", "urgent", {{"preemptMode", "SUSPEND"}}),
                   "spec.preemptMode: must be CANCEL or REQUEUE; got \"SUSPEND\""}),
    [](const ::testing::TestParamInfo<ObjectCase>& info) { return info.param.name; });

TEST(ClusterObjectValidationTest, QosPreemptionLoopThroughOthers) {
  StaticClusterView view = Cluster();
  view.qos["low"] = Qos({{"preempt", {"normal"}}}, "low");
  view.qos["normal"] = Qos({{"preempt", {"high"}}}, "normal");
  AdmissionResponse r = ValidateClusterObject(
      Request(Operation::kUpdate, "qoses", Admin(), Object("QoS", "high", {{"preempt", {"low"}}}),
              Object("QoS", "high", json::object())),
      view, Settings());
  EXPECT_FALSE(r.allowed);
  EXPECT_EQ(r.message,
            "QOS Preemption loop detected (spec.preempt: high -> low -> normal -> high)");
}

TEST(ClusterObjectValidationTest, UpdatingAnAccountKeepsItsOwnDefaultFor) {
  StaticClusterView view = Cluster();
  json bio = Object("Account", "bio", {{"groups", {"bio-lab"}}, {"defaultFor", {"dave", "erin"}}});
  AdmissionResponse r = ValidateClusterObject(
      Request(Operation::kUpdate, "accounts", Admin(), bio, bio), view, Settings());
  EXPECT_TRUE(r.allowed) << r.message;
}

TEST(ClusterObjectValidationTest, ReferencesToMissingObjectsWarn) {
  AdmissionResponse r = Validate(
      Operation::kCreate, "accounts",
      Object("Account", "theory", {{"defaultQos", "gold"}, {"allowedQos", {"gold", "low"}}}));
  EXPECT_TRUE(r.allowed);
  EXPECT_EQ(r.warnings, std::vector<std::string>({
                            "spec.defaultQos: no QoS \"gold\" exists (yet)",
                            "spec.allowedQos[0]: no QoS \"gold\" exists (yet)",
                        }));
  r = Validate(Operation::kCreate, "partitions",
               Object("Partition", "p",
                      {{"allowAccounts", {"physics", "chem"}},
                       {"denyAccounts", {"geo"}},
                       {"allowQos", {"gold"}},
                       {"default", true}}));
  EXPECT_TRUE(r.allowed);
  EXPECT_EQ(r.warnings,
            std::vector<std::string>({
                "spec.allowAccounts[1]: no Account \"chem\" exists (yet)",
                "spec.denyAccounts[0]: no Account \"geo\" exists (yet)",
                "spec.allowQos[0]: no QoS \"gold\" exists (yet)",
                "spec.default: partition \"gpu\" is the default too; jobs without a partition go "
                "to the first by name",
            }));
  r = Validate(Operation::kCreate, "qoses", Object("QoS", "q", {{"preempt", {"bronze"}}}));
  EXPECT_EQ(r.warnings,
            std::vector<std::string>({"spec.preempt[0]: no QoS \"bronze\" exists (yet)"}));
}

TEST(ClusterObjectValidationTest, DeletingAParentWarns) {
  StaticClusterView view = Cluster();
  AdmissionResponse r =
      ValidateClusterObject(Request(Operation::kDelete, "accounts", Admin(), nullptr,
                                    Object("Account", "physics", json::object())),
                            view, Settings());
  EXPECT_TRUE(r.allowed);
  EXPECT_EQ(r.warnings, std::vector<std::string>({"account \"astro\" names \"physics\" as its "
                                                  "parent; it is placed under the root until "
                                                  "that is fixed"}));
}

}  // namespace
}  // namespace fairway::webhook
