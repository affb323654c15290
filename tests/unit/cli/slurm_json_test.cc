// squeue/sacct -o json: every field Fairway writes has the name, the place and the JSON type
// that Slurm 22.05's --json gives it (tests/testdata/slurm/squeue_json.txt, sacct.txt), and
// the values of a running job, a pending job and an array task are the expected ones.
#include "cli/slurm_json.h"

#include <gtest/gtest.h>

#include "api/common_types.h"
#include "tests/unit/cli/slurm_recording.h"

namespace fairway::cli {
namespace {

using nlohmann::json;
using testing::RecordedOutput;

core::Timestamp T(int64_t s) { return core::Timestamp(core::Seconds(s)); }

// Reports where `ours` leaves Slurm's shape `slurm`: an unknown key, or another JSON type where
// Slurm's value is not null (numbers of any kind count as one type).
void ExpectSubShape(const json& ours, const json& slurm, const std::string& path) {
  auto kind = [](const json& v) { return v.is_number() ? std::string("number") : v.type_name(); };
  if (slurm.is_null() || ours.is_null()) return;
  ASSERT_EQ(kind(ours), kind(slurm)) << path;
  if (ours.is_object()) {
    for (const auto& [key, value] : ours.items()) {
      ASSERT_TRUE(slurm.contains(key)) << "Slurm has no field " << path << "." << key;
      ExpectSubShape(value, slurm[key], path + "." + key);
    }
  } else if (ours.is_array() && !ours.empty() && !slurm.empty()) {
    ExpectSubShape(ours[0], slurm[0], path + "[0]");
  }
}

std::vector<JobRow> Rows() {
  JobRow run;
  run.id = "20";
  run.job_id = 20;
  run.name = "run1";
  run.partition = "gpu";
  run.account = "physics";
  run.user = "alice";
  run.qos = "normal";
  run.state = core::JobState::kRunning;
  run.reason = "None";
  run.submit_time = T(1000);
  run.start_time = T(1060);
  run.elapsed_s = 30;
  run.time_limit = core::Seconds(600);
  run.nodes = 2;
  run.node_list = "gpu[01-02]";
  run.gpus_per_node = 4;
  run.tres_per_node = "gres/gpu:4";
  run.cpu = "2";
  run.memory = "1Gi";
  JobRow pend = run;
  pend.id = "30_[2-5%2]";
  pend.job_id = 30;
  pend.array_id = 30;
  pend.array_pending = "2-5%2";
  pend.state = core::JobState::kPending;
  pend.reason = "Resources";
  pend.start_time.reset();
  pend.expected_start = T(2000);
  pend.node_list.clear();
  JobRow task = run;
  task.id = "30_1";
  task.job_id = 31;
  task.array_id = 30;
  task.task_index = 1;
  task.state = core::JobState::kFailed;
  task.end_time = T(1100);
  task.exit_code = 3;
  return {run, pend, task};
}

TEST(SlurmJsonTest, SqueueHasSlurmsShape) {
  json slurm = json::parse(RecordedOutput("squeue_json.txt", "squeue --json"));
  json ours = SqueueJson(Rows());
  ASSERT_EQ(ours["jobs"].size(), 3u);
  for (const json& job : ours["jobs"]) ExpectSubShape(job, slurm["jobs"][0], "jobs[]");
  EXPECT_EQ(ours["errors"], json::array());
  const json& run = ours["jobs"][0];
  EXPECT_EQ(run["job_id"], 20);
  EXPECT_EQ(run["job_state"], "RUNNING");
  EXPECT_EQ(run["user_name"], "alice");
  EXPECT_EQ(run["nodes"], "gpu[01-02]");
  EXPECT_EQ(run["time_limit"], 10);  // minutes
  EXPECT_EQ(run["end_time"], 1660);  // start + limit, as Slurm
  EXPECT_EQ(run["tres_per_node"], "gres:gpu:4");
  EXPECT_EQ(run["tres_req_str"], "cpu=4,mem=2048M,node=2,gres/gpu=8");
  EXPECT_TRUE(run["array_task_id"].is_null());
  const json& pend = ours["jobs"][1];
  EXPECT_EQ(pend["start_time"], 2000);  // the expected start
  EXPECT_EQ(pend["state_reason"], "Resources");
  EXPECT_EQ(pend["array_task_string"], "2-5%2");
  EXPECT_EQ(pend["tres_alloc_str"], "");
  EXPECT_EQ(ours["jobs"][2]["array_task_id"], 1);
  EXPECT_EQ(ours["jobs"][2]["array_job_id"], 30);
}

TEST(SlurmJsonTest, SacctHasSlurmsShape) {
  json slurm = json::parse(RecordedOutput("sacct.txt", "sacct -a -X -j 20 --json"));
  json ours = SacctJson(Rows());
  ASSERT_EQ(ours["jobs"].size(), 3u);
  for (const json& job : ours["jobs"]) ExpectSubShape(job, slurm["jobs"][0], "jobs[]");
  const json& task = ours["jobs"][2];
  EXPECT_EQ(task["job_id"], 31);
  EXPECT_EQ(task["array"]["job_id"], 30);
  EXPECT_EQ(task["array"]["task_id"], 1);
  EXPECT_EQ(task["state"], json({{"current", "FAILED"}, {"reason", "None"}}));
  EXPECT_EQ(task["exit_code"], json({{"status", "FAILED"}, {"return_code", 3}}));
  EXPECT_EQ(task["time"]["elapsed"], 30);
  EXPECT_EQ(task["time"]["end"], 1100);
  EXPECT_EQ(task["time"]["limit"], 10);
  EXPECT_EQ(task["tres"]["allocated"][3], json({{"type", "gres"}, {"name", "gpu"}, {"count", 8}}));
  const json& pend = ours["jobs"][1];
  EXPECT_EQ(pend["nodes"], "None assigned");
  EXPECT_EQ(pend["tres"]["allocated"], json::array());
  EXPECT_EQ(TresString(Rows()[0], true), "cpu=4,gres/gpu=8,mem=2048M,node=2");
}

}  // namespace
}  // namespace fairway::cli
