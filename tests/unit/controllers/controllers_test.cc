#include <gtest/gtest.h>

#include <ctime>
#include <fstream>
#include <iomanip>
#include <map>
#include <sstream>
#include <string>

#include "api/hostlist.h"
#include "api/job_types.h"
#include "controllers/controller.h"
#include "controllers/job_status.h"
#include "controllers/kube_objects.h"
#include "controllers/pod_builder.h"
#include "controllers/snapshot.h"
#include "core/cycle.h"

namespace fairway::controllers {
namespace {

using nlohmann::json;

TEST(HostListTest, CompressesRangesKeepingZeroPadding) {
  EXPECT_EQ(api::CompressHostList({"gpu01", "gpu02", "gpu03", "gpu04", "gpu07"}), "gpu[01-04,07]");
  EXPECT_EQ(api::CompressHostList({"gpu-node-3"}), "gpu-node-3");
  EXPECT_EQ(api::CompressHostList({"n10", "n9"}), "n[9-10]");
  EXPECT_EQ(api::CompressHostList({"a1", "b2", "b3", "login"}), "a1,b[2-3],login");
}

json Node(const std::string& name, int gpus, bool ready = true) {
  return {
      {"metadata", {{"name", name}, {"labels", {{"fairway.dev/gpu-type", "A100"}}}}},
      {"spec", json::object()},
      {"status",
       {{"allocatable",
         {{"cpu", "64"}, {"memory", "512Gi"}, {"nvidia.com/gpu", std::to_string(gpus)}}},
        {"conditions", json::array({{{"type", "Ready"}, {"status", ready ? "True" : "False"}}})}}}};
}

TEST(KubeObjectsTest, PodRequestIsMaxOfSumAndInitPlusOverhead) {
  json pod = {
      {"spec",
       {{"containers",
         json::array({{{"resources", {{"requests", {{"cpu", "1"}}}}}},
                      {{"resources", {{"limits", {{"cpu", "500m"}, {"nvidia.com/gpu", "2"}}}}}}})},
        {"initContainers", json::array({{{"resources", {{"requests", {{"cpu", "4"}}}}}}})},
        {"overhead", {{"cpu", "100m"}}}}}};
  core::Resources r = PodRequest(pod);
  EXPECT_EQ(r.cpu_millis, 4100);
  EXPECT_EQ(r.gpus, 2);
}

TEST(KubeObjectsTest, NodeReadsGpuTypeReadinessAndCordon) {
  json n = Node("gpu-1", 8, false);
  n["spec"]["unschedulable"] = true;
  core::Node node = NodeFromJson(n);
  EXPECT_EQ(node.allocatable.gpus, 8);
  EXPECT_EQ(node.gpu_type, "a100");
  EXPECT_FALSE(node.ready);
  EXPECT_TRUE(node.unschedulable);
}

api::JobObject MakeJob(const std::string& name, int nodes, int gpus, uint64_t id = 0) {
  api::JobObject j;
  j.meta.name = name;
  j.meta.namespace_name = "ns";
  j.meta.uid = "uid-" + name;
  j.spec.nodes = nodes;
  j.spec.resources.gpus = gpus;
  j.spec.account = "physics";
  j.spec.user = "alice";
  j.status.job_id = id;
  if (id) j.status.state = core::JobState::kPending;
  return j;
}

TEST(SnapshotTest, OtherPodsHoldResourcesAndRunningJobsHoldTheirNodes) {
  ClusterObjects o;
  o.nodes = {NodeFromJson(Node("n1", 8)), NodeFromJson(Node("n2", 8))};
  api::JobObject running = MakeJob("r", 1, 4, 7);
  running.status.state = core::JobState::kRunning;
  running.status.node_list = "n1";
  running.status.partition = "gpu";
  o.jobs = {running, MakeJob("p", 1, 2, 8), MakeJob("noid", 1, 1)};
  json other = {
      {"metadata", {{"name", "x"}, {"namespace", "ns"}}},
      {"spec",
       {{"nodeName", "n2"},
        {"containers", json::array({{{"resources", {{"requests", {{"nvidia.com/gpu", "3"}}}}}}})}}},
      {"status", {{"phase", "Running"}}}};
  json mine = other;
  mine["metadata"]["name"] = "r-0";
  mine["metadata"]["labels"] = {{"fairway.dev/job", "r"}};
  mine["spec"]["nodeName"] = "n1";
  json done = other;
  done["status"]["phase"] = "Succeeded";
  o.pods = {other, mine, done};
  Snapshot s = BuildSnapshot(o, {}, {});
  ASSERT_EQ(s.cluster.running.size(), 1u);
  EXPECT_EQ(s.cluster.running[0].allocated_nodes[0].str(), "n1");
  ASSERT_EQ(s.pending.size(), 1u);  // the job without an id is not offered
  EXPECT_EQ(s.pending[0].id.value, 8u);
  EXPECT_EQ(s.cluster.nodes[0].used_by_other_pods.gpus, 0);  // the job's own pod counts once
  EXPECT_EQ(s.cluster.nodes[1].used_by_other_pods.gpus, 3);
}

// Issue #16: --dependency=singleton groups by spec.jobName (Slurm's job name) and user, so
// differently named objects of one namespace form a group. As Slurm 22.05 did
// (tests/testdata/slurm/singleton_by_name.txt): hs1's second H_SINGLE waits (Dependency), hs2's
// H_SINGLE and hs1's H_OTHER run.
TEST(SnapshotTest, SingletonGroupsByJobNameAndUser) {
  ClusterObjects o;
  o.nodes = {NodeFromJson(Node("n1", 8))};
  auto job = [](const std::string& object, uint64_t id, const std::string& name,
                const std::string& user) {
    api::JobObject j = MakeJob(object, 1, 1, id);
    j.spec.job_name = name;
    j.spec.user = user;
    j.spec.dependency = "singleton";
    return j;
  };
  api::JobObject first = job("h-single-1", 1, "H_SINGLE", "hs1");
  first.status.state = core::JobState::kRunning;
  first.status.node_list = "n1";
  first.status.partition = "gpu";
  o.jobs = {first, job("h-single-2", 2, "H_SINGLE", "hs1"), job("h-other", 3, "H_OTHER", "hs1"),
            job("h-single-3", 4, "H_SINGLE", "hs2")};
  Snapshot s = BuildSnapshot(o, {}, {});
  core::Partition gpu;
  gpu.name = core::PartitionName("gpu");
  gpu.is_default = true;
  s.cluster.partitions.push_back(gpu);
  core::Account physics;
  physics.name = core::AccountName("physics");
  s.cluster.accounts.push_back(physics);
  core::SchedulerConfig config;
  core::CycleInput in;
  in.now = core::Timestamp(core::Seconds(1000));
  in.cluster = &s.cluster;
  in.pending = &s.pending;
  in.config = &config;
  core::CycleResult r = core::RunCycle(in);
  std::map<std::string, std::string> outcome;
  for (const core::StartDecision& d : r.started) outcome[s.pending[d.pending_index].key] = "R";
  for (const core::PendingDecision& d : r.pending) {
    outcome[s.pending[d.pending_index].key] = std::string(core::PendingReasonName(d.reason));
  }
  EXPECT_EQ(outcome["ns/h-single-2"], "Dependency");
  EXPECT_EQ(outcome["ns/h-other"], "R");
  EXPECT_EQ(outcome["ns/h-single-3"], "R");
}

TEST(SnapshotTest, AssumedStartsCountAsRunning) {
  ClusterObjects o;
  o.nodes = {NodeFromJson(Node("n1", 8))};
  o.jobs = {MakeJob("p", 1, 8, 3)};
  AssumedStart a{
      "ns/p", std::nullopt, core::JobId{3}, core::PartitionName("gpu"), {core::NodeName("n1")}, {},
      {}};
  Snapshot s = BuildSnapshot(o, {a}, {});
  EXPECT_TRUE(s.pending.empty());
  ASSERT_EQ(s.cluster.running.size(), 1u);
}

TEST(SnapshotTest, ArrayIsOnePendingRecordWithRemainingIndices) {
  ClusterObjects o;
  api::JobObject j = MakeJob("arr", 1, 1, 100);
  j.spec.array = "0-3%2";
  auto spec = api::ParseArraySpec(j.spec.array);
  ASSERT_TRUE(spec.ok());
  InitArrayStatus(&j.status, *spec);
  core::StartDecision d;
  d.partition = core::PartitionName("gpu");
  d.nodes = {core::NodeName("n1")};
  d.array_task = 1;
  MarkStarted(&j.status, d, ArrayTaskJobId(*spec, 100, 1), {});
  o.jobs = {j};
  Snapshot s = BuildSnapshot(o, {}, {});
  ASSERT_EQ(s.pending.size(), 1u);
  ASSERT_TRUE(s.pending[0].array.has_value());
  EXPECT_EQ(s.pending[0].array->pending_count(), 3u);
  EXPECT_EQ(s.pending[0].array->running, 1u);
  EXPECT_EQ(s.cluster.running.size(), 1u);
  EXPECT_EQ(ArrayTaskJobId(*spec, 100, 0), 101u);
  EXPECT_EQ(ArrayTaskJobId(*spec, 100, 3), 100u);  // the last task keeps the array's id
}

TEST(PodBuilderTest, MultiNodePodsCarrySlurmEnvLabelsAndService) {
  api::JobObject j = MakeJob("train", 2, 4, 42);
  j.spec.partition = "gpu";
  PodPlan plan;
  plan.job_id = 42;
  plan.partition = "gpu";
  plan.nodes = {"gpu02", "gpu01"};
  plan.time_limit = core::Seconds(600);
  JobPods pods = BuildJobPods(j, plan);
  ASSERT_EQ(pods.pods.size(), 2u);
  ASSERT_TRUE(pods.service.has_value());
  const json& p1 = pods.pods[1];
  EXPECT_EQ(p1["spec"]["schedulerName"], "fairway");
  EXPECT_EQ(p1["spec"]["activeDeadlineSeconds"], 600);
  EXPECT_EQ(p1["metadata"]["labels"]["fairway.dev/node-index"], "1");
  EXPECT_EQ(p1["metadata"]["labels"]["fairway.dev/job-id"], "42");
  EXPECT_EQ(p1["metadata"]["ownerReferences"][0]["kind"], "Job");
  EXPECT_EQ(p1["spec"]["containers"][0]["resources"]["limits"]["nvidia.com/gpu"], "4");
  std::map<std::string, std::string> env;
  for (const json& e : p1["spec"]["containers"][0]["env"]) env[e["name"]] = e["value"];
  EXPECT_EQ(env["SLURM_JOB_ID"], "42");
  EXPECT_EQ(env["SLURM_JOB_NODELIST"], "gpu[01-02]");
  EXPECT_EQ(env["SLURM_NNODES"], "2");
  EXPECT_EQ(env["SLURM_NODEID"], "1");
  EXPECT_EQ(env["SLURM_PROCID"], "1");
  EXPECT_EQ(env["CUDA_VISIBLE_DEVICES"], "0,1,2,3");
  EXPECT_EQ(env["MASTER_ADDR"], "train-0.train.ns.svc");
  EXPECT_EQ(env["MASTER_PORT"], "29500");
  EXPECT_EQ(env["SLURM_JOB_QOS"], "normal");  // no QoS anywhere
}

TEST(PodBuilderTest, QosIsTheOneTheSchedulerStartedTheJobUnder) {
  api::JobObject j = MakeJob("train", 1, 1, 7);
  PodPlan plan;
  plan.job_id = 7;
  plan.nodes = {"gpu01"};
  auto qos_of = [&](const PodPlan& p) {
    JobPods pods = BuildJobPods(j, p);
    for (const json& e : pods.pods[0]["spec"]["containers"][0]["env"]) {
      if (e["name"] == "SLURM_JOB_QOS") return e["value"].get<std::string>();
    }
    return std::string();
  };
  plan.qos = "gold";  // the account's defaultQos, resolved by the core
  EXPECT_EQ(qos_of(plan), "gold");
  plan.qos.clear();  // recreated after a restart: the spec's, else normal
  j.spec.qos = "high";
  EXPECT_EQ(qos_of(plan), "high");
}

// The operator's idle grace reaches interactive sessions only (the session keeper reads it).
TEST(PodBuilderTest, InteractiveJobsGetTheOperatorsIdleGrace) {
  api::JobObject j = MakeJob("session", 1, 1, 9);
  PodPlan plan;
  plan.job_id = 9;
  plan.nodes = {"gpu01"};
  plan.interactive_idle_grace = core::Seconds(45);
  auto grace_of = [&] {
    JobPods pods = BuildJobPods(j, plan);
    for (const json& e : pods.pods[0]["spec"]["containers"][0]["env"]) {
      if (e["name"] == "FAIRWAY_IDLE_GRACE") return e["value"].get<std::string>();
    }
    return std::string("absent");
  };
  EXPECT_EQ(grace_of(), "absent");  // a batch job
  j.spec.interactive = true;
  EXPECT_EQ(grace_of(), "45");
}

TEST(JobStatusTest, PodsDecideTheOutcome) {
  // n1 is Ready; n2 exists but is not.
  const std::unordered_set<std::string_view> nodes = {"n1"};
  json ok = {{"spec", {{"nodeName", "n1"}}}, {"status", {{"phase", "Succeeded"}}}};
  json failed = {
      {"spec", {{"nodeName", "n1"}}},
      {"status",
       {{"phase", "Failed"},
        {"containerStatuses", json::array({{{"state", {{"terminated", {{"exitCode", 3}}}}}}})}}}};
  json lost = {{"spec", {{"nodeName", "n2"}}}, {"status", {{"phase", "Running"}}}};
  core::Timestamp t0{};
  EXPECT_EQ(EvaluateInstance({&ok}, nodes, 1, false).kind, InstanceOutcome::kCompleted);
  InstanceOutcome f = EvaluateInstance({&failed}, nodes, 1, false);
  EXPECT_EQ(f.kind, InstanceOutcome::kFailed);
  EXPECT_EQ(f.exit_code, 3);
  EXPECT_EQ(EvaluateInstance({&lost}, nodes, 1, false).kind, InstanceOutcome::kNodeFail);
  json running = {{"spec", {{"nodeName", "n1"}}}, {"status", {{"phase", "Running"}}}};
  // Time limits are the core's (CycleResult::timed_out); pods only report the backstop.
  EXPECT_EQ(EvaluateInstance({&running}, nodes, 1, false).kind, InstanceOutcome::kRunning);
  json deadline = {{"spec", {{"nodeName", "n1"}}},
                   {"status", {{"phase", "Failed"}, {"reason", "DeadlineExceeded"}}}};
  EXPECT_EQ(EvaluateInstance({&deadline}, nodes, 1, false).kind, InstanceOutcome::kTimeout);
  EXPECT_EQ(EvaluateInstance({}, nodes, 1, false).kind, InstanceOutcome::kMissingPods);
  // Created but never bound (the operator died between the create and the bind): missing, so
  // the restarted operator binds it; while its own start is in flight it waits.
  json unbound = {{"spec", json::object()}, {"status", {{"phase", "Pending"}}}};
  EXPECT_EQ(EvaluateInstance({&unbound}, nodes, 1, false).kind, InstanceOutcome::kMissingPods);
  EXPECT_EQ(EvaluateInstance({&unbound}, nodes, 1, true).kind, InstanceOutcome::kRunning);
  EXPECT_EQ(EvaluateInstance({&running, &unbound}, nodes, 2, false).kind,
            InstanceOutcome::kMissingPods);

  api::JobStatus st;
  st.state = core::JobState::kRunning;
  ApplyOutcome(&st, InstanceOutcome{InstanceOutcome::kNodeFail, 0, "n2"}, true, t0);
  EXPECT_EQ(st.state, core::JobState::kPending);
  EXPECT_EQ(st.restarts, 1);
}

// A job whose container exits non-zero ends FAILED with Slurm's reason NonZeroExitCode and that
// exit code; a pod that failed before its containers ran is Slurm's JobLaunchFailure.
TEST(JobStatusTest, FailedJobsGetSlurmsReasonAndExitCode) {
  const std::unordered_set<std::string_view> nodes = {"n1"};  // Ready
  auto exited = [](json codes) {
    json statuses = json::array();
    for (const json& c : codes)
      statuses.push_back({{"state", {{"terminated", {{"exitCode", c}}}}}});
    return json{{"spec", {{"nodeName", "n1"}}},
                {"status", {{"phase", "Failed"}, {"containerStatuses", statuses}}}};
  };
  struct Case {
    std::string name;
    json pod;
    std::string reason;
    int32_t exit_code;
  };
  const std::vector<Case> cases = {
      {"exit 3", exited({3}), "NonZeroExitCode", 3},
      {"first non-zero container", exited({0, 42}), "NonZeroExitCode", 42},
      {"never ran",
       {{"spec", {{"nodeName", "n1"}}},
        {"status", {{"phase", "Failed"}, {"reason", "OutOfnvidia.com/gpu"}}}},
       "JobLaunchFailure",
       1},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    InstanceOutcome out = EvaluateInstance({&c.pod}, nodes, 1, false);
    ASSERT_EQ(out.kind, InstanceOutcome::kFailed);
    EXPECT_EQ(OutcomeReason(out), c.reason);
    api::JobStatus st;
    st.state = core::JobState::kRunning;
    ApplyOutcome(&st, out, true, core::Timestamp{core::Seconds(10)});
    EXPECT_EQ(st.state, core::JobState::kFailed);
    EXPECT_EQ(st.reason, c.reason);
    EXPECT_EQ(st.exit_code, c.exit_code);
  }
}

// Slurm keeps a cancelled job's reason: a pending dependent whose dependency can never be
// satisfied stays DependencyNeverSatisfied; a running job has none to keep.
TEST(JobStatusTest, CancelledPendingJobKeepsItsReason) {
  core::Timestamp now{core::Seconds(50)};
  api::JobStatus dependent;
  dependent.state = core::JobState::kPending;
  dependent.reason = "DependencyNeverSatisfied";
  CancelJob(&dependent, nullptr, now);
  EXPECT_EQ(dependent.state, core::JobState::kCancelled);
  EXPECT_EQ(dependent.reason, "DependencyNeverSatisfied");
  EXPECT_EQ(dependent.end_time, now);

  api::JobObject arr = MakeJob("arr", 1, 1, 9);
  arr.spec.array = "0-3";
  auto spec = api::ParseArraySpec(arr.spec.array);
  ASSERT_TRUE(spec.ok());
  InitArrayStatus(&arr.status, *spec);
  arr.status.reason = "DependencyNeverSatisfied";
  CancelJob(&arr.status, &*spec, now);
  EXPECT_EQ(arr.status.state, core::JobState::kCancelled);
  EXPECT_EQ(arr.status.reason, "DependencyNeverSatisfied");
  EXPECT_EQ(arr.status.array->indices.at(core::JobState::kCancelled), "0-3");

  api::JobStatus running;
  running.state = core::JobState::kRunning;
  CancelJob(&running, nullptr, now);
  EXPECT_EQ(running.state, core::JobState::kCancelled);
  EXPECT_EQ(running.reason, "");
}

TEST(PreemptMarkTest, RoundTripsAndSkipsBadEntries) {
  std::vector<PreemptMark> marks = {{12, 0, 30, core::PreemptMode::kRequeue, 5},
                                    {13, 2, 30, core::PreemptMode::kCancel, 0}};
  std::string text = FormatPreemptMarks(marks);
  EXPECT_EQ(text, "12.0=30:requeue:5,13.2=30:cancel:0");
  EXPECT_EQ(ParsePreemptMarks(text), marks);
  EXPECT_EQ(ParsePreemptMarks("x,12=3:cancel:0,12.0=30:off:1,12.0=30:cancel:").size(), 0u);
  EXPECT_NE(FindPreemptMark(marks, 13, 2), nullptr);
  EXPECT_EQ(FindPreemptMark(marks, 13, 1), nullptr);  // another run
}

TEST(JobStatusTest, PreemptedVictimEndsWhenItsPodsAreGone) {
  json running = {{"spec", {{"nodeName", "n1"}}}, {"status", {{"phase", "Running"}}}};
  json done = {{"spec", {{"nodeName", "n1"}}}, {"status", {{"phase", "Succeeded"}}}};
  EXPECT_EQ(EvaluatePreempted({&running}, 1).kind, InstanceOutcome::kRunning);
  EXPECT_EQ(EvaluatePreempted({}, 1).kind, InstanceOutcome::kPreempted);
  EXPECT_EQ(EvaluatePreempted({&done}, 1).kind, InstanceOutcome::kCompleted);

  core::Timestamp t0{};
  InstanceOutcome out{InstanceOutcome::kPreempted, 0, "job 7"};
  api::JobStatus requeued;
  requeued.state = core::JobState::kRunning;
  ApplyOutcome(&requeued, out, /*requeue_allowed=*/true, t0);
  EXPECT_EQ(requeued.state, core::JobState::kPending);
  EXPECT_EQ(requeued.restarts, 1);
  api::JobStatus cancelled;
  cancelled.state = core::JobState::kRunning;
  ApplyOutcome(&cancelled, out, /*requeue_allowed=*/false, t0);
  EXPECT_EQ(cancelled.state, core::JobState::kPreempted);
  EXPECT_EQ(cancelled.restarts, 0);
  EXPECT_EQ(cancelled.reason, "Preempted");
}

TEST(DependencyTest, AfterOkWaitsThenNeverOnFailure) {
  api::JobObject a = MakeJob("a", 1, 1, 5);
  api::JobObject b = MakeJob("b", 1, 1, 6);
  b.spec.dependency = "afterok:5";
  std::vector<CycleJob> jobs = {a, b};
  EXPECT_EQ(EvaluateDependency(b, jobs, {}), DependencyState::kWaiting);
  jobs[0].Mutable().status.state = core::JobState::kFailed;
  EXPECT_EQ(EvaluateDependency(b, jobs, {}), DependencyState::kNever);
  jobs[0].Mutable().status.state = core::JobState::kCompleted;
  EXPECT_EQ(EvaluateDependency(b, jobs, {}), DependencyState::kSatisfied);
}

}  // namespace
}  // namespace fairway::controllers

