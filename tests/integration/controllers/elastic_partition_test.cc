// Elastic partitions over HTTP (issue 14): a job on a node pool with no nodes waits with
// Resources and says it waits for nodes to be added; when the pool's nodes join it starts on
// them, but never on a node an autoscaler is removing (harness.h).
#include <gtest/gtest.h>

#include <thread>

#include "harness.h"

namespace fairway::controllers::testing {
namespace {

using core::JobState;

constexpr const char* kInstanceType = "node.kubernetes.io/instance-type";

void CreateElasticPartition(Harness& h) {
  json part = {{"apiVersion", "fairway.dev/v1alpha1"},
               {"kind", "Partition"},
               {"metadata", {{"name", "elastic"}}},
               {"spec",
                {{"nodePools",
                  {{{"name", "p4d"},
                    {"nodeSelector", {{kInstanceType, "p4d.24xlarge"}}},
                    {"maxNodes", 2},
                    {"gpusPerNode", 8}}}}}}};
  auto r = h.client_->Create(kube::ResourceRef::FairwayPartitions(), "", part);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
}

sandbox::SimNodeSpec PoolNode(const std::string& name) {
  sandbox::SimNodeSpec n;
  n.name = name;
  n.labels[kInstanceType] = "p4d.24xlarge";
  return n;
}

TEST(ElasticPartitionHttpTest, WaitsForAddedNodesThenRunsOnThemButNotOnOnesBeingRemoved) {
  Harness h;
  h.Start();
  CreateElasticPartition(h);
  json train = JobJson("train", 2, 8, 1);
  train["spec"]["partition"] = "elastic";
  h.Submit(train);
  auto waiting = h.WaitJob("train", [](const api::JobObject& j) {
    return j.status.reason == "Resources" &&
           j.status.message == "waiting for nodes to be added: 2 to pool p4d of partition elastic";
  });
  ASSERT_TRUE(waiting.has_value()) << Harness::StateOf(h.Get("train"));

  // The pool grows to maxNodes, but cluster-autoscaler is already removing one node.
  sandbox::SimNodeSpec doomed = PoolNode("p4d-1");
  doomed.taints.push_back({{"key", "ToBeDeletedByClusterAutoscaler"},
                           {"value", "1733500000"},
                           {"effect", "NoSchedule"}});
  ASSERT_TRUE(h.sb_->kubelet().AddNodes({doomed, PoolNode("p4d-2")}).ok());
  auto blocked = h.WaitJob("train", [](const api::JobObject& j) {
    return j.status.reason != "Resources" && j.status.message.empty();
  });
  ASSERT_TRUE(blocked.has_value()) << Harness::StateOf(h.Get("train"));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // a few more cycles
  EXPECT_EQ(h.Get("train")->status.state, JobState::kPending) << Harness::StateOf(h.Get("train"));

  // The scale-down is called off (the autoscaler removes its taint): the job runs there.
  auto r = h.client_->Patch(kube::ResourceRef::Nodes(), "", "p4d-1", kube::PatchType::kMerge,
                            {{"spec", {{"taints", json::array()}}}});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  auto running = h.WaitState("train", JobState::kRunning);
  ASSERT_TRUE(running.has_value()) << Harness::StateOf(h.Get("train"));
  EXPECT_EQ(running->status.node_list, "p4d-1,p4d-2");
  ASSERT_TRUE(h.WaitState("train", JobState::kCompleted).has_value())
      << Harness::StateOf(h.Get("train"));
}

}  // namespace
}  // namespace fairway::controllers::testing
