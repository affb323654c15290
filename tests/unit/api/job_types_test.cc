#include "api/job_types.h"

#include <gtest/gtest.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "tests/unit/api/parser_test_util.h"

namespace fairway::api {
namespace {

using nlohmann::json;
using std::chrono::hours;
using std::chrono::minutes;
using testing::StatusIs;

constexpr core::Timestamp kCreated{core::Seconds(1740823200)};  // 2025-03-01T10:00:00Z

json BaseJob() {
  return json::parse(R"({
    "apiVersion": "fairway.dev/v1alpha1",
    "kind": "Job",
    "metadata": {"name": "train", "namespace": "ml", "uid": "u-1",
                 "creationTimestamp": "2025-03-01T10:00:00Z"},
    "spec": {
      "partition": "gpu,debug",
      "account": "physics",
      "qos": "high",
      "timeLimit": "1:30:00",
      "nodes": 2,
      "resources": {"gpus": 8, "gpuType": "a100", "cpu": "500m", "memory": "64Gi"},
      "nice": 10,
      "exclusive": true,
      "constraint": {"fabric": "ib"},
      "template": {"spec": {"containers": [{"name": "main", "image": "busybox"}],
                            "tolerations": [{"key": "nvidia.com/gpu", "operator": "Exists",
                                             "effect": "NoSchedule"}]}},
      "user": "alice",
      "groups": ["physics", "system:authenticated"]
    }
  })");
}

// Applies `patch` (RFC 7386 merge patch) to the base job.
json Patched(const json& patch) {
  json j = BaseJob();
  j.merge_patch(patch);
  return j;
}

TEST(JobTypesTest, DecodesEveryField) {
  StatusOr<JobObject> job = JobFromJson(BaseJob());
  ASSERT_TRUE(job.ok()) << job.status();
  EXPECT_EQ(job->meta.Key(), "ml/train");
  EXPECT_EQ(job->spec.partition, "gpu,debug");
  EXPECT_EQ(job->spec.time_limit, "1:30:00");
  EXPECT_EQ(job->spec.nodes, 2);
  EXPECT_EQ(job->spec.resources.gpus, 8);
  EXPECT_EQ(job->spec.resources.cpu, "500m");
  EXPECT_EQ(job->spec.nice, 10);
  EXPECT_TRUE(job->spec.requeue);  // default
  EXPECT_FALSE(job->spec.hold);    // default
  EXPECT_EQ(job->spec.constraint.at("fabric"), "ib");
  EXPECT_EQ(job->spec.groups.size(), 2u);
}

TEST(JobTypesTest, DefaultsForAnEmptyJob) {
  StatusOr<JobObject> job = JobFromJson(json::object());
  ASSERT_TRUE(job.ok()) << job.status();
  EXPECT_EQ(job->spec.nodes, 1);
  EXPECT_EQ(job->spec.nice, 0);
  EXPECT_TRUE(job->spec.requeue);
  EXPECT_FALSE(job->spec.hold);
  EXPECT_FALSE(job->spec.exclusive);
  EXPECT_EQ(job->spec.resources.gpus, 0);
  EXPECT_FALSE(job->status.state.has_value());
}

TEST(JobTypesTest, AcceptsValidVariants) {
  const std::vector<json> patches = {
      {{"spec", {{"timeLimit", "UNLIMITED"}}}},
      {{"spec", {{"timeLimit", "2-00:00:00"}}}},
      {{"spec", {{"partition", nullptr}}}},  // default partition
      {{"spec", {{"array", "0-99:2%10"}}}},
      {{"spec", {{"begin", "now+1hour"}}}},
      {{"spec", {{"begin", "2025-03-01T10:00"}}}},
      {{"spec", {{"begin", "tomorrow noon"}}}},
      {{"spec", {{"dependency", "afterok:prep:123,singleton"}}}},
      {{"spec", {{"dependency", "afterany:7?afternotok:8_2"}}}},
      {{"spec",
        {{"resources", {{"gpus", nullptr}, {"gpuType", nullptr}, {"gres", "gpu:h100:4"}}}}}},
      {{"spec", {{"resources", {{"cpu", 4}, {"memory", 1073741824}}}}}},
      {{"spec", {{"resources", {{"cpu", 0.5}}}}}},
      {{"spec", {{"nodes", 4.0}}}},  // integral float
      {{"spec", {{"nice", -100}}}},
      {{"spec", {{"user", "system:serviceaccount:ml:runner"}}}},
      {{"spec", {{"template", {{"metadata", {{"labels", {{"a", "b"}}}}}}}}}},
      {{"metadata", {{"unknownField", 1}}}, {"spec", {{"unknownField", true}}}},  // pruned
      {{"status", {{"state", "RUNNING"}, {"jobID", 42}, {"nodeList", "n1,n2"}}}},
  };
  for (const json& patch : patches) {
    SCOPED_TRACE(patch.dump());
    StatusOr<JobObject> job = JobFromJson(Patched(patch));
    EXPECT_TRUE(job.ok()) << job.status();
  }
}

struct BadCase {
  json patch;  // merge patch applied to BaseJob()
  std::string field;
  std::string message;  // substring of the message
};

TEST(JobTypesTest, RejectsMalformedJobsNamingTheField) {
  const std::vector<BadCase> cases = {
      {{{"apiVersion", "batch/v1"}}, "apiVersion", "fairway.dev/v1alpha1"},
      {{{"kind", "Pod"}}, "kind", "Job"},
      {{{"metadata", "x"}}, "metadata", "object"},
      {{{"metadata", {{"labels", {{"team", 3}}}}}}, "metadata.labels.team", "string"},
      {{{"metadata", {{"creationTimestamp", "yesterday"}}}},
       "metadata.creationTimestamp",
       "RFC 3339"},
      {{{"metadata", {{"generation", -1}}}}, "metadata.generation", "at least 0"},
      {{{"metadata", {{"ownerReferences", {{{"kind", "X"}}}}}}},
       "metadata.ownerReferences[0].apiVersion",
       "required"},
      {{{"spec", "oops"}}, "spec", "object"},
      {{{"spec", {{"jobName", "two\nlines"}}}}, "spec.jobName", "control characters"},
      {{{"spec", {{"jobName", std::string(257, 'x')}}}}, "spec.jobName", "at most 256"},
      {{{"spec", {{"partition", "GPU"}}}}, "spec.partition", "partition"},
      {{{"spec", {{"partition", "gpu,,debug"}}}}, "spec.partition", "partition"},
      {{{"spec", {{"partition", 7}}}}, "spec.partition", "string"},
      {{{"spec", {{"account", "Physics Dept"}}}}, "spec.account", "DNS-1123"},
      {{{"spec", {{"qos", "-high"}}}}, "spec.qos", "DNS-1123"},
      {{{"spec", {{"timeLimit", "1h"}}}}, "spec.timeLimit", ""},
      {{{"spec", {{"timeLimit", 60}}}}, "spec.timeLimit", "string"},
      {{{"spec", {{"nodes", 0}}}}, "spec.nodes", "at least 1"},
      {{{"spec", {{"nodes", -3}}}}, "spec.nodes", "at least 1"},
      {{{"spec", {{"nodes", 1.5}}}}, "spec.nodes", "integer"},
      {{{"spec", {{"nodes", "4"}}}}, "spec.nodes", "integer"},
      {{{"spec", {{"nodes", 1000000}}}}, "spec.nodes", "at most"},
      {{{"spec", {{"nodes", 18446744073709551615ULL}}}}, "spec.nodes", "at most"},
      {{{"spec", {{"resources", {{"gpus", -1}}}}}}, "spec.resources.gpus", "at least 0"},
      {{{"spec", {{"resources", {{"gpuType", "a 100"}}}}}}, "spec.resources.gpuType", ""},
      {{{"spec", {{"resources", {{"gres", "gpu:a100:2"}}}}}},
       "spec.resources.gres",
       "cannot be combined"},
      {{{"spec", {{"resources", {{"gpus", nullptr}, {"gpuType", nullptr}, {"gres", "mps:2"}}}}}},
       "spec.resources.gres",
       ""},
      {{{"spec", {{"resources", {{"cpu", "lots"}}}}}}, "spec.resources.cpu", ""},
      {{{"spec", {{"resources", {{"cpu", true}}}}}}, "spec.resources.cpu", "quantity"},
      {{{"spec", {{"resources", {{"memory", "-1Gi"}}}}}}, "spec.resources.memory", ""},
      {{{"spec", {{"resources", "8 gpus"}}}}, "spec.resources", "object"},
      {{{"spec", {{"array", "0-99%"}}}}, "spec.array", ""},
      {{{"spec", {{"array", "5-1"}}}}, "spec.array", ""},
      {{{"spec", {{"begin", "whenever"}}}}, "spec.begin", ""},
      {{{"spec", {{"dependency", "afterok"}}}}, "spec.dependency", ""},
      {{{"spec", {{"dependency", "afterok:1,afterany:2?after:3"}}}}, "spec.dependency", ""},
      {{{"spec", {{"hold", "yes"}}}}, "spec.hold", "boolean"},
      {{{"spec", {{"requeue", 1}}}}, "spec.requeue", "boolean"},
      {{{"spec", {{"nice", 3000000000LL}}}}, "spec.nice", "at most"},
      {{{"spec", {{"constraint", {{"zone", 1}}}}}}, "spec.constraint.zone", "string"},
      {{{"spec", {{"constraint", {"a", "b"}}}}}, "spec.constraint", "map"},
      {{{"spec", {{"template", "image: busybox"}}}}, "spec.template", "PodTemplateSpec"},
      {{{"spec", {{"template", {{"spec", {{"tolerations", {{{"operator", "Maybe"}}}}}}}}}}},
       "spec.template.spec.tolerations[0].operator",
       "Equal or Exists"},
      {{{"spec",
         {{"template", {{"spec", {{"tolerations", {{{"key", "k"}, {"effect", "Never"}}}}}}}}}}},
       "spec.template.spec.tolerations[0].effect",
       "NoSchedule"},
      {{{"spec", {{"user", "alice smith"}}}}, "spec.user", "user"},
      {{{"spec", {{"groups", {"ok", 5}}}}}, "spec.groups[1]", "string"},
      {{{"spec", {{"groups", "physics"}}}}, "spec.groups", "list"},
      {{{"status", 5}}, "status", "object"},
      {{{"status", {{"state", "SLEEPING"}}}}, "status.state", "unknown job state"},
      {{{"status", {{"state", 1}}}}, "status.state", "string"},
      {{{"status", {{"jobID", -5}}}}, "status.jobID", "at least 0"},
      {{{"status", {{"priority", 4294967296LL}}}}, "status.priority", "at most"},
      {{{"status", {{"restarts", -1}}}}, "status.restarts", "at least 0"},
      {{{"status", {{"exitCode", 1e12}}}}, "status.exitCode", "at most"},
      {{{"status", {{"startTime", "2025-02-30T00:00:00Z"}}}}, "status.startTime", "RFC 3339"},
      {{{"status", {{"priorityFactors", {{"age", "high"}}}}}},
       "status.priorityFactors.age",
       "number"},
      {{{"status", {{"array", {{"taskCounts", {{"WAITING", 3}}}}}}}},
       "status.array.taskCounts.WAITING",
       "unknown job state"},
      {{{"status", {{"array", {{"taskCounts", {{"PENDING", -3}}}}}}}},
       "status.array.taskCounts.PENDING",
       "at least 0"},
      {{{"status", {{"array", {{"taskIndices", {{"COMPLETED", "0-"}}}}}}}},
       "status.array.taskIndices.COMPLETED",
       ""},
      {{{"status", {{"array", {{"tasks", {{{"state", "RUNNING"}}}}}}}}},
       "status.array.tasks[0].index",
       "required"},
      {{{"status", {{"array", {{"tasks", {{{"index", 1}, {"state", "NOPE"}}}}}}}}},
       "status.array.tasks[0].state",
       "unknown job state"},
      {{{"status", {{"conditions", {{{"type", "Ready"}, {"status", "Yes"}}}}}}},
       "status.conditions[0].status",
       "True, False, Unknown"},
      {{{"status", {{"conditions", {{{"status", "True"}}}}}}},
       "status.conditions[0].type",
       "required"},
      {{{"status",
         {{"conditions",
           {{{"type", "A"}, {"status", "True"}}, {{"type", "A"}, {"status", "False"}}}}}}},
       "status.conditions[1].type",
       "duplicate"},
  };
  for (const BadCase& c : cases) {
    SCOPED_TRACE(c.patch.dump());
    StatusOr<JobObject> job = JobFromJson(Patched(c.patch));
    ASSERT_FALSE(job.ok());
    EXPECT_TRUE(StatusIs(job.status(), StatusCode::kInvalidArgument, c.message));
    EXPECT_EQ(job.status().field(), c.field) << job.status();
  }
}

TEST(JobTypesTest, RejectsNonObjects) {
  for (const json& j : {json(nullptr), json(1), json("job"), json::array()}) {
    EXPECT_TRUE(StatusIs(JobFromJson(j).status(), StatusCode::kInvalidArgument, "object"));
  }
}

TEST(JobTypesTest, ConvertsToCoreJob) {
  StatusOr<JobObject> job = JobFromJson(BaseJob());
  ASSERT_TRUE(job.ok()) << job.status();
  StatusOr<core::Job> c = ToCoreJob(*job);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->key, "ml/train");
  EXPECT_EQ(c->name, "train");
  EXPECT_EQ(c->user.str(), "alice");
  EXPECT_EQ(c->groups.size(), 2u);
  EXPECT_EQ(c->account.str(), "physics");
  EXPECT_EQ(c->qos.str(), "high");
  ASSERT_EQ(c->partitions.size(), 2u);
  EXPECT_EQ(c->partitions[0].str(), "gpu");
  EXPECT_EQ(c->partitions[1].str(), "debug");
  EXPECT_EQ(c->node_count, 2);
  EXPECT_EQ(c->per_node, (core::Resources{500, 64LL << 30, 8}));
  EXPECT_EQ(c->gpu_type, "a100");
  EXPECT_EQ(c->constraint.at("fabric"), "ib");
  ASSERT_EQ(c->tolerations.size(), 1u);
  EXPECT_EQ(c->tolerations[0].op, core::Toleration::Operator::kExists);
  EXPECT_EQ(c->tolerations[0].effect, core::TaintEffect::kNoSchedule);
  EXPECT_TRUE(c->exclusive);
  EXPECT_EQ(c->time_limit, core::Seconds(minutes(90)));
  EXPECT_EQ(c->submit_time, kCreated);
  EXPECT_FALSE(c->begin_time.has_value());
  EXPECT_EQ(c->nice, 10);
  EXPECT_EQ(c->hold, core::HoldKind::kNone);
  EXPECT_EQ(c->state, core::JobState::kPending);
  EXPECT_TRUE(c->allocated_nodes.empty());
}