namespace fairway::controllers {
namespace {

TEST(RequeueDelayTest, RequeuedJobIsEligibleOnlyAfterTheDelay) {
  api::JobStatus st;
  st.state = core::JobState::kRunning;
  st.job_id = 7;
  core::Timestamp t0{core::Seconds(1000)};
  RequeueJob(&st, t0, "tok", core::Seconds(120));
  EXPECT_EQ(st.state, core::JobState::kPending);
  EXPECT_EQ(st.restarts, 1);
  ASSERT_TRUE(st.eligible_time.has_value());
  EXPECT_EQ(*st.eligible_time, t0 + core::Seconds(120));
  api::JobStatus nf;
  nf.state = core::JobState::kRunning;
  ApplyOutcome(&nf, InstanceOutcome{InstanceOutcome::kNodeFail, 0, "n2"}, true, t0,
               core::Seconds(120));
  EXPECT_EQ(*nf.eligible_time, t0 + core::Seconds(120));

  // The snapshot turns a future eligibleTime into the begin time the core waits for.
  ClusterObjects o;
  api::JobObject j = MakeJob("requeued", 1, 1, 100);
  j.status.state = core::JobState::kPending;
  j.status.restarts = 1;
  j.status.eligible_time = t0 + core::Seconds(120);
  o.jobs = {j};
  SnapshotOptions early;
  early.now = t0 + core::Seconds(60);
  Snapshot s = BuildSnapshot(o, {}, early);
  ASSERT_EQ(s.pending.size(), 1u);
  EXPECT_EQ(s.pending[0].begin_time, t0 + core::Seconds(120));
  SnapshotOptions late;
  late.now = t0 + core::Seconds(180);
  EXPECT_FALSE(BuildSnapshot(o, {}, late).pending[0].begin_time.has_value() &&
               *BuildSnapshot(o, {}, late).pending[0].begin_time > late.now);
}

// `KEY=2026-12-07T01:14:56` of an scontrol line, as seconds since the epoch (UTC).
int64_t ScontrolTime(const std::string& line, const std::string& key) {
  size_t at = line.find(" " + key + "=");
  if (at == std::string::npos) return -1;
  std::tm tm{};
  std::istringstream in(line.substr(at + key.size() + 2, 19));
  in >> std::get_time(&tm, "%Y-%m-%dT%H:%M:%S");
  return in.fail() ? -1 : static_cast<int64_t>(timegm(&tm));
}

// Slurm 22.05 (tests/testdata/slurm/expected_starts.txt, `scontrol show job` of the requeued
// H_REQUEUE): SubmitTime is the requeue time and EligibleTime 121 s later. The operator's
// default delay is the same, and RequeueJob resets the submit time the same way.
TEST(RequeueDelayTest, RequeueResetsSubmitTimeAndWaitsSlurmsDelay) {
  std::ifstream slurm(std::string(FAIRWAY_TESTDATA_DIR) + "/slurm/expected_starts.txt");
  std::string line;
  int64_t submit = -1, eligible = -1;
  while (std::getline(slurm, line)) {
    if (line.find("JobName=H_REQUEUE ") == std::string::npos) continue;
    submit = ScontrolTime(line, "SubmitTime");
    eligible = ScontrolTime(line, "EligibleTime");
  }
  ASSERT_GT(submit, 0);
  EXPECT_EQ(core::Seconds(eligible - submit), ControllerOptions().requeue_delay);
  EXPECT_EQ(ControllerOptions().requeue_delay, core::Seconds(121));
  api::JobStatus st;
  st.state = core::JobState::kRunning;
  st.job_id = 7;
  st.submit_time = core::Timestamp{core::Seconds(10)};
  core::Timestamp t0{core::Seconds(1000)};
  RequeueJob(&st, t0, "tok", ControllerOptions().requeue_delay);
  EXPECT_EQ(st.submit_time, t0);
  EXPECT_EQ(st.eligible_time, t0 + core::Seconds(121));
}

}  // namespace
}  // namespace fairway::controllers
