#include "webhook/job_mutation.h"

#include <gtest/gtest.h>

#include "webhook/job_validation.h"
#include "webhook_test_util.h"

namespace fairway::webhook {
namespace {

using namespace testing;  // NOLINT(build/namespaces)

// Runs the mutating webhook and applies its patch; fails the test on a denial.
json Mutated(const json& object, const UserInfo& user, const ClusterView& view,
             AdmissionResponse* response = nullptr) {
  AdmissionResponse r = MutateJob(JobRequest(Operation::kCreate, user, object), view, Settings());
  EXPECT_TRUE(r.allowed) << r.message;
  EXPECT_EQ(r.uid, "req-1");
  if (response != nullptr) *response = r;
  return ApplyPatch(object, r.patch);
}

TEST(JobMutationTest, StampsTheAuthenticatedUserOverWhatTheClientWrote) {
  StaticClusterView view = Cluster();
  AdmissionResponse r;
  json out = Mutated(JobJson("j").Stamped("bob", {"fairway:admins"}).Build(),
                     User("alice", {"physicists", "system:authenticated"}), view, &r);
  EXPECT_EQ(out["spec"]["user"], "alice");
  EXPECT_EQ(out["spec"]["groups"], json({"physicists", "system:authenticated"}));
  EXPECT_EQ(r.warnings, std::vector<std::string>(
                            {"spec.user \"bob\" was replaced by the authenticated user \"alice\"",
                             "spec.groups was replaced by the authenticated user's groups"}));
}

TEST(JobMutationTest, GroupsThatCanNeverMatchAreNotStamped) {
  StaticClusterView view = Cluster();
  UserInfo user = User("bob", {"Domain Users", "physicists", "a,b"});
  json object = JobJson("j").Build();
  json out = Mutated(object, user, view);
  EXPECT_EQ(out["spec"]["groups"], json({"physicists"}));
  out["spec"]["account"] = "physics";
  out["spec"]["qos"] = "normal";
  EXPECT_TRUE(ValidateJob(JobRequest(Operation::kCreate, user, out), view, Settings()).allowed);
}

TEST(JobMutationTest, AdminMaySubmitOnBehalfOfAUser) {
  StaticClusterView view = Cluster();
  json out = Mutated(JobJson("j").Stamped("bob", {"physicists"}).Build(), Admin(), view);
  EXPECT_EQ(out["spec"]["user"], "bob");
  EXPECT_EQ(out["spec"]["groups"], json({"physicists"}));
  EXPECT_EQ(out["spec"]["account"], "physics");  // bob's only account
}

TEST(JobMutationTest, AdminWithoutSpecUserIsStampedLikeAnyone) {
  StaticClusterView view = Cluster();
  json out = Mutated(JobJson("j").Build(), Admin(), view);
  EXPECT_EQ(out["spec"]["user"], "root");
  EXPECT_EQ(out["spec"]["groups"], json({"fairway:admins", "system:authenticated"}));
}

TEST(JobMutationTest, AddsSpecWhenTheObjectHasNone) {
  StaticClusterView view = Cluster();
  json object = JobJson("j").Build();
  object.erase("spec");
  json out = Mutated(object, User("bob"), view);
  EXPECT_EQ(out["spec"]["user"], "bob");
}

struct DefaultCase {
  std::string name;
  UserInfo user;
  json preset;  // spec fields the client set
  json want;    // spec fields expected afterwards (null: absent)
};

class JobDefaultsTest : public ::testing::TestWithParam<DefaultCase> {};

TEST_P(JobDefaultsTest, FillsSlurmDefaults) {
  StaticClusterView view = Cluster();
  JobJson job("j");
  for (const auto& [k, v] : GetParam().preset.items()) job.Set(k, v);
  json out = Mutated(job.Build(), GetParam().user, view);
  for (const auto& [k, v] : GetParam().want.items()) {
    if (v.is_null()) {
      EXPECT_FALSE(out["spec"].contains(k)) << k << " = " << out["spec"][k];
    } else {
      EXPECT_EQ(out["spec"][k], v) << k;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    Cases, JobDefaultsTest,
    ::testing::Values(
        // bob is listed by physics only; physics' defaultQos; gpu is the default partition.
        DefaultCase{"OnlyAccountListingTheUser",
                    User("bob"),
                    json::object(),
                    {{"account", "physics"},
                     {"partition", "gpu"},
                     {"qos", "normal"},
                     {"timeLimit", "1:00:00"}}},
        // alice is in physics and astro: no default account.
        DefaultCase{"TwoAccountsNoDefault",
                    User("alice"),
                    json::object(),
                    {{"account", nullptr}, {"qos", "normal"}}},
        // defaultFor wins over membership (dave is listed nowhere).
        DefaultCase{"DefaultForNamesTheUser", User("dave"), json::object(), {{"account", "bio"}}},
        // Membership through a group.
        DefaultCase{"OnlyAccountListingAGroup",
                    User("erin", {"bio-lab"}),
                    json::object(),
                    {{"account", "bio"}}},
        // Fields the client set are kept.
        DefaultCase{
            "KeepsWhatTheClientSet",
            User("bob"),
            {{"account", "open"}, {"partition", "debug"}, {"qos", "low"}, {"timeLimit", "5"}},
            {{"account", "open"}, {"partition", "debug"}, {"qos", "low"}, {"timeLimit", "5"}}},
        // debug has no defaultTime: its maxTime is the default (Slurm: DefaultTime = MaxTime).
        DefaultCase{"MaxTimeWhenNoDefaultTime",
                    User("bob"),
                    {{"partition", "debug"}},
                    {{"timeLimit", "1:00:00"}}},
        // gpu (1:00:00) and physics-only (4:00:00) disagree: left to the scheduler.
        DefaultCase{"PartitionsDisagreeOnTime",
                    User("bob"),
                    {{"partition", "gpu,physics-only"}},
                    {{"timeLimit", nullptr}}},
        // drained has MaxTime UNLIMITED: nothing to write.
        DefaultCase{"UnlimitedPartitionLeavesTimeEmpty",
                    User("bob"),
                    {{"partition", "drained"}},
                    {{"timeLimit", nullptr}}}),
    [](const ::testing::TestParamInfo<DefaultCase>& info) { return info.param.name; });

TEST(JobMutationTest, QosNormalWhenTheAccountHasNoDefault) {
  StaticClusterView view = Cluster();
  json out = Mutated(JobJson("j").Set("account", "open").Build(), User("zed"), view);
  EXPECT_EQ(out["spec"]["qos"], "normal");
}

TEST(JobMutationTest, NoQosWhenNoDefaultAndNoNormal) {
  StaticClusterView view = Cluster();
  view.qos.erase("normal");
  json out = Mutated(JobJson("j").Set("account", "open").Build(), User("zed"), view);
  EXPECT_FALSE(out["spec"].contains("qos"));
}

TEST(JobMutationTest, NoPartitionWhenNoneIsDefault) {
  StaticClusterView view = Cluster();
  view.partitions.erase("gpu");
  json out = Mutated(JobJson("j").Build(), User("bob"), view);
  EXPECT_FALSE(out["spec"].contains("partition"));
}

TEST(JobMutationTest, FirstDefaultPartitionByName) {
  StaticClusterView view = Cluster();
  view.partitions["a-second"] = Partition({{"default", true}}, "a-second");
  json out = Mutated(JobJson("j").Build(), User("bob"), view);
  EXPECT_EQ(out["spec"]["partition"], "a-second");
}

TEST(JobMutationTest, FillsTemplateGpusOfTheFirstContainer) {
  StaticClusterView view = Cluster();
  struct Case {
    json container;
    json want_resources;
  } cases[] = {
      {{{"name", "a"}}, {{"limits", {{"nvidia.com/gpu", "4"}}}}},
      {{{"name", "a"}, {"resources", {{"requests", {{"cpu", "1"}}}}}},
       {{"requests", {{"cpu", "1"}}}, {"limits", {{"nvidia.com/gpu", "4"}}}}},
      {{{"name", "a"}, {"resources", {{"limits", {{"memory", "1Gi"}}}}}},
       {{"limits", {{"memory", "1Gi"}, {"nvidia.com/gpu", "4"}}}}},
  };
  for (const Case& c : cases) {
    json object = JobJson("j").Gpus(4).Build();
    object["spec"]["template"]["spec"]["containers"] = json::array({c.container, {{"name", "b"}}});
    json out = Mutated(object, User("bob"), view);
    EXPECT_EQ(out["spec"]["template"]["spec"]["containers"][0]["resources"], c.want_resources)
        << c.container;
    EXPECT_FALSE(out["spec"]["template"]["spec"]["containers"][1].contains("resources"));
  }
}

TEST(JobMutationTest, GresCountFillsTheTemplate) {
  StaticClusterView view = Cluster();
  json object = JobJson("j").Set("resources", {{"gres", "gpu:a100:2"}}).Build();
  object["spec"]["template"]["spec"]["containers"] = json::array({{{"name", "a"}}});
  json out = Mutated(object, User("bob"), view);
  EXPECT_EQ(
      out["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"]["nvidia.com/gpu"],
      "2");
}

TEST(JobMutationTest, LeavesATemplateThatAlreadyNamesGpus) {
  StaticClusterView view = Cluster();
  // Even a mismatch is left alone: validation rejects it with the reason.
  json object = JobJson("j").Gpus(0).ContainerGpus(1, 8).Build();
  json out = Mutated(object, User("bob"), view);
  EXPECT_EQ(out["spec"]["template"], object["spec"]["template"]);
}

TEST(JobMutationTest, NoTemplateChangeWithoutGpusOrContainers) {
  StaticClusterView view = Cluster();
  json no_gpus = JobJson("j").Build();
  no_gpus["spec"]["template"]["spec"]["containers"] = json::array({{{"name", "a"}}});
  EXPECT_EQ(Mutated(no_gpus, User("bob"), view)["spec"]["template"], no_gpus["spec"]["template"]);
  json no_containers = JobJson("j").Gpus(2).Build();  // the operator adds its own container
  EXPECT_FALSE(Mutated(no_containers, User("bob"), view)["spec"].contains("template"));
}

TEST(JobMutationTest, DeniesAJobThatDoesNotDecode) {
  StaticClusterView view = Cluster();
  AdmissionResponse r = MutateJob(
      JobRequest(Operation::kCreate, User("bob"), JobJson("j").Set("template", "oops").Build()),
      view, Settings());
  EXPECT_FALSE(r.allowed);
  EXPECT_EQ(r.code, 422);
  EXPECT_EQ(r.message, "spec.template: must be an object (a PodTemplateSpec)");
}

TEST(JobMutationTest, OnlyCreateIsMutated) {
  StaticClusterView view = Cluster();
  json object = JobJson("j").Build();
  AdmissionResponse r =
      MutateJob(JobRequest(Operation::kUpdate, User("bob"), object, object), view, Settings());
  EXPECT_TRUE(r.allowed);
  EXPECT_TRUE(r.patch.empty());
}

}  // namespace
}  // namespace fairway::webhook