TEST(JobTypesTest, CoreConversionCases) {
  struct Case {
    std::string name;
    json patch;
    std::function<void(const core::Job&)> check;
  };
  const std::vector<Case> cases = {
      {"unlimited time is no limit",
       {{"spec", {{"timeLimit", "UNLIMITED"}}}},
       [](const core::Job& j) { EXPECT_FALSE(j.time_limit.has_value()); }},
      {"no time limit",
       {{"spec", {{"timeLimit", nullptr}}}},
       [](const core::Job& j) { EXPECT_FALSE(j.time_limit.has_value()); }},
      {"begin relative to creation",
       {{"spec", {{"begin", "now+10minutes"}}}},
       [](const core::Job& j) { EXPECT_EQ(j.begin_time, kCreated + minutes(10)); }},
      // status.submitTime moves on a requeue (issue #16); a relative begin stays put.
      {"begin relative to creation, not to a later status.submitTime",
       {{"spec", {{"begin", "now+1hour"}}}, {"status", {{"submitTime", "2025-03-02T00:00:00Z"}}}},
       [](const core::Job& j) {
         EXPECT_EQ(j.submit_time, kCreated + hours(14));
         EXPECT_EQ(j.begin_time, kCreated + hours(1));
       }},
      {"held",
       {{"spec", {{"hold", true}}}},
       [](const core::Job& j) { EXPECT_EQ(j.hold, core::HoldKind::kUser); }},
      {"gres folds into gpus",
       {{"spec",
         {{"resources", {{"gpus", nullptr}, {"gpuType", nullptr}, {"gres", "gpu:h100:4"}}}}}},
       [](const core::Job& j) {
         EXPECT_EQ(j.per_node.gpus, 4);
         EXPECT_EQ(j.gpu_type, "h100");
       }},
      {"default partition",
       {{"spec", {{"partition", ""}}}},
       [](const core::Job& j) { EXPECT_TRUE(j.partitions.empty()); }},
      {"running job carries its allocation",
       {{"status",
         {{"jobID", 77},
          {"state", "RUNNING"},
          {"partition", "gpu"},
          {"startTime", "2025-03-01T10:05:00Z"},
          {"eligibleTime", "2025-03-01T10:00:30Z"},
          {"nodeList", "node-a,node-b"}}}},
       [](const core::Job& j) {
         EXPECT_EQ(j.id.value, 77u);
         EXPECT_EQ(j.state, core::JobState::kRunning);
         EXPECT_EQ(j.running_partition.str(), "gpu");
         EXPECT_EQ(j.start_time, kCreated + minutes(5));
         EXPECT_EQ(j.eligible_time, kCreated + core::Seconds(30));
         ASSERT_EQ(j.allocated_nodes.size(), 2u);
         EXPECT_EQ(j.allocated_nodes[1].str(), "node-b");
       }},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    StatusOr<JobObject> job = JobFromJson(Patched(c.patch));
    ASSERT_TRUE(job.ok()) << job.status();
    StatusOr<core::Job> core_job = ToCoreJob(*job);
    ASSERT_TRUE(core_job.ok()) << core_job.status();
    c.check(*core_job);
  }
}

