// The operator refuses a Job whose pod template hides GPUs from spec.resources (a Job stored
// without the admission webhook), and builds pods that keep a template's own GPU spread.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "api/job_types.h"
#include "controllers/kube_objects.h"
#include "controllers/pod_builder.h"
#include "controllers/snapshot.h"

namespace fairway::controllers {
namespace {

using nlohmann::json;

// A pending job with jobID `id` asking for `gpus` GPUs on one node, with this pod template.
api::JobObject PendingJob(const std::string& name, int64_t gpus, json pod_template,
                          uint64_t id = 7) {
  api::JobObject j;
  j.meta.name = name;
  j.meta.namespace_name = "ns";
  j.meta.uid = "uid-" + name;
  j.spec.nodes = 1;
  j.spec.resources.gpus = gpus;
  j.spec.account = "physics";
  j.spec.user = "alice";
  j.spec.pod_template = std::move(pod_template);
  j.status.job_id = id;
  j.status.state = core::JobState::kPending;
  return j;
}

json GpuContainer(const std::string& name, json count) {
  return {{"name", name},
          {"image", "trainer"},
          {"resources", {{"limits", {{"nvidia.com/gpu", std::move(count)}}}}}};
}

json Template(json containers) { return {{"spec", {{"containers", std::move(containers)}}}}; }

struct InvalidCase {
  std::string name;
  api::JobObject job;
  std::string message;
};

TEST(SnapshotTemplateGpusTest, TemplateAdmissionWouldRefuseIsHeldBackInvalid) {
  const std::vector<InvalidCase> cases = {
      {"HiddenGpus", PendingJob("hidden", 0, Template(json::array({GpuContainer("a", 8)}))),
       "INVALID_ARGUMENT: spec.template: the pod template asks for 8 nvidia.com/gpu per pod but "
       "spec.resources asks for 0 GPUs per node; ask for GPUs in spec.resources only (admission "
       "copies them into the template)"},
      {"MoreThanAsked",
       PendingJob("more", 4, Template(json::array({GpuContainer("a", 4), GpuContainer("b", 4)}))),
       "INVALID_ARGUMENT: spec.template: the pod template asks for 8 nvidia.com/gpu per pod but "
       "spec.resources asks for 4 GPUs per node; ask for GPUs in spec.resources only (admission "
       "copies them into the template)"},
      {"BadShape", PendingJob("shape", 1, {{"spec", {{"containers", "main"}}}}),
       "INVALID_ARGUMENT: spec.template.spec.containers: must be a list"},
      {"OtherGpuResource",
       PendingJob("amd", 1,
                  Template(json::array(
                      {{{"name", "a"}, {"resources", {{"limits", {{"amd.com/gpu", 1}}}}}}}))),
       "INVALID_ARGUMENT: spec.template.spec.containers[0].resources.limits[amd.com/gpu]: only "
       "nvidia.com/gpu is accounted; ask for GPUs in spec.resources"},
  };
  for (const InvalidCase& c : cases) {
    SCOPED_TRACE(c.name);
    ClusterObjects o;
    o.jobs = {c.job};
    Snapshot s = BuildSnapshot(o, {}, {});
    EXPECT_TRUE(s.pending.empty());
    ASSERT_EQ(s.held_back.size(), 1u);
    EXPECT_EQ(s.held_back[0].job, 0u);
    EXPECT_TRUE(s.held_back[0].invalid);
    EXPECT_EQ(s.held_back[0].message, c.message);
  }
}

TEST(SnapshotTemplateGpusTest, GpusSpreadOverContainersAreAcceptedAndNotAddedTo) {
  ClusterObjects o;
  o.jobs = {PendingJob("spread", 4,
                       Template(json::array({GpuContainer("a", 2), GpuContainer("b", "2")})))};
  Snapshot s = BuildSnapshot(o, {}, {});
  EXPECT_TRUE(s.held_back.empty());
  ASSERT_EQ(s.pending.size(), 1u);
  EXPECT_EQ(s.pending[0].per_node.gpus, 4);

  PodPlan plan;
  plan.job_id = 7;
  plan.partition = "gpu";
  plan.nodes = {"n1"};
  JobPods pods = BuildJobPods(o.jobs[0], plan);
  ASSERT_EQ(pods.pods.size(), 1u);
  const json& containers = pods.pods[0]["spec"]["containers"];
  ASSERT_EQ(containers.size(), 2u);
  EXPECT_EQ(containers[0]["resources"], json({{"limits", {{"nvidia.com/gpu", 2}}}}));
  EXPECT_EQ(containers[1]["resources"], json({{"limits", {{"nvidia.com/gpu", "2"}}}}));
  EXPECT_EQ(PodRequest(pods.pods[0]).gpus, 4);  // what the node's kubelet admits
}

TEST(SnapshotTemplateGpusTest, TemplateWithoutGpusGetsTheJobsOnItsFirstContainer) {
  ClusterObjects o;
  o.jobs = {PendingJob("plain", 4, Template(json::array({{{"name", "a"}}, {{"name", "b"}}})))};
  Snapshot s = BuildSnapshot(o, {}, {});
  EXPECT_TRUE(s.held_back.empty());
  ASSERT_EQ(s.pending.size(), 1u);

  PodPlan plan;
  plan.job_id = 7;
  plan.partition = "gpu";
  plan.nodes = {"n1"};
  JobPods pods = BuildJobPods(o.jobs[0], plan);
  ASSERT_EQ(pods.pods.size(), 1u);
  const json& containers = pods.pods[0]["spec"]["containers"];
  ASSERT_EQ(containers.size(), 2u);
  EXPECT_EQ(containers[0]["resources"]["limits"]["nvidia.com/gpu"], "4");
  EXPECT_EQ(containers[0]["resources"]["requests"]["nvidia.com/gpu"], "4");
  EXPECT_FALSE(containers[1].contains("resources"));
  EXPECT_EQ(PodRequest(pods.pods[0]).gpus, 4);
}

}  // namespace
}  // namespace fairway::controllers
