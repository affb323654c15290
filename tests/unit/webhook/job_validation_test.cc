#include "webhook/job_validation.h"

#include <gtest/gtest.h>

#include "webhook_test_util.h"

namespace fairway::webhook {
namespace {

using namespace testing;  // NOLINT(build/namespaces)

AdmissionResponse Create(const json& object, const UserInfo& user, const ClusterView& view,
                         const config::AdmissionSettings& settings = Settings()) {
  return ValidateJob(JobRequest(Operation::kCreate, user, object), view, settings);
}

// ---- CREATE ------------------------------------------------------------------------------------

TEST(JobValidationTest, AcceptsAValidJob) {
  StaticClusterView view = Cluster();
  AdmissionResponse r = Create(ValidJob().Build(), User("alice"), view);
  EXPECT_TRUE(r.allowed) << r.message;
  EXPECT_EQ(r.uid, "req-1");
}

struct CreateCase {
  std::string name;
  JobJson job;
  UserInfo user;
  int32_t code;
  std::string message;
};

class CreateRuleTest : public ::testing::TestWithParam<CreateCase> {};

TEST_P(CreateRuleTest, DeniesWithTheExactMessage) {
  StaticClusterView view = Cluster();
  view.jobs_by_namespace["ml"] = {
      Job(ValidJob("prep").Status({{"jobID", 7}, {"state", "PENDING"}}).Build()),
      Job(ValidJob("sweep").Set("array", "0-9").Status({{"jobID", 8}}).Build()),
  };
  AdmissionResponse r = Create(GetParam().job.Build(), GetParam().user, view);
  EXPECT_FALSE(r.allowed);
  EXPECT_EQ(r.code, GetParam().code);
  EXPECT_EQ(r.message, GetParam().message);
}

const std::string kArrayForms =
    " (accepted forms: comma-separated N, A-B or A-B:S (step S >= 1), optionally followed by %M "
    "(at most M tasks running), e.g. 0-99, 1,3,5-7, 0-15:4, 1-100:10%3)";

INSTANTIATE_TEST_SUITE_P(
    Identity, CreateRuleTest,
    ::testing::Values(
        CreateCase{"SpoofedUser", ValidJob().Stamped("bob", {"system:authenticated"}),
                   User("alice"), 403,
                   "Access/permission denied (spec.user: spec.user \"bob\" is not the "
                   "authenticated user \"alice\"; only admins may submit on behalf of another "
                   "user)"},
        CreateCase{"SpoofedGroups", ValidJob().Stamped("alice", {"fairway:admins"}), User("alice"),
                   403,
                   "Access/permission denied (spec.groups: spec.groups must be the authenticated "
                   "user's groups; only admins may set them)"},
        CreateCase{"NoUserStamped", ValidJob().Unset("user").Unset("groups"), User("alice"), 403,
                   "Access/permission denied (spec.user: spec.user is empty; the mutating webhook "
                   "mutate.jobs.fairway.dev sets it from the authenticated user)"},
        CreateCase{"NegativeNice", ValidJob().Set("nice", -5), User("alice"), 403,
                   "Invalid --nice value (spec.nice: only admins may set a negative nice)"},
        CreateCase{"LongName", ValidJob(std::string(253, 'a')), User("alice"), 422,
                   "metadata.name: must be no more than 63 characters (it has 253; the Job name "
                   "is the value of the fairway.dev/job label on the job's pods, and Kubernetes "
                   "label values are limited to 63 characters)"}),
    [](const ::testing::TestParamInfo<CreateCase>& info) { return info.param.name; });

INSTANTIATE_TEST_SUITE_P(
    Access, CreateRuleTest,
    ::testing::Values(
        CreateCase{"AccountUserIsNotIn", ValidJob().Set("account", "bio"), User("alice"), 403,
                   "Invalid account or account/partition combination specified (spec.account: "
                   "user \"alice\" is not a member of account \"bio\")"},
        CreateCase{"NoAccount", ValidJob().Unset("account"), User("alice"), 422,
                   "Invalid account or account/partition combination specified (spec.account: no "
                   "account given and user \"alice\" has no default account (an Account naming "
                   "the user in spec.defaultFor, or the only Account listing the user))"},
        CreateCase{"UnknownAccount", ValidJob().Set("account", "chem"), User("alice"), 422,
                   "Invalid account or account/partition combination specified (spec.account: no "
                   "Account \"chem\")"},
        CreateCase{"QosNotAllowedForAccount", ValidJob().Set("qos", "low"), User("alice"), 403,
                   "Invalid qos specification (spec.qos: account \"physics\" allows QoS normal, "
                   "high)"},
        CreateCase{"UnknownQos", ValidJob().Set("qos", "gold"), User("alice"), 422,
                   "Invalid qos specification (spec.qos: no QoS \"gold\")"},
        CreateCase{"UnknownPartition", ValidJob().Set("partition", "cpu"), User("alice"), 422,
                   "Invalid partition name specified (spec.partition: no Partition \"cpu\")"},
        CreateCase{"OneOfTwoPartitionsUnknown", ValidJob().Set("partition", "gpu,cpu"),
                   User("alice"), 422,
                   "Invalid partition name specified (spec.partition: no Partition \"cpu\")"},
        CreateCase{"PartitionDenysAccount",
                   ValidJob()
                       .Stamped("erin", {"bio-lab"})
                       .Set("account", "bio")
                       .Unset("qos")
                       .Set("partition", "physics-only")
                       .Set("timeLimit", "10"),
                   User("erin", {"bio-lab"}), 403,
                   "Invalid account or account/partition combination specified (spec.account: "
                   "partition \"physics-only\" allows accounts physics)"},
        CreateCase{"PartitionGroups", ValidJob().Set("partition", "debug"), User("alice"), 403,
                   "User's group not permitted to use this partition (spec.partition: partition "
                   "\"debug\" allows groups debuggers)"},
        CreateCase{
            "PartitionQos",
            ValidJob().Stamped("alice", {"debuggers"}).Set("partition", "debug").Set("qos", "high"),
            User("alice", {"debuggers"}), 403,
            "Invalid qos specification (spec.qos: partition \"debug\" allows QoS normal)"},
        CreateCase{
            "PartitionNodes",
            ValidJob().Stamped("alice", {"debuggers"}).Set("partition", "debug").Set("nodes", 2),
            User("alice", {"debuggers"}), 422,
            "Node count specification invalid (spec.nodes: partition \"debug\" allows at "
            "most 1 nodes per job)"},
        CreateCase{"DrainedPartition", ValidJob().Set("partition", "drained"), User("alice"), 422,
                   "Required partition not available (inactive or drain) (spec.partition: "
                   "partition \"drained\" is DRAIN)"},
        CreateCase{"TimeOverMaxTime", ValidJob().Set("timeLimit", "99999-00:00:00"), User("alice"),
                   422,
                   "Requested time limit is invalid (missing or exceeds some limit) "
                   "(spec.timeLimit: \"99999-00:00:00\" exceeds MaxTime 2-00:00:00 of partition "
                   "\"gpu\")"},
        CreateCase{"UnlimitedUnderMaxTime", ValidJob().Set("timeLimit", "UNLIMITED"), User("alice"),
                   422,
                   "Requested time limit is invalid (missing or exceeds some limit) "
                   "(spec.timeLimit: \"UNLIMITED\" exceeds MaxTime 2-00:00:00 of partition "
                   "\"gpu\")"}),
    [](const ::testing::TestParamInfo<CreateCase>& info) { return info.param.name; });

INSTANTIATE_TEST_SUITE_P(
    Values, CreateRuleTest,
    ::testing::Values(
        CreateCase{"TimeLimitGarbage", ValidJob().Set("timeLimit", "soon"), User("alice"), 422,
                   "Requested time limit is invalid (missing or exceeds some limit) "
                   "(spec.timeLimit: invalid time limit \"soon\": field \"soon\" is not a "
                   "non-negative number (accepted forms: M, M:S, H:M:S, D-H, D-H:M, D-H:M:S, "
                   "UNLIMITED, INFINITE, -1 or 0))"},
        CreateCase{"ArrayOverMaxArraySize", ValidJob().Set("array", "0-100000000"),
                   User("alice"), 422,
                   "Invalid job array specification (spec.array: invalid array spec "
                   "\"0-100000000\": index 100000000 exceeds MaxArraySize=1001 (indices must "
                   "be 0-1000)" + kArrayForms + ")"},
        CreateCase{"ArrayJustOverMaxArraySize", ValidJob().Set("array", "0-1001"), User("alice"),
                   422,
                   "Invalid job array specification (spec.array: invalid array spec \"0-1001\": "
                   "index 1001 exceeds MaxArraySize=1001 (indices must be 0-1000)" +
                       kArrayForms + ")"},
        CreateCase{"ArrayThrottleZero", ValidJob().Set("array", "0-9%0"), User("alice"), 422,
                   "Invalid job array specification (spec.array: invalid array spec \"0-9%0\": "
                   "task limit %0 must be at least 1" + kArrayForms + ")"},
        CreateCase{"ArrayBackwards", ValidJob().Set("array", "5-1"), User("alice"), 422,
                   "Invalid job array specification (spec.array: invalid array spec \"5-1\": "
                   "range \"5-1\" is reversed (first must be <= last)" + kArrayForms + ")"},
        CreateCase{"BeginGarbage", ValidJob().Set("begin", "not-a-time"), User("alice"), 422,
                   "Invalid time specified (spec.begin: invalid begin time \"not-a-time\": "
                   "unknown word \"not\" (accepted forms: HH:MM[:SS] [AM|PM], midnight, noon, "
                   "elevenses, fika, teatime, today, tomorrow, now, "
                   "now+N[seconds|minutes|hours|days|weeks], now-N[unit], "
                   "YYYY-MM-DD[THH:MM[:SS]], MMDD[YY], MM/DD[/YY], MM.DD[.YY], optionally a date "
                   "followed by a time))"},
        CreateCase{"GresAndGpus", ValidJob().Set("resources", {{"gpus", 1}, {"gres", "gpu:2"}}),
                   User("alice"), 422,
                   "Invalid generic resource (gres) specification (spec.resources.gres: cannot be "
                   "combined with gpus or gpuType)"},
        CreateCase{"TemplateNotAnObject", ValidJob().Set("template", json::array({1, 2})),
                   User("alice"), 422, "spec.template: must be an object (a PodTemplateSpec)"},
        CreateCase{"HiddenGpus", ValidJob().Gpus(0).ContainerGpus(0, 8), User("alice"), 422,
                   "Invalid generic resource (gres) specification (spec.template: the pod "
                   "template asks for 8 nvidia.com/gpu per pod but spec.resources asks for 0 GPUs "
                   "per node; ask for GPUs in spec.resources only (admission copies them into "
                   "the template))"},
        CreateCase{"GpusSpreadOverContainers",
                   ValidJob().Gpus(4).ContainerGpus(0, "4").ContainerGpus(1, 4), User("alice"),
                   422,
                   "Invalid generic resource (gres) specification (spec.template: the pod "
                   "template asks for 8 nvidia.com/gpu per pod but spec.resources asks for 4 GPUs "
                   "per node; ask for GPUs in spec.resources only (admission copies them into "
                   "the template))"},
        CreateCase{"FractionalGpus", ValidJob().Gpus(1).ContainerGpus(0, "0.5"), User("alice"),
                   422,
                   "Invalid generic resource (gres) specification "
                   "(spec.template.spec.containers[0].resources.limits[nvidia.com/gpu]: must be "
                   "a whole number of GPUs, got \"0.5\")"},
        CreateCase{"OtherGpuResource",
                   [] {
                     JobJson j = ValidJob();
                     j.Set("template", {{"spec", {{"containers", {{{"name", "a"},
                                                                   {"resources",
                                                                    {{"limits",
                                                                      {{"amd.com/gpu", 1}}}}}}}}}}});
                     return j;
                   }(),
                   User("alice"), 422,
                   "Invalid generic resource (gres) specification "
                   "(spec.template.spec.containers[0].resources.limits[amd.com/gpu]: only "
                   "nvidia.com/gpu is accounted; ask for GPUs in spec.resources)"}),
    [](const ::testing::TestParamInfo<CreateCase>& info) { return info.param.name; });

INSTANTIATE_TEST_SUITE_P(
    Dependencies, CreateRuleTest,
    ::testing::Values(
        CreateCase{"Garbage", ValidJob().Set("dependency", "afterok:"), User("alice"), 422,
                   "Job dependency problem (spec.dependency: invalid dependency \"afterok:\": "
                   "empty job reference in \"afterok:\" (accepted forms: type:ref[:ref...] with "
                   "type after, afterany, afterok, afternotok or aftercorr; after:ref+minutes; "
                   "singleton; bare ref[:ref...] (= afterany); items joined by ',' (all) or '?' "
                   "(any); a ref is a job id (123), an array task (123_4) or a Job name "
                   "(prep-data)))"},
        CreateCase{"MissingName", ValidJob().Set("dependency", "afterok:no-such-job"),
                   User("alice"), 422,
                   "Job dependency problem (spec.dependency: no Job \"no-such-job\" in namespace "
                   "\"ml\")"},
        CreateCase{"MissingId", ValidJob().Set("dependency", "afterany:99"), User("alice"), 422,
                   "Job dependency problem (spec.dependency: no job with jobID 99 in namespace "
                   "\"ml\")"},
        CreateCase{"MissingArrayTask", ValidJob().Set("dependency", "aftercorr:8_10"),
                   User("alice"), 422,
                   "Job dependency problem (spec.dependency: job 8 has no array task \"8_10\")"},
        CreateCase{"NotAnArray", ValidJob().Set("dependency", "afterok:7_1"), User("alice"), 422,
                   "Job dependency problem (spec.dependency: job 7 has no array task \"7_1\")"},
        CreateCase{"Self", ValidJob("dep3").Set("dependency", "afterok:dep3"), User("alice"), 422,
                   "Job dependency problem (spec.dependency: a job cannot depend on itself "
                   "(\"dep3\"))"}),
    [](const ::testing::TestParamInfo<CreateCase>& info) { return info.param.name; });

TEST(JobValidationTest, ExistingDependenciesPass) {
  StaticClusterView view = Cluster();
  view.jobs_by_namespace["ml"] = {
      Job(ValidJob("prep").Status({{"jobID", 7}}).Build()),
      Job(ValidJob("sweep").Set("array", "0-9").Status({{"jobID", 8}}).Build())};
  for (const char* dep : {"afterok:prep", "afterany:7", "aftercorr:8_3", "after:7+5?singleton",
                          "singleton", "afterok:prep:8"}) {
    AdmissionResponse r = Create(ValidJob().Set("dependency", dep).Build(), User("alice"), view);
    EXPECT_TRUE(r.allowed) << dep << ": " << r.message;
  }
}

TEST(JobValidationTest, MaxArraySizeComesFromTheSettings) {
  StaticClusterView view = Cluster();
  config::AdmissionSettings settings;
  settings.max_array_size = 100000;
  EXPECT_TRUE(
      Create(ValidJob().Set("array", "0-99999").Build(), User("alice"), view, settings).allowed);
  settings.max_array_size = 10;
  EXPECT_FALSE(
      Create(ValidJob().Set("array", "0-10").Build(), User("alice"), view, settings).allowed);
}

TEST(JobValidationTest, AdminMaySubmitForAUserWithANegativeNice) {
  StaticClusterView view = Cluster();
  AdmissionResponse r =
      Create(ValidJob().Stamped("bob", {"physicists"}).Set("nice", -100).Build(), Admin(), view);
  EXPECT_TRUE(r.allowed) << r.message;
}

TEST(JobValidationTest, AdminSubmittingForAUserStillNeedsTheUsersAccount) {
  StaticClusterView view = Cluster();
  AdmissionResponse r =
      Create(ValidJob().Stamped("bob").Set("account", "bio").Build(), Admin(), view);
  EXPECT_FALSE(r.allowed);
  EXPECT_EQ(r.message,
            "Invalid account or account/partition combination specified (spec.account: user "
            "\"bob\" is not a member of account \"bio\")");
}

TEST(JobValidationTest, MembershipThroughGroupsSubAccountsAndOpenAccounts) {
  StaticClusterView view = Cluster();
  // bio lists the group bio-lab.
  EXPECT_TRUE(
      Create(ValidJob().Stamped("erin", {"bio-lab"}).Set("account", "bio").Unset("qos").Build(),
             User("erin", {"bio-lab"}), view)
          .allowed);
  // open lists nobody: anyone.
  EXPECT_TRUE(
      Create(ValidJob().Stamped("zed").Set("account", "open").Build(), User("zed", {}), view)
          .allowed);
  // physics-only allows physics; astro lies below it.
  AdmissionResponse r = Create(ValidJob()
                                   .Set("account", "astro")
                                   .Set("qos", "high")
                                   .Set("partition", "physics-only")
                                   .Build(),
                               User("alice"), view);
  EXPECT_TRUE(r.allowed) << r.message;
}

TEST(JobValidationTest, NoDefaultPartition) {
  StaticClusterView view = Cluster();
  view.partitions.erase("gpu");
  AdmissionResponse r = Create(ValidJob().Unset("partition").Build(), User("alice"), view);
  EXPECT_EQ(r.message,
            "No partition specified or system default partition (spec.partition: no partition "
            "given and no Partition has spec.default)");
}

TEST(JobValidationTest, MatchingTemplateGpusPass) {
  StaticClusterView view = Cluster();
  json sidecar = ValidJob().Gpus(2).ContainerGpus(0, 1).Build();
  sidecar["spec"]["template"]["spec"]["initContainers"] =
      json::array({{{"name", "side"},
                    {"restartPolicy", "Always"},
                    {"resources", {{"limits", {{"nvidia.com/gpu", 1}}}}}},
                   {{"name", "init"}, {"resources", {{"requests", {{"nvidia.com/gpu", "2"}}}}}}});
  EXPECT_TRUE(Create(sidecar, User("alice"), view).allowed);
  json gres = ValidJob().Set("resources", {{"gres", "gpu:a100:3"}}).ContainerGpus(0, 3).Build();
  EXPECT_TRUE(Create(gres, User("alice"), view).allowed);
}

// ---- UPDATE ------------------------------------------------------------------------------------

// A running job of alice's, as stored.
json RunningJob() {
  return ValidJob("spoof")
      .Set("timeLimit", "30:00")
      .Set("nice", 10)
      .Annotation("fairway.dev/sim-duration", "600")
      .Status({{"jobID", 12}, {"state", "RUNNING"}, {"startTime", "2025-03-01T10:00:00Z"}})
      .Build();
}

json PendingJob() {
  return ValidJob("spoof").Set("nice", 10).Status({{"jobID", 12}, {"state", "PENDING"}}).Build();
}

json With(json object, const std::string& pointer, json value) {
  object[json::json_pointer(pointer)] = std::move(value);
  return object;
}

AdmissionResponse Update(const json& old_object, const json& object, const UserInfo& user,
                         const ClusterView& view) {
  return ValidateJob(JobRequest(Operation::kUpdate, user, object, old_object), view, Settings());
}

struct UpdateCase {
  std::string name;
  json old_object;
  json object;
  UserInfo user;
  bool allowed;
  std::string message;
};

class UpdateRuleTest : public ::testing::TestWithParam<UpdateCase> {};

TEST_P(UpdateRuleTest, Decides) {
  StaticClusterView view = Cluster();
  AdmissionResponse r = Update(GetParam().old_object, GetParam().object, GetParam().user, view);
  EXPECT_EQ(r.allowed, GetParam().allowed) << r.message;
  EXPECT_EQ(r.message, GetParam().message);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, UpdateRuleTest,
    ::testing::Values(
        UpdateCase{"OtherUserHolds", RunningJob(), With(RunningJob(), "/spec/hold", true),
                   User("bob"), false,
                   "Access/permission denied (spec.hold: only the job's owner \"alice\" or an "
                   "admin may change it)"},
        UpdateCase{"OtherUserCancels", RunningJob(),
                   With(RunningJob(), "/metadata/annotations/fairway.dev~1cancel", "now"),
                   User("bob"), false,
                   "Access/permission denied (metadata.annotations[fairway.dev/cancel]: only the "
                   "job's owner \"alice\" or an admin may change it)"},
        UpdateCase{"OtherUserRequeues", RunningJob(),
                   With(RunningJob(), "/metadata/annotations/fairway.dev~1requeue", "t1"),
                   User("bob"), false,
                   "Access/permission denied (metadata.annotations[fairway.dev/requeue]: only "
                   "the job's owner \"alice\" or an admin may change it)"},
        UpdateCase{"OtherUserRemovesAnAnnotation",
                   With(RunningJob(), "/metadata/annotations/fairway.dev~1hold-tasks", "1"),
                   RunningJob(), User("bob"), false,
                   "Access/permission denied (metadata.annotations[fairway.dev/hold-tasks]: only "
                   "the job's owner \"alice\" or an admin may change it)"},
        UpdateCase{"OtherUserChangesNice", RunningJob(), With(RunningJob(), "/spec/nice", 1000),
                   User("bob"), false,
                   "Access/permission denied (spec.nice: only the job's owner \"alice\" or an "
                   "admin may change it)"},
        UpdateCase{"OtherUserReleasesAJobThatIsNotHeld", RunningJob(), RunningJob(), User("bob"),
                   false,
                   "Access/permission denied (only the job's owner \"alice\" or an admin may "
                   "change it)"},
        UpdateCase{"OtherUserLabels", RunningJob(),
                   With(RunningJob(), "/metadata/labels/team", "x"), User("bob"), false,
                   "Access/permission denied (only the job's owner \"alice\" or an admin may "
                   "change it)"},
        UpdateCase{"GarbageCollectorRemovesAFinalizer",
                   With(RunningJob(), "/metadata/finalizers", {"orphan"}), RunningJob(),
                   User("system:serviceaccount:kube-system:generic-garbage-collector"), true, ""},
        UpdateCase{"GarbageCollectorMayNotCancel", RunningJob(),
                   With(RunningJob(), "/metadata/annotations/fairway.dev~1cancel", "now"),
                   User("system:serviceaccount:kube-system:generic-garbage-collector"), false,
                   "Access/permission denied (metadata.annotations[fairway.dev/cancel]: only the "
                   "job's owner \"alice\" or an admin may change it)"},
        UpdateCase{"OwnerCancels", RunningJob(),
                   With(RunningJob(), "/metadata/annotations/fairway.dev~1cancel", "now"),
                   User("alice"), true, ""},
        UpdateCase{"OwnerHolds", RunningJob(), With(RunningJob(), "/spec/hold", true),
                   User("alice"), true, ""},
        UpdateCase{"AdminHolds", RunningJob(), With(RunningJob(), "/spec/hold", true), Admin(),
                   true, ""},
        UpdateCase{"OwnerChangesUser", PendingJob(), With(PendingJob(), "/spec/user", "bob"),
                   User("alice"), false,
                   "Access/permission denied (spec.user: set from the authenticated user at "
                   "submission; only admins may change it)"},
        UpdateCase{"OwnerWritesPreemptedBy", PendingJob(),
                   With(PendingJob(), "/metadata/annotations/fairway.dev~1preempted-by", "x"),
                   User("alice"), false,
                   "Access/permission denied (metadata.annotations[fairway.dev/preempted-by]: "
                   "written by the operator; only admins may change it)"},
        UpdateCase{"AccountAfterStart", RunningJob(), With(RunningJob(), "/spec/account", "open"),
                   User("alice"), false,
                   "Job is no longer pending execution (spec.account: cannot change while the job "
                   "is running)"},
        UpdateCase{"AdminAccountAfterStart", RunningJob(),
                   With(RunningJob(), "/spec/account", "open"), Admin(), false,
                   "Job is no longer pending execution (spec.account: cannot change while the job "
                   "is running)"},
        UpdateCase{"ResourcesAfterEnd", With(RunningJob(), "/status/state", "COMPLETED"),
                   With(With(RunningJob(), "/status/state", "COMPLETED"), "/spec/resources",
                        {{"gpus", 1}}),
                   User("alice"), false,
                   "Job is no longer pending execution (spec.resources: cannot change once the "
                   "job has started)"},
        UpdateCase{"AccountWhilePending", PendingJob(), With(PendingJob(), "/spec/account", "open"),
                   User("alice"), true, ""},
        UpdateCase{"AccountWhilePendingNotAMember", PendingJob(),
                   With(PendingJob(), "/spec/account", "bio"), User("alice"), false,
                   "Invalid account or account/partition combination specified (spec.account: "
                   "user \"alice\" is not a member of account \"bio\")"},
        UpdateCase{"OwnerRaisesTimeLimit", RunningJob(),
                   With(RunningJob(), "/spec/timeLimit", "1:00:00"), User("alice"), false,
                   "Requested time limit is invalid (missing or exceeds some limit) "
                   "(spec.timeLimit: only admins may raise the time limit (from 30:00 to "
                   "1:00:00))"},
        UpdateCase{"OwnerClearsTimeLimitToALongerDefault", RunningJob(),
                   With(RunningJob(), "/spec/timeLimit", ""), User("alice"), false,
                   "Requested time limit is invalid (missing or exceeds some limit) "
                   "(spec.timeLimit: only admins may raise the time limit (from 30:00 to "
                   "1:00:00))"},
        UpdateCase{"OwnerLowersTimeLimit", RunningJob(),
                   With(RunningJob(), "/spec/timeLimit", "20:00"), User("alice"), true, ""},
        UpdateCase{"AdminRaisesTimeLimitPastMaxTime", RunningJob(),
                   With(RunningJob(), "/spec/timeLimit", "10-00:00:00"), Admin(), true, ""},
        UpdateCase{"OwnerRaisesNice", RunningJob(), With(RunningJob(), "/spec/nice", 20),
                   User("alice"), true, ""},
        UpdateCase{"OwnerLowersNice", RunningJob(), With(RunningJob(), "/spec/nice", 0),
                   User("alice"), false,
                   "Access/permission denied (spec.nice: only admins may lower nice (from 10 to "
                   "0))"},
        UpdateCase{"OwnerNegativeNice", With(RunningJob(), "/spec/nice", -20),
                   With(RunningJob(), "/spec/nice", -5), User("alice"), false,
                   "Access/permission denied (spec.nice: only admins may set a negative nice)"},
        UpdateCase{"AdminLowersNice", RunningJob(), With(RunningJob(), "/spec/nice", -1000),
                   Admin(), true, ""},
        UpdateCase{"BadTaskList", PendingJob(),
                   With(PendingJob(), "/metadata/annotations/fairway.dev~1cancel-tasks", "x"),
                   User("alice"), false,
                   "Invalid job array specification "
                   "(metadata.annotations[fairway.dev/cancel-tasks]: invalid array spec \"x\": "
                   "index \"x\" in \"x\" is not a non-negative number" +
                       kArrayForms + ")"},
        UpdateCase{
            "OwnerHidesGpus", PendingJob(),
            With(PendingJob(), "/spec/template",
                 {{"spec",
                   {{"containers",
                     {{{"name", "a"}, {"resources", {{"limits", {{"nvidia.com/gpu", 8}}}}}}}}}}}),
            User("alice"), false,
            "Invalid generic resource (gres) specification (spec.template: the pod "
            "template asks for 8 nvidia.com/gpu per pod but spec.resources asks for 0 GPUs "
            "per node; ask for GPUs in spec.resources only (admission copies them into "
            "the template))"}),
    [](const ::testing::TestParamInfo<UpdateCase>& info) { return info.param.name; });

TEST(JobValidationTest, RuleTightenedAfterSubmissionDoesNotBlockACancel) {
  StaticClusterView view = Cluster();
  // alice's job in physics, then physics stops listing alice.
  view.accounts["physics"] = Account({{"users", {"bob"}}}, "physics");
  json old_object = PendingJob();
  AdmissionResponse r =
      Update(old_object, With(old_object, "/metadata/annotations/fairway.dev~1cancel", "now"),
             User("alice"), view);
  EXPECT_TRUE(r.allowed) << r.message;
}

TEST(JobValidationTest, CircularDependencyThroughAnUpdate) {
  StaticClusterView view = Cluster();
  json a = ValidJob("cyc-a").Status({{"jobID", 1}, {"state", "RUNNING"}}).Build();
  json b = ValidJob("cyc-b").Set("dependency", "afterok:cyc-a").Status({{"jobID", 2}}).Build();
  json c = ValidJob("cyc-c").Set("dependency", "afterany:2").Status({{"jobID", 3}}).Build();
  view.jobs_by_namespace["ml"] = {Job(a), Job(b), Job(c)};
  AdmissionResponse r =
      Update(a, With(a, "/spec/dependency", "afterok:cyc-c"), User("alice"), view);
  EXPECT_FALSE(r.allowed);
  EXPECT_EQ(r.message,
            "Job dependency problem (spec.dependency: Circular job dependency: cyc-a -> cyc-c -> "
            "cyc-b -> cyc-a)");
  // Through the job's own jobID.
  r = Update(b, With(b, "/spec/dependency", "afterok:2"), User("alice"), view);
  EXPECT_EQ(r.message,
            "Job dependency problem (spec.dependency: a job cannot depend on itself (\"2\"))");
  // An ended job does not close a cycle: its dependencies wait on nothing any more.
  view.jobs_by_namespace["ml"][2] = Job(With(c, "/status/state", "COMPLETED"));
  EXPECT_TRUE(Update(a, With(a, "/spec/dependency", "afterok:cyc-c"), User("alice"), view).allowed);
}

TEST(JobValidationTest, LoweredMaxArraySizeOnlyChecksChangedArrays) {
  StaticClusterView view = Cluster();
  config::AdmissionSettings settings;
  settings.max_array_size = 10;  // lowered after the job was submitted
  json old_object = With(PendingJob(), "/spec/array", "0-99");
  AdmissionResponse r = ValidateJob(
      JobRequest(Operation::kUpdate, User("alice"),
                 With(old_object, "/metadata/annotations/fairway.dev~1cancel-tasks", "3"),
                 old_object),
      view, settings);
  EXPECT_TRUE(r.allowed) << r.message;
  r = ValidateJob(JobRequest(Operation::kUpdate, User("alice"),
                             With(old_object, "/spec/array", "0-50"), old_object),
                  view, settings);
  EXPECT_FALSE(r.allowed);
  EXPECT_EQ(r.message.rfind("Invalid job array specification (spec.array: invalid array spec "
                            "\"0-50\": index 50 exceeds MaxArraySize=10",
                            0),
            0u)
      << r.message;
}

TEST(JobValidationTest, UndecodableStoredJobOnlyForAdmins) {
  StaticClusterView view = Cluster();
  json old_object = With(PendingJob(), "/spec/timeLimit", "garbage");
  json object = With(old_object, "/spec/timeLimit", "10");
  EXPECT_TRUE(Update(old_object, object, Admin(), view).allowed);
  AdmissionResponse r = Update(old_object, object, User("alice"), view);
  EXPECT_FALSE(r.allowed);
  EXPECT_EQ(r.code, 403);
}

// ---- DELETE ------------------------------------------------------------------------------------

TEST(JobValidationTest, DeleteByOwnerAdminOrClusterCleanupOnly) {
  StaticClusterView view = Cluster();
  json stored = RunningJob();
  auto del = [&](const UserInfo& u) {
    return ValidateJob(JobRequest(Operation::kDelete, u, nullptr, stored), view, Settings());
  };
  EXPECT_TRUE(del(User("alice")).allowed);
  EXPECT_TRUE(del(Admin()).allowed);
  EXPECT_TRUE(del(User("system:serviceaccount:kube-system:namespace-controller")).allowed);
  AdmissionResponse r = del(User("bob"));
  EXPECT_FALSE(r.allowed);
  EXPECT_EQ(r.code, 403);
  EXPECT_EQ(r.message,
            "Access/permission denied (only the job's owner \"alice\" or an admin may delete it)");
  stored = nullptr;
  EXPECT_EQ(del(User("alice")).message,
            "Access/permission denied (the job's owner is unknown; only an admin may delete it)");
}

TEST(JobValidationTest, StatusSubresourceIsNotValidated) {
  StaticClusterView view = Cluster();
  AdmissionRequest r = JobRequest(Operation::kUpdate, User("bob"), RunningJob(), PendingJob());
  r.sub_resource = "status";
  EXPECT_TRUE(ValidateJob(r, view, Settings()).allowed);
}

}  // namespace
}  // namespace fairway::webhook