TEST(JobTypesTest, SubmitTimeFallsBackToOptionsNow) {
  JobObject job;
  job.meta.name = "x";
  core::Timestamp now = kCreated + hours(3);
  StatusOr<core::Job> c = ToCoreJob(job, {.now = now});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->submit_time, now);
}

// Issue #16: spec.jobName is Slurm's free-text --job-name; without it the name is
// metadata.name. The core sees it as Job::name (squeue NAME, --dependency=singleton).
TEST(JobTypesTest, JobNameDefaultsToMetadataName) {
  StatusOr<JobObject> plain = JobFromJson(BaseJob());
  ASSERT_TRUE(plain.ok()) << plain.status();
  EXPECT_EQ(JobName(*plain), "train");
  StatusOr<JobObject> named = JobFromJson(Patched({{"spec", {{"jobName", "My Job_1 (v2)"}}}}));
  ASSERT_TRUE(named.ok()) << named.status();
  EXPECT_EQ(JobName(*named), "My Job_1 (v2)");
  StatusOr<core::Job> c = ToCoreJob(*named);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->name, "My Job_1 (v2)");
  EXPECT_EQ(c->key, "ml/train");
  EXPECT_EQ(ToJson(*named)["spec"]["jobName"], "My Job_1 (v2)");
  EXPECT_FALSE(ToJson(*plain)["spec"].contains("jobName"));
}

