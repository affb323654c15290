// sbatch --test-only's planner (controllers/test_only.h): the operator's snapshot and cycle over
// listed objects, with the candidate added; nothing of the input is changed.
#include "controllers/test_only.h"

#include <gtest/gtest.h>

#include "controllers/kube_objects.h"

namespace fairway::controllers {
namespace {

using nlohmann::json;

core::Timestamp T(int64_t s) { return core::Timestamp(core::Seconds(s)); }

json Node(const std::string& name) {
  return {{"metadata", {{"name", name}}},
          {"spec", json::object()},
          {"status",
           {{"allocatable", {{"cpu", "64"}, {"memory", "512Gi"}, {"nvidia.com/gpu", "8"}}},
            {"conditions", json::array({{{"type", "Ready"}, {"status", "True"}}})}}}};
}

api::JobObject Job(const std::string& name, int gpus, const std::string& limit) {
  api::JobObject j;
  j.meta.name = name;
  j.meta.namespace_name = "ns";
  j.meta.uid = "uid-" + name;
  j.spec.resources.gpus = gpus;
  j.spec.account = "physics";
  j.spec.user = "alice";
  j.spec.time_limit = limit;
  return j;
}

// One node of 8 GPUs; `big` runs on it from t=1000 with a 1 hour limit.
ClusterObjects Cluster() {
  ClusterObjects o;
  o.nodes = {NodeFromJson(Node("n1"))};
  api::PartitionObject p;
  p.meta.name = "gpu";
  p.spec.is_default = true;
  o.partitions = {p};
  api::AccountObject a;
  a.meta.name = "physics";
  a.spec.users = {"alice"};
  o.accounts = {a};
  api::JobObject big = Job("big", 6, "1:00:00");
  big.status.job_id = 41;
  big.status.state = core::JobState::kRunning;
  big.status.node_list = "n1";
  big.status.partition = "gpu";
  big.status.start_time = T(1000);
  o.jobs = {big};
  return o;
}

TEST(TestOnlyTest, FitsNowOnTheFreeGpus) {
  auto plan = PlanTestOnly(Cluster(), Job("c", 2, "10"), core::SchedulerConfig{}, T(1600));
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->job_id, 42u);  // the next after the largest jobID shown
  EXPECT_EQ(plan->start, T(1600));
  EXPECT_EQ(plan->nodes, std::vector<std::string>{"n1"});
  EXPECT_EQ(plan->partition, "gpu");
  EXPECT_EQ(plan->cpus, 1);
}

TEST(TestOnlyTest, LaterStartIsTheReservationWithItsNodes) {
  // 4 GPUs do not fit beside big's 6 until its limit ends at t=4600.
  auto plan = PlanTestOnly(Cluster(), Job("c", 4, "10"), core::SchedulerConfig{}, T(1600));
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_GE(plan->start, T(4600 - 60));  // the plan's time map has a 60 s resolution
  EXPECT_LE(plan->start, T(4600 + 60));
  EXPECT_EQ(plan->nodes, std::vector<std::string>{"n1"});
  EXPECT_EQ(plan->partition, "gpu");
}

TEST(TestOnlyTest, ImpossibleJobSaysWhy) {
  api::JobObject wide = Job("c", 8, "10");
  wide.spec.nodes = 2;  // one node in the cluster
  auto plan = PlanTestOnly(Cluster(), wide, core::SchedulerConfig{}, T(1600));
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.status().code(), StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace fairway::controllers
