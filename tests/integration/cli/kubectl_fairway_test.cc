// kubectl-fairway commands against an in-process sandbox API server over real HTTP, with Job,
// Partition and Account objects whose statuses the test writes directly: golden output for
// squeue/sinfo/sprio/sshare/sacct, and the writes of sbatch/scancel/hold/release/requeue.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "api/common_types.h"
#include "api/job_types.h"
#include "cli/commands.h"
#include "cli/sbatch_script.h"
#include "common/base64.h"
#include "common/clock.h"
#include "kube/api_client.h"
#include "sandbox/sandbox.h"
#include "test_only_planner.h"

namespace fairway::cli {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

// 2025-03-01T10:00:00Z
constexpr int64_t kNow = 1740823200;
core::Timestamp At(int64_t offset_s) { return core::Timestamp(core::Seconds(kNow + offset_s)); }

class KubectlFairwayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    setenv("TZ", "UTC", 1);
    tzset();
    sandbox::SandboxOptions o;
    o.manifests.push_back(FAIRWAY_SOURCE_CRDS);
    o.nodes = sandbox::UniformSimNodes(4, 8, "A100", "gpu0");
    auto sb = sandbox::Sandbox::Start(o, &real_clock_);
    ASSERT_TRUE(sb.ok()) << sb.status();
    sb_ = std::move(sb).value();
    dir_ = fs::temp_directory_path() /
           ("cli_it_" + std::to_string(getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
    kubeconfig_ = (dir_ / "kubeconfig").string();
    ASSERT_TRUE(sb_->WriteKubeconfig(kubeconfig_).ok());
    kube::RestConfig c;
    c.transport.server = sb_->url();
    c.token = std::make_shared<kube::StaticTokenSource>("t");
    c.qps = 0;
    auto cl = kube::RestApiClient::Create(c, &real_clock_);
    ASSERT_TRUE(cl.ok()) << cl.status();
    client_ = std::move(cl).value();
  }
  void TearDown() override {
    if (sb_) sb_->Stop();
    if (!dir_.empty()) fs::remove_all(dir_);
  }

  struct Result {
    int rc;
    std::string out, err;
  };
  Result Run(std::vector<std::string> args, const std::string& stdin_text = "") {
    args.push_back("--kubeconfig=" + kubeconfig_);
    if (args[0] == "sbatch") {  // kubectl flags go before the script
      args.insert(args.begin() + 1, args.back());
      args.pop_back();
    }
    std::ostringstream out, err;
    std::istringstream in(stdin_text);
    CliEnvironment env;
    env.out = &out;
    env.err = &err;
    env.in = &in;
    env.clock = &clock_;
    env.sbatch_wait = std::chrono::milliseconds(1500);
    env.test_only = kubectl_fairway::PlanTestOnly;
    int rc = RunKubectlFairway(args, env);
    return {rc, out.str(), err.str()};
  }

  json Create(const kube::ResourceRef& ref, const std::string& ns, const json& obj) {
    auto r = client_->Create(ref, ns, obj);
    EXPECT_TRUE(r.ok()) << r.status() << " " << obj.dump();
    return r.ok() ? *r : json{};
  }
  void SetStatus(const kube::ResourceRef& ref, const std::string& ns, json obj,
                 const json& status) {
    obj["status"] = status;
    auto r = client_->UpdateStatus(ref, ns, obj);
    ASSERT_TRUE(r.ok()) << r.status() << " " << status.dump();
  }

  json Job(const std::string& name, const std::string& user, const std::string& account,
           const std::string& partition, int64_t gpus, const std::string& array = "",
           int64_t nodes = 1) {
    json spec = {
        {"partition", partition},
        {"account", account},
        {"user", user},
        {"qos", "normal"},
        {"timeLimit", "2:00:00"},
        {"nodes", nodes},
        {"resources", {{"gpus", gpus}}},
        {"template",
         {{"spec", {{"containers", json::array({{{"name", "c"}, {"image", "busybox"}}})}}}}}};
    if (!array.empty()) spec["array"] = array;
    return {{"apiVersion", "fairway.dev/v1alpha1"},
            {"kind", "Job"},
            {"metadata", {{"name", name}, {"namespace", "default"}}},
            {"spec", spec}};
  }

  void AddJob(const json& job, const api::JobStatus& st) {
    json created = Create(kube::ResourceRef::FairwayJobs(), "default", job);
    SetStatus(kube::ResourceRef::FairwayJobs(), "default", created, api::ToJson(st));
  }

  void Populate() {
    auto part = [&](const std::string& name, bool def, const std::string& max_time, json nodes) {
      json p = {{"apiVersion", "fairway.dev/v1alpha1"},
                {"kind", "Partition"},
                {"metadata", {{"name", name}}},
                {"spec", {{"default", def}, {"maxTime", max_time}, {"nodes", nodes}}}};
      Create(kube::ResourceRef::FairwayPartitions(), "", p);
    };
    part("gpu", true, "2-00:00:00", json::array({"gpu00", "gpu01", "gpu02", "gpu03"}));
    part("debug", false, "30:00", json::array({"gpu03"}));
    auto account = [&](const std::string& name, int shares, std::vector<std::string> users,
                       const json& status) {
      json a = {{"apiVersion", "fairway.dev/v1alpha1"},
                {"kind", "Account"},
                {"metadata", {{"name", name}}},
                {"spec", {{"shares", shares}, {"users", users}}}};
      json created = Create(kube::ResourceRef::FairwayAccounts(), "", a);
      SetStatus(kube::ResourceRef::FairwayAccounts(), "", created, status);
    };
    account("physics", 3, {"alice"},
            {{"rawUsage", 7200.0},
             {"effectiveUsage", 0.75},
             {"normalizedShares", 0.75},
             {"fairShareFactor", 0.5},
             {"userUsage", {{"alice", 7200.0}}},
             {"userFairShare", {{"alice", 0.5}}}});
    account("bio", 1, {"bob"},
            {{"rawUsage", 2400.0},
             {"effectiveUsage", 0.25},
             {"normalizedShares", 0.25},
             {"fairShareFactor", 0.5},
             {"userUsage", {{"bob", 2400.0}}},
             {"userFairShare", {{"bob", 0.5}}}});

    api::JobStatus run;
    run.job_id = 101;
    run.state = core::JobState::kRunning;
    run.partition = "gpu";
    run.node_list = "gpu00,gpu01";
    run.start_time = At(-3723);
    run.submit_time = At(-4000);
    run.priority = 5000;
    AddJob(Job("train-large", "alice", "physics", "gpu", 8, "", 2), run);

    api::JobStatus pend;
    pend.job_id = 102;
    pend.state = core::JobState::kPending;
    pend.reason = "Resources";
    pend.priority = 9000;
    pend.submit_time = At(-600);
    pend.expected_start_time = At(1800);
    pend.priority_factors = api::PriorityFactors{0, 500, 0, 5000, 2500, 1000, 0, 0, 0};
    AddJob(Job("finetune", "bob", "bio", "gpu", 8), pend);

    api::JobStatus held = pend;
    held.job_id = 103;
    held.reason = "JobHeldUser";
    held.priority = 0;
    held.expected_start_time.reset();
    held.priority_factors = api::PriorityFactors{};
    json held_job = Job("held", "alice", "physics", "debug", 1);
    held_job["spec"]["hold"] = true;
    AddJob(held_job, held);

    api::JobStatus arr;
    arr.job_id = 104;
    arr.state = core::JobState::kRunning;
    arr.reason = "JobArrayTaskLimit";
    arr.partition = "gpu";
    arr.priority = 7000;
    arr.submit_time = At(-1000);
    arr.priority_factors = api::PriorityFactors{0, 100, 0, 5000, 900, 1000, 0, 0, 0};
    api::ArrayStatus as;
    as.task_count = 10;
    as.counts = {{core::JobState::kPending, 6},
                 {core::JobState::kRunning, 2},
                 {core::JobState::kCompleted, 1},
                 {core::JobState::kFailed, 1}};
    as.indices = {{core::JobState::kPending, "4-9"},
                  {core::JobState::kRunning, "2-3"},
                  {core::JobState::kCompleted, "0"},
                  {core::JobState::kFailed, "1"}};
    api::ArrayTaskRecord failed{1, 105, core::JobState::kFailed, 3, 0, "gpu02", At(-900), At(-300)};
    api::ArrayTaskRecord t2{
        2, 106, core::JobState::kRunning, std::nullopt, 0, "gpu02", At(-300), std::nullopt};
    api::ArrayTaskRecord t3{
        3, 107, core::JobState::kRunning, std::nullopt, 0, "gpu03", At(-120), std::nullopt};
    as.tasks = {failed, t2, t3};
    arr.array = as;
    AddJob(Job("sweep", "bob", "bio", "gpu", 2, "0-9%2"), arr);

    api::JobStatus done;
    done.job_id = 100;
    done.state = core::JobState::kCompleted;
    done.partition = "gpu";
    done.node_list = "gpu03";
    done.start_time = At(-7200);
    done.end_time = At(-3600);
    done.submit_time = At(-7300);
    done.exit_code = 0;
    AddJob(Job("prep", "alice", "physics", "gpu", 4), done);

    // Pods holding GPUs: gpu00 and gpu01 full (train-large), gpu02 4 of 8; gpu03 is cordoned.
    auto pod = [&](const std::string& name, const std::string& node, int gpus) {
      json p = {{"apiVersion", "v1"},
                {"kind", "Pod"},
                {"metadata", {{"name", name}, {"namespace", "default"}}},
                {"spec",
                 {{"nodeName", node},
                  {"containers",
                   json::array({{{"name", "c"},
                                 {"image", "busybox"},
                                 {"resources",
                                  {{"limits", {{"nvidia.com/gpu", std::to_string(gpus)}}}}}}})}}}};
      Create(kube::ResourceRef::Pods(), "default", p);
    };
    pod("train-large-0", "gpu00", 8);
    pod("train-large-1", "gpu01", 8);
    pod("sweep-1", "gpu02", 2);
    pod("sweep-2", "gpu02", 2);
    auto cordon = client_->Patch(kube::ResourceRef::Nodes(), "", "gpu03", kube::PatchType::kMerge,
                                 {{"spec", {{"unschedulable", true}}}});
    ASSERT_TRUE(cordon.ok()) << cordon.status();
  }

  RealClock real_clock_;
  FakeClock clock_{WallTime(std::chrono::seconds(kNow))};
  std::unique_ptr<sandbox::Sandbox> sb_;
  std::unique_ptr<kube::RestApiClient> client_;
  fs::path dir_;
  std::string kubeconfig_;
};

TEST_F(KubectlFairwayTest, SqueueGolden) {
  Populate();
  Result r = Run({"squeue"});
  ASSERT_EQ(r.rc, 0) << r.err;
  EXPECT_EQ(
      r.out,
      "             JOBID PARTITION     NAME     USER ST       TIME  NODES NODELIST(REASON)\n"
      "               103     debug     held    alice PD       0:00      1 (JobHeldUser)\n"
      "               102       gpu finetune      bob PD       0:00      1 (Resources)\n"
      "       104_[4-9%2]       gpu    sweep      bob PD       0:00      1 (JobArrayTaskLimit)\n"
      "             104_2       gpu    sweep      bob  R       5:00      1 gpu02\n"
      "             104_3       gpu    sweep      bob  R       2:00      1 gpu03\n"
      "               101       gpu train-la    alice  R    1:02:03      2 gpu[00-01]\n");

  r = Run({"squeue", "-u", "bob", "-t", "R", "-o", "%i %T %b %a %q %Q"});
  ASSERT_EQ(r.rc, 0) << r.err;
  EXPECT_EQ(r.out,
            "JOBID STATE TRES_PER_NODE ACCOUNT QOS PRIORITY\n"
            "104_2 RUNNING gres/gpu:2 bio normal 7000\n"
            "104_3 RUNNING gres/gpu:2 bio normal 7000\n");

  r = Run({"squeue", "--start"});
  ASSERT_EQ(r.rc, 0) << r.err;
  EXPECT_EQ(r.out,
            "             JOBID PARTITION     NAME     USER ST          START_TIME  NODES "
            "SCHEDNODES           NODELIST(REASON)\n"
            "               102       gpu finetune      bob PD 2025-03-01T10:30:00      1 (null)   "
            "            (Resources)\n"
            "       104_[4-9%2]       gpu    sweep      bob PD                 N/A      1 (null)   "
            "            (JobArrayTaskLimit)\n"
            "               103     debug     held    alice PD                 N/A      1 (null)   "
            "            (JobHeldUser)\n");

  r = Run({"squeue", "-j", "104_1,100", "-h", "-o", "%i %t %M"});
  ASSERT_EQ(r.rc, 0) << r.err;
  EXPECT_EQ(r.out, "100 CD 1:00:00\n104_1 F 10:00\n");

  r = Run({"squeue", "-p", "debug", "-o", "json"});  // Slurm's document (slurm_json.h)
  ASSERT_EQ(r.rc, 0) << r.err;
  json doc = json::parse(r.out);
  ASSERT_EQ(doc["jobs"].size(), 1u);
  EXPECT_EQ(doc["jobs"][0]["name"], "held");
  EXPECT_EQ(doc["jobs"][0]["state_reason"], "JobHeldUser");

  r = Run({"squeue", "-o", "%z"});
  EXPECT_EQ(r.rc, 1);
  EXPECT_EQ(r.err, "squeue: error: Invalid job format specification: z\n");
}

TEST_F(KubectlFairwayTest, SinfoGolden) {
  Populate();
  Result r = Run({"sinfo"});
  ASSERT_EQ(r.rc, 0) << r.err;
  EXPECT_EQ(r.out,
            "PARTITION AVAIL  TIMELIMIT  NODES  STATE NODELIST\n"
            "debug        up      30:00      1  drain gpu03\n"
            "gpu*         up 2-00:00:00      2  alloc gpu[00-01]\n"
            "gpu*         up 2-00:00:00      1    mix gpu02\n"
            "gpu*         up 2-00:00:00      1  drain gpu03\n");
  r = Run({"sinfo", "-N", "-o", "%N %P %t %G %g"});
  ASSERT_EQ(r.rc, 0) << r.err;
  EXPECT_EQ(r.out,
            "NODELIST PARTITION STATE GRES GRES_USED\n"
            "gpu00 gpu* alloc gpu:a100:8 gpu:8/8\n"
            "gpu01 gpu* alloc gpu:a100:8 gpu:8/8\n"
            "gpu02 gpu* mix gpu:a100:8 gpu:4/8\n"
            "gpu03 debug drain gpu:a100:8 gpu:0/8\n"
            "gpu03 gpu* drain gpu:a100:8 gpu:0/8\n");
}

TEST_F(KubectlFairwayTest, ReportsGolden) {
  Populate();
  Result r = Run({"sprio"});
  ASSERT_EQ(r.rc, 0) << r.err;
  EXPECT_EQ(r.out,
            "          JOBID PARTITION     USER   PRIORITY       SITE        AGE      ASSOC  "
            "FAIRSHARE    JOBSIZE  PARTITION        QOS   NICE                 TRES\n"
            "            102 gpu            bob       9000          0        500          0       "
            "5000       2500       1000          0      0\n"
            "    104_[4-9%2] gpu            bob       7000          0        100          0       "
            "5000        900       1000          0      0\n"
            "            103 debug        alice          0          0          0          0        "
            "  0          0          0          0      0\n");
  // sshare and sacct print as Slurm's print_fields (right-aligned, dashes, a space after each
  // cell; tests/unit/cli compares them with Slurm's own output). A user's NormShares and
  // EffectvUsage are within its account: an only user has 1.000000 of both, as in Slurm.
  r = Run({"sshare"});
  ASSERT_EQ(r.rc, 0) << r.err;
  EXPECT_EQ(r.out,
            "Account                    User  RawShares  NormShares    RawUsage  EffectvUsage  "
            "FairShare \n"
            "-------------------- ---------- ---------- ----------- ----------- ------------- "
            "---------- \n"
            "root                                          0.000000        9600      1.000000   "
            "         \n"
            " bio                                     1    0.250000        2400      0.250000   "
            "0.500000 \n"
            "  bio                       bob          1    1.000000        2400      1.000000   "
            "0.500000 \n"
            " physics                                 3    0.750000        7200      0.750000   "
            "0.500000 \n"
            "  physics                 alice          1    1.000000        7200      1.000000   "
            "0.500000 \n");
  // sacct's default window starts at midnight: every job of today, in any state.
  r = Run({"sacct"});
  ASSERT_EQ(r.rc, 0) << r.err;
  EXPECT_EQ(r.out,
            "JobID           JobName  Partition    Account  AllocGPUS      State ExitCode         "
            "      Start                 End    Elapsed GPUSeconds \n"
            "------------ ---------- ---------- ---------- ---------- ---------- -------- "
            "------------------- ------------------- ---------- ---------- \n"
            "100                prep        gpu    physics          4  COMPLETED      0:0 "
            "2025-03-01T08:00:00 2025-03-01T09:00:00   01:00:00      14400 \n"
            "101          train-lar+        gpu    physics         16    RUNNING      0:0 "
            "2025-03-01T08:57:57             Unknown   01:02:03      59568 \n"
            "102            finetune        gpu        bio          0    PENDING      0:0         "
            "    Unknown             Unknown   00:00:00          0 \n"
            "103                held      debug    physics          0    PENDING      0:0         "
            "    Unknown             Unknown   00:00:00          0 \n"
            "104_0             sweep        gpu        bio          0  COMPLETED      0:0         "
            "       None             Unknown   00:00:00          0 \n"
            "104_[4-9%2]       sweep        gpu        bio          0    PENDING      0:0         "
            "    Unknown             Unknown   00:00:00          0 \n"
            "104_1             sweep        gpu        bio          2     FAILED      3:0 "
            "2025-03-01T09:45:00 2025-03-01T09:55:00   00:10:00       1200 \n"
            "104_2             sweep        gpu        bio          2    RUNNING      0:0 "
            "2025-03-01T09:55:00             Unknown   00:05:00        600 \n"
            "104_3             sweep        gpu        bio          2    RUNNING      0:0 "
            "2025-03-01T09:58:00             Unknown   00:02:00        240 \n");
}

TEST_F(KubectlFairwayTest, JobControlWritesWhatTheControllerReads) {
  Populate();
  auto get = [&](const std::string& name) {
    auto j = client_->Get(kube::ResourceRef::FairwayJobs(), "default", name);
    EXPECT_TRUE(j.ok());
    return j.ok() ? *j : json{};
  };
  Result r = Run({"release", "103"});
  EXPECT_EQ(r.rc, 0) << r.err;
  EXPECT_EQ(get("held")["spec"]["hold"], false);
  r = Run({"hold", "finetune"});
  EXPECT_EQ(r.rc, 0) << r.err;
  EXPECT_EQ(get("finetune")["spec"]["hold"], true);
  // As Slurm 22.05: a running job may be held (it keeps running), a finished one not, and
  // releasing a job that is not held does nothing (tests/testdata/slurm/scontrol_hold.txt).
  r = Run({"hold", "100"});
  EXPECT_EQ(r.rc, 1);
  EXPECT_EQ(r.err, "hold: error: Job has already finished for job 100\n");
  r = Run({"release", "101"});
  EXPECT_EQ(r.rc, 0) << r.err;
  EXPECT_FALSE(get("train-large")["spec"].value("hold", false));
  r = Run({"hold", "101"});
  EXPECT_EQ(r.rc, 0) << r.err;
  EXPECT_EQ(get("train-large")["spec"]["hold"], true);
  r = Run({"requeue", "101"});
  EXPECT_EQ(r.rc, 0) << r.err;
  EXPECT_TRUE(get("train-large")["metadata"]["annotations"].contains("fairway.dev/requeue"));
  r = Run({"requeuehold", "102"});
  EXPECT_EQ(r.rc, 1);
  EXPECT_NE(r.err.find("only running jobs can be requeued"), std::string::npos) << r.err;
  r = Run({"scancel", "104_4"});  // one task (ArrayTaskActions covers the details)
  EXPECT_EQ(r.rc, 0) << r.err;
  r = Run({"scancel", "106"});  // a task's own job id: task 2
  EXPECT_EQ(r.rc, 0) << r.err;
  EXPECT_EQ(get("sweep")["metadata"]["annotations"]["fairway.dev/cancel-tasks"], "2,4");
  r = Run({"scancel", "104"});
  EXPECT_EQ(r.rc, 0) << r.err;
  EXPECT_TRUE(get("sweep")["metadata"]["annotations"].contains("fairway.dev/cancel"));
  r = Run({"scancel", "100"});
  EXPECT_EQ(r.rc, 1);
  EXPECT_NE(r.err.find("already completing or completed"), std::string::npos);
  r = Run({"scancel", "999"});
  EXPECT_EQ(r.err, "scancel: error: Invalid job id specified: 999\n");
  r = Run({"scancel", "-u", "alice"});
  EXPECT_EQ(r.rc, 0) << r.err;
  EXPECT_TRUE(get("held")["metadata"]["annotations"].contains("fairway.dev/cancel"));
  EXPECT_TRUE(get("train-large")["metadata"]["annotations"].contains("fairway.dev/cancel"));
  EXPECT_FALSE(get("finetune")["metadata"].contains("annotations") &&
               get("finetune")["metadata"]["annotations"].contains("fairway.dev/cancel"));
}

TEST_F(KubectlFairwayTest, ArrayTaskActionsWriteMergedTaskLists) {
  Populate();
  auto annotations = [&]() {
    auto j = client_->Get(kube::ResourceRef::FairwayJobs(), "default", "sweep");
    EXPECT_TRUE(j.ok());
    return j.ok() && (*j)["metadata"].contains("annotations") ? (*j)["metadata"]["annotations"]
                                                              : json::object();
  };
  // sweep is 104: 0 COMPLETED, 1 FAILED, 2-3 RUNNING, 4-9 PENDING.
  Result r = Run({"scancel", "104_4"});
  ASSERT_EQ(r.rc, 0) << r.err;
  EXPECT_EQ(annotations()["fairway.dev/cancel-tasks"], "4");
  r = Run({"scancel", "104_[5-6]", "104_3"});
  ASSERT_EQ(r.rc, 0) << r.err;
  EXPECT_EQ(annotations()["fairway.dev/cancel-tasks"], "3-6");
  r = Run({"scancel", "104_[0,1]"});  // both ended
  EXPECT_EQ(r.rc, 1);
  EXPECT_NE(r.err.find("already completing or completed"), std::string::npos) << r.err;
  r = Run({"scancel", "104_42"});
  EXPECT_EQ(r.rc, 1);
  EXPECT_NE(r.err.find("Invalid job id specified: 104_42"), std::string::npos) << r.err;
  r = Run({"scancel", "100_1"});  // not an array
  EXPECT_EQ(r.rc, 1);
  r = Run({"scancel", "104_[x]"});
  EXPECT_EQ(r.rc, 1);

  r = Run({"hold", "104_8"});
  ASSERT_EQ(r.rc, 0) << r.err;
  r = Run({"hold", "104_[7,9]"});
  ASSERT_EQ(r.rc, 0) << r.err;
  EXPECT_EQ(annotations()["fairway.dev/hold-tasks"], "7-9");
  r = Run({"release", "104_8"});
  ASSERT_EQ(r.rc, 0) << r.err;
  EXPECT_EQ(annotations()["fairway.dev/release-tasks"], "8");
  r = Run({"release", "104_[5,8]"});  // not held (any more): nothing to do, as in Slurm
  EXPECT_EQ(r.rc, 0) << r.err;
  EXPECT_EQ(annotations()["fairway.dev/release-tasks"], "8");

  // squeue: held tasks on their own row (JobHeldUser), out of the pending compact string.
  r = Run({"squeue", "-j", "104", "-h", "-o", "%i %t %r"});
  ASSERT_EQ(r.rc, 0) << r.err;
  EXPECT_NE(r.out.find("104_[7,9] PD JobHeldUser\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("104_[4-6,8%2] PD JobArrayTaskLimit\n"), std::string::npos) << r.out;
  r = Run({"hold", "104_8"});  // hold again: the pending release of 8 is withdrawn
  ASSERT_EQ(r.rc, 0) << r.err;
  EXPECT_FALSE(annotations().contains("fairway.dev/release-tasks"));
  EXPECT_EQ(annotations()["fairway.dev/hold-tasks"], "7-9");

  r = Run({"requeue", "104_2"});
  ASSERT_EQ(r.rc, 0) << r.err;
  EXPECT_EQ(annotations()["fairway.dev/requeue-tasks"], "2");
  r = Run({"requeue", "104_5"});
  EXPECT_EQ(r.rc, 1);
  EXPECT_NE(r.err.find("only running jobs can be requeued"), std::string::npos) << r.err;
  r = Run({"requeuehold", "104_2"});
  EXPECT_EQ(r.rc, 1);
}

TEST_F(KubectlFairwayTest, SbatchCreatesConfigMapAndJob) {
  std::string script =
      "#!/bin/bash\n#SBATCH -p gpu -t 30 --gres=gpu:a100:2\n#SBATCH -a 0-3 -o x.log\necho "
      "$SLURM_ARRAY_TASK_ID\n";
  std::string path = (dir_ / "train.sh").string();
  std::ofstream(path) << script;
  Result r = Run({"sbatch", "-J", "my-train", "--image", "python:3.12", path});
  EXPECT_EQ(r.rc, 0) << r.err;
  // No operator runs here, so no jobID arrives.
  EXPECT_EQ(r.out, "Submitted batch job default/my-train\n");
  EXPECT_NE(r.err.find("sbatch: ignoring --output=x.log"), std::string::npos) << r.err;
  auto job = client_->Get(kube::ResourceRef::FairwayJobs(), "default", "my-train");
  ASSERT_TRUE(job.ok()) << job.status();
  EXPECT_EQ((*job)["spec"]["array"], "0-3");
  EXPECT_EQ((*job)["spec"]["resources"]["gpuType"], "a100");
  EXPECT_EQ((*job)["spec"]["template"]["spec"]["containers"][0]["image"], "python:3.12");
  auto cm =
      client_->Get(kube::ResourceRef{"", "v1", "configmaps", true}, "default", "my-train-script");
  ASSERT_TRUE(cm.ok()) << cm.status();
  EXPECT_EQ((*cm)["data"]["script"], script);
  EXPECT_EQ((*cm)["metadata"]["ownerReferences"][0]["name"], "my-train");

  EXPECT_EQ((*job)["spec"]["jobName"], "my-train");

  // Slurm's job name may repeat, and is free text (issue #16): the object gets a suffix.
  r = Run({"sbatch", "-J", "my-train", path});
  EXPECT_EQ(r.rc, 0) << r.err;
  EXPECT_EQ(r.out.rfind("Submitted batch job default/my-train-", 0), 0u) << r.out;
  r = Run({"sbatch", "-J", "My Train (v2)", path});
  EXPECT_EQ(r.rc, 0) << r.err;
  ASSERT_EQ(r.out.rfind("Submitted batch job default/my-train-v2-", 0), 0u) << r.out;
  std::string object = r.out.substr(std::string("Submitted batch job default/").size());
  object.pop_back();  // the newline
  job = client_->Get(kube::ResourceRef::FairwayJobs(), "default", object);
  ASSERT_TRUE(job.ok()) << job.status();
  EXPECT_EQ((*job)["spec"]["jobName"], "My Train (v2)");

  r = Run({"sbatch", "-t", "bogus"}, "#!/bin/sh\necho\n");
  EXPECT_EQ(r.rc, 1);
  EXPECT_NE(r.err.find("sbatch: error: Invalid --time specification"), std::string::npos) << r.err;

  // From stdin, with a generated name; the jobID arrives when an "operator" writes it.
  std::thread op([&] {
    for (int i = 0; i < 100; ++i) {
      auto list = client_->List(kube::ResourceRef::FairwayJobs(), "default");
      if (list.ok()) {
        for (json& j : list->items) {
          if (!j.contains("status") && !j["spec"].contains("jobName")) {
            j["status"] = {{"jobID", 4242}};
            (void)client_->UpdateStatus(kube::ResourceRef::FairwayJobs(), "default", j);
            return;
          }
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });
  r = Run({"sbatch", "--parsable"}, "#!/bin/sh\necho hi\n");
  op.join();
  EXPECT_EQ(r.rc, 0) << r.err;
  EXPECT_TRUE(r.out == "4242\n" || r.out.rfind("sbatch-", 0) == 0) << r.out;
}

// Inside sbatch, Slurm's short options win: -n is --ntasks, not kubectl's namespace (which is
// --namespace there, or -n before the command). --wrap submits Slurm's generated script.
TEST_F(KubectlFairwayTest, SbatchNtasksAndWrap) {
  Result r = Run({"sbatch", "-n", "4", "-c", "2", "--wrap", "sleep 5; exit 3"});
  ASSERT_EQ(r.rc, 0) << r.err;
  ASSERT_EQ(r.out.rfind("Submitted batch job default/wrap-", 0), 0u) << r.out;
  std::string name = r.out.substr(std::string("Submitted batch job default/").size());
  name.pop_back();  // the newline
  auto job = client_->Get(kube::ResourceRef::FairwayJobs(), "default", name);
  ASSERT_TRUE(job.ok()) << job.status();
  EXPECT_EQ((*job)["spec"]["nodes"], 1);
  EXPECT_EQ((*job)["spec"]["resources"]["cpu"], "8");
  EXPECT_EQ((*job)["spec"]["template"]["spec"]["containers"][0]["command"][0], "/bin/sh");
  auto cm =
      client_->Get(kube::ResourceRef{"", "v1", "configmaps", true}, "default", name + "-script");
  ASSERT_TRUE(cm.ok()) << cm.status();
  EXPECT_EQ((*cm)["data"]["script"], WrapScript("sleep 5; exit 3"));

  // The namespace: --namespace inside sbatch, or -n before the command.
  r = Run({"sbatch", "--namespace=default", "-J", "ns-long", "-n", "2", "--wrap=true"});
  ASSERT_EQ(r.rc, 0) << r.err;
  EXPECT_EQ(r.out, "Submitted batch job default/ns-long\n");
  r = Run({"-n", "default", "sbatch", "-J", "ns-short", "-n", "2", "--wrap=true"});
  ASSERT_EQ(r.rc, 0) << r.err;
  EXPECT_EQ(r.out, "Submitted batch job default/ns-short\n");
  job = client_->Get(kube::ResourceRef::FairwayJobs(), "default", "ns-short");
  ASSERT_TRUE(job.ok()) << job.status();
  EXPECT_EQ((*job)["spec"]["resources"]["cpu"], "2");

  r = Run({"sbatch", "--wrap", "true", (dir_ / "job.sh").string()});
  EXPECT_EQ(r.rc, 1);
  EXPECT_EQ(r.err, "sbatch: error: Script arguments not permitted with --wrap option\n");
  r = Run({"sbatch", "-N", "3", "-n", "4", "--wrap=true"});
  EXPECT_EQ(r.rc, 1);
  EXPECT_NE(r.err.find("sbatch: error: --ntasks=4 cannot be split evenly over 3 nodes"),
            std::string::npos)
      << r.err;
}

// A script that is not text gets Slurm-style errors before anything is written.
// Like Slurm, a script whose body is not text is submitted (in the ConfigMap's binaryData);
// a NUL byte or an empty script is refused in Slurm 22.05's words.
TEST_F(KubectlFairwayTest, SbatchKeepsBinaryScriptsAndRefusesNul) {
  const std::string binary =
      "#!/bin/sh\nsleep 1\n\x7f"
      "ELF\x02\x01\x01\xff\xfe\n";
  std::string path = (dir_ / "binary.sh").string();
  std::ofstream(path, std::ios::binary) << binary;
  Result r = Run({"sbatch", "-J", "binary", path});
  EXPECT_EQ(r.rc, 0) << r.err;
  auto cm =
      client_->Get(kube::ResourceRef{"", "v1", "configmaps", true}, "default", "binary-script");
  ASSERT_TRUE(cm.ok()) << cm.status();
  EXPECT_FALSE(cm->contains("data") && (*cm)["data"].contains("script"));
  EXPECT_EQ((*cm)["binaryData"]["script"], Base64Encode(binary));

  const std::vector<std::pair<std::string, std::string>> refused = {
      {std::string("#!/bin/sh\nsleep 1\n\x7f"
                   "ELF\x02\x01\x01") +
           std::string(2, '\0') + "\xff\n",
       "sbatch: error: The Slurm controller does not allow scripts that\n"
       "sbatch: error: contain a NULL character '\\0'.\n"},
      {"", "sbatch: error: Batch script is empty!\n"},
  };
  for (const auto& [content, error] : refused) {
    std::ofstream(path, std::ios::binary) << content;
    r = Run({"sbatch", "-J", "refused", path});
    EXPECT_EQ(r.rc, 1);
    EXPECT_EQ(r.err, error);
  }
  EXPECT_FALSE(client_->Get(kube::ResourceRef::FairwayJobs(), "default", "refused").ok());
}

// A Job deleted after it ended stays in sacct through its JobRecord (the operator writes them:
// controllers/job_history.h); a record whose Job still exists is not shown twice.
TEST_F(KubectlFairwayTest, SacctReadsTheJobHistory) {
  Populate();
  auto record = [&](const std::string& uid, const std::string& name, uint64_t id,
                    int64_t end_offset_s) {
    api::JobStatus st;
    st.job_id = id;
    st.state = core::JobState::kCompleted;
    st.partition = "gpu";
    st.node_list = "gpu01";
    st.submit_time = At(end_offset_s - 4000);
    st.start_time = At(end_offset_s - 3600);
    st.end_time = At(end_offset_s);
    st.exit_code = 0;
    json job = Job(name, "alice", "physics", "gpu", 2);
    job["spec"].erase("template");
    job["metadata"]["uid"] = uid;
    json r = {
        {"apiVersion", "fairway.dev/v1alpha1"},
        {"kind", "JobRecord"},
        {"metadata",
         {{"name", uid},
          {"namespace", "default"},
          {"labels",
           {{"fairway.dev/end-date", api::FormatRfc3339(At(end_offset_s)).substr(0, 10)}}}}},
        {"spec",
         {{"job",
           {{"metadata", job["metadata"]}, {"spec", job["spec"]}, {"status", api::ToJson(st)}}}}}};
    Create(kube::ResourceRef::FairwayJobRecords(), "default", r);
  };
  record("0b5d6a3e-0000-4000-8000-000000000001", "gone", 90, -3 * 86400);  // 3 days ago
  auto prep = client_->Get(kube::ResourceRef::FairwayJobs(), "default", "prep");
  ASSERT_TRUE(prep.ok());
  record((*prep)["metadata"]["uid"], "prep", 100, -3600);  // prep still exists

  const std::string format = "--format=JobID,JobName,State,AllocGPUS,GPUSeconds";
  Result r = Run({"sacct", "-S", "now-7days", "-E", "now", "--state=CD", format});
  ASSERT_EQ(r.rc, 0) << r.err;
  EXPECT_EQ(r.out,
            "JobID           JobName      State  AllocGPUS GPUSeconds \n"
            "------------ ---------- ---------- ---------- ---------- \n"
            "90                 gone  COMPLETED          2       7200 \n"
            "100                prep  COMPLETED          4      14400 \n");
  r = Run({"sacct", "-n", "-o", "JobID"});  // since midnight: not the record of 3 days ago
  ASSERT_EQ(r.rc, 0) << r.err;
  EXPECT_EQ(r.out.find("90 "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("100 "), std::string::npos) << r.out;
  r = Run({"sacct", "-j", "90", "-o", "json"});
  ASSERT_EQ(r.rc, 0) << r.err;
  json doc = json::parse(r.out);
  ASSERT_EQ(doc["jobs"].size(), 1u);
  EXPECT_EQ(doc["jobs"][0]["name"], "gone");
  EXPECT_EQ(doc["jobs"][0]["state"]["current"], "COMPLETED");
}

// sbatch --test-only prints the plan as Slurm does (stderr, "Job N to start at T using C
// processors on nodes X in partition P") and submits nothing. Populate leaves gpu02 with 4 free
// GPUs, gpu00-01 full and gpu03 cordoned; finetune (8 GPUs, higher priority) waits.
TEST_F(KubectlFairwayTest, SbatchTestOnlyPrintsThePlan) {
  Populate();
  // The caller (the sandbox's user when it has no tokens) joins an account it belongs to.
  json acct = {{"apiVersion", "fairway.dev/v1alpha1"},
               {"kind", "Account"},
               {"metadata", {{"name", "lab"}}},
               {"spec", {{"users", {"fairway-sandbox-admin"}}}}};
  Create(kube::ResourceRef::FairwayAccounts(), "", acct);
  Result r = Run({"sbatch", "--test-only", "-A", "lab", "-t", "10", "--gpus-per-node=2", "-c", "2",
                  "--wrap", "sleep 1"});
  EXPECT_EQ(r.rc, 0) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err,
            "sbatch: Job 108 to start at 2025-03-01T10:00:00 using 2 processors on nodes gpu02 in "
            "partition gpu\n");
  // A whole node: none is free now, and none ever is in this plan (Populate's pods carry no Job
  // labels, so they count as other schedulers' pods, which hold their GPUs for good): no time
  // is invented. controllers' TestOnlyTest covers a start in the future.
  r = Run(
      {"sbatch", "--test-only", "-A", "lab", "-t", "10", "--gpus-per-node=8", "--wrap", "sleep 1"});
  EXPECT_EQ(r.rc, 1);
  EXPECT_EQ(r.err, "sbatch: error: Job has no planned start now (reason Resources)\n");
  r = Run({"sbatch", "--test-only", "-A", "lab", "-N", "9", "--wrap", "sleep 1"});
  EXPECT_EQ(r.rc, 1);
  EXPECT_EQ(r.err.rfind("sbatch: error: ", 0), 0u) << r.err;
  auto jobs = client_->List(kube::ResourceRef::FairwayJobs(), "default");
  ASSERT_TRUE(jobs.ok());
  EXPECT_EQ(jobs->items.size(), 5u);  // Populate's; nothing submitted
}

TEST_F(KubectlFairwayTest, SqueueJsonIsSlurmsDocument) {
  Populate();
  Result r = Run({"squeue", "-o", "json"});
  ASSERT_EQ(r.rc, 0) << r.err;
  json doc = json::parse(r.out);
  ASSERT_TRUE(doc["jobs"].is_array());
  std::set<int64_t> ids;
  for (const json& j : doc["jobs"]) ids.insert(j["job_id"].get<int64_t>());
  EXPECT_EQ(ids, (std::set<int64_t>{101, 102, 103, 104, 106, 107}));
  EXPECT_FALSE(doc.contains("items"));
  r = Run({"squeue", "--yaml", "-j", "102"});
  ASSERT_EQ(r.rc, 0) << r.err;
  EXPECT_NE(r.out.find("job_state: PENDING"), std::string::npos) << r.out;
}

// Every command answers --help with its own usage; `help COMMAND` says the same.
TEST_F(KubectlFairwayTest, EachCommandHasItsOwnHelp) {
  std::set<std::string> texts;
  for (const char* cmd :
       {"squeue", "sinfo", "sbatch", "scancel", "hold", "release", "requeue", "requeuehold",
        "sprio", "sshare", "sacct", "salloc", "srun", "jupyter", "code", "version"}) {
    SCOPED_TRACE(cmd);
    Result r = Run({cmd, "--help"});
    EXPECT_EQ(r.rc, 0) << r.err;
    EXPECT_EQ(r.out.rfind("Usage: kubectl fairway " + std::string(cmd), 0), 0u) << r.out;
    EXPECT_NE(r.out.find("kubectl flags:"), std::string::npos);
    texts.insert(r.out);
    EXPECT_EQ(Run({"help", cmd}).out, r.out);
  }
  EXPECT_EQ(texts.size(), 16u);
  EXPECT_NE(Run({"squeue", "--help"}).out.find("  -h, --noheader "), std::string::npos);
  EXPECT_NE(Run({"sbatch", "-h"}).out.find("  -n, --ntasks=N "), std::string::npos);
  Result overview = Run({"help"});
  EXPECT_EQ(overview.rc, 0);
  EXPECT_NE(overview.out.find("  version      "), std::string::npos) << overview.out;
  Result unknown = Run({"help", "sstat"});
  EXPECT_EQ(unknown.rc, 1);
  EXPECT_NE(unknown.err.find("unknown command \"sstat\""), std::string::npos);
}

TEST_F(KubectlFairwayTest, VersionPrintsThePluginVersion) {
  for (const char* v : {"version", "--version"}) {
    Result r = Run({v});
    EXPECT_EQ(r.rc, 0) << r.err;
    EXPECT_EQ(r.out, "kubectl-fairway " FAIRWAY_VERSION "\n");
  }
}

}  // namespace
}  // namespace fairway::cli