TEST(JobTypesTest, ToCoreJobRejectsHandBuiltBadSpecs) {
  JobObject job;
  job.spec.time_limit = "forever";
  EXPECT_EQ(ToCoreJob(job).status().field(), "spec.timeLimit");
  job = JobObject();
  job.spec.resources.memory = "lots";
  EXPECT_EQ(ToCoreJob(job).status().field(), "spec.resources.memory");
  job = JobObject();
  job.status.state = core::JobState::kRunning;
  job.status.node_list = "a,,b";
  EXPECT_EQ(ToCoreJob(job).status().field(), "status.nodeList");
}

TEST(JobTypesTest, StatusRoundTrips) {
  JobStatus s;
  s.job_id = 1234;
  s.state = core::JobState::kRunning;
  s.reason = "None";
  s.priority = 8900;
  s.priority_factors = PriorityFactors{0, 500, 0, 7500, 0, 0, 1000, 0, 100};
  s.submit_time = kCreated;
  s.eligible_time = kCreated + core::Seconds(1);
  s.start_time = kCreated + minutes(2);
  s.expected_start_time = kCreated + minutes(2);
  s.partition = "gpu";
  s.node_list = "n1,n2";
  s.restarts = 1;
  s.exit_code = 0;
  ArrayStatus a;
  a.task_count = 100;
  a.counts = {
      {core::JobState::kPending, 88}, {core::JobState::kRunning, 10}, {core::JobState::kFailed, 2}};
  a.indices = {{core::JobState::kPending, "12-99"},
               {core::JobState::kRunning, "2-11"},
               {core::JobState::kFailed, "0-1"}};
  a.tasks.push_back({0, 1235, core::JobState::kFailed, 3, 0, "n1", kCreated, kCreated + hours(1)});
  s.array = a;
  s.conditions.push_back({"Scheduled", ConditionStatus::kTrue, 2, kCreated, "Started", "ok"});
  s.observed_generation = 2;
  FillJobDisplayFields(&s, kCreated + minutes(3));
  EXPECT_EQ(s.state_code, "R");
  EXPECT_EQ(s.elapsed, "1:00");
  EXPECT_EQ(s.node_list_or_reason, "n1,n2");

  json j = ToJson(s);
  EXPECT_EQ(j["jobID"], 1234);
  EXPECT_EQ(j["state"], "RUNNING");
  EXPECT_EQ(j["startTime"], "2025-03-01T10:02:00Z");
  EXPECT_EQ(j["array"]["taskCounts"]["PENDING"], 88);
  EXPECT_EQ(j["priorityFactors"]["fairshare"], 7500.0);
  StatusOr<JobStatus> back = JobStatusFromJson(j);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, s);
}

TEST(JobTypesTest, DisplayFieldsFollowSqueue) {
  struct Case {
    std::optional<core::JobState> state;
    std::string reason;
    std::string node_list;
    std::optional<core::Timestamp> start, end;
    std::string code, elapsed, nodelist_reason;
  };
  const core::Timestamp now = kCreated + hours(30);
  const std::vector<Case> cases = {
      {std::nullopt, "", "", std::nullopt, std::nullopt, "PD", "0:00", "(None)"},
      {core::JobState::kPending, "Priority", "", std::nullopt, std::nullopt, "PD", "0:00",
       "(Priority)"},
      {core::JobState::kRunning, "None", "gpu-1", kCreated, std::nullopt, "R", "1-06:00:00",
       "gpu-1"},
      {core::JobState::kCompleted, "None", "gpu-1", kCreated, kCreated + minutes(61), "CD",
       "1:01:00", "gpu-1"},
      {core::JobState::kCancelled, "None", "", std::nullopt, std::nullopt, "CA", "0:00", "(None)"},
  };
  for (const Case& c : cases) {
    JobStatus s;
    s.state = c.state;
    s.reason = c.reason;
    s.node_list = c.node_list;
    s.start_time = c.start;
    s.end_time = c.end;
    FillJobDisplayFields(&s, now);
    EXPECT_EQ(s.state_code, c.code);
    EXPECT_EQ(s.elapsed, c.elapsed);
    EXPECT_EQ(s.node_list_or_reason, c.nodelist_reason);
  }
}

TEST(JobTypesTest, ObjectRoundTripsThroughJson) {
  StatusOr<JobObject> job = JobFromJson(BaseJob());
  ASSERT_TRUE(job.ok());
  json j = ToJson(*job);
  EXPECT_EQ(j["apiVersion"], "fairway.dev/v1alpha1");
  EXPECT_EQ(j["kind"], "Job");
  EXPECT_FALSE(j.contains("status"));  // nothing set yet
  StatusOr<JobObject> back = JobFromJson(j);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, *job);
}

TEST(JobTypesTest, ParsePartitionList) {
  EXPECT_TRUE(ParsePartitionList("")->empty());
  StatusOr<std::vector<core::PartitionName>> p = ParsePartitionList("a,b.c,a");
  ASSERT_TRUE(p.ok());
  ASSERT_EQ(p->size(), 2u);  // duplicates collapse
  for (const char* bad : {",", "a,", ",a", "A", "a b", "-a"}) {
    EXPECT_FALSE(ParsePartitionList(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace fairway::api
