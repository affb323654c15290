// Elastic partitions over HTTP (issue 14): a job on a node pool with no nodes waits with
// Resources and says it waits for nodes to be added; when the pool's nodes join it starts on
// them, but never on a node an autoscaler is removing (harness.h).
#include <gtest/gtest.h>

#include <thread>

#include "controllers/names.h"
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

std::vector<json> SignalPodsOf(Harness& h, const std::string& job) {
  kube::ListOptions lo;
  lo.label_selector = "fairway.dev/demand-signal=" + job;
  auto pods = h.client_->List(kube::ResourceRef::Pods(), "default", lo);
  if (!pods.ok()) return {};
  std::vector<json> live;
  for (json& p : pods->items) {
    if (!p["metadata"].contains("deletionTimestamp")) live.push_back(std::move(p));
  }
  return live;
}

bool Unschedulable(const json& pod) {
  for (const json& c : pod["status"].value("conditions", json::array())) {
    if (c.value("type", "") == "PodScheduled") {
      return c.value("status", "") == "False" && c.value("reason", "") == "Unschedulable";
    }
  }
  return false;
}

// The signal an autoscaler acts on: unbound pods with the pool's selector and tolerations and
// the job's per-node request, owned by the Job; they go when the job starts or is cancelled.
TEST(ElasticPartitionHttpTest, WaitingJobsSignalDemandWithUnschedulablePods) {
  Harness h;
  h.Start();
  json part = {
      {"apiVersion", "fairway.dev/v1alpha1"},
      {"kind", "Partition"},
      {"metadata", {{"name", "elastic"}}},
      {"spec",
       {{"nodePools",
         {{{"name", "p4d"},
           {"nodeSelector", {{kInstanceType, "p4d.24xlarge"}}},
           {"tolerations",
            {{{"key", "fairway.dev/pool"}, {"operator", "Exists"}, {"effect", "NoSchedule"}}}},
           {"maxNodes", 2},
           {"gpusPerNode", 8}}}}}}};
  ASSERT_TRUE(h.client_->Create(kube::ResourceRef::FairwayPartitions(), "", part).ok());
  json train = JobJson("train", 2, 8, 1);
  train["spec"]["partition"] = "elastic";
  h.Submit(train);
  json other = JobJson("other", 1, 8, 1);
  other["spec"]["partition"] = "elastic";
  h.Submit(other);

  ASSERT_TRUE(h.WaitUntil([&] {
    auto pods = SignalPodsOf(h, "train");
    return pods.size() == 2 && Unschedulable(pods[0]) && Unschedulable(pods[1]) &&
           SignalPodsOf(h, "other").size() == 1;
  })) << SignalPodsOf(h, "train").size()
      << " " << Harness::StateOf(h.Get("train"));
  const std::string uid = h.Get("train")->meta.uid;
  for (const json& pod : SignalPodsOf(h, "train")) {
    EXPECT_EQ(pod["spec"].value("nodeName", ""), "");
    EXPECT_EQ(pod["spec"]["schedulerName"], "fairway");
    EXPECT_EQ(pod["spec"]["nodeSelector"], json({{kInstanceType, "p4d.24xlarge"}}));
    EXPECT_EQ(pod["spec"]["tolerations"][0]["key"], "fairway.dev/pool");
    EXPECT_EQ(pod["spec"]["containers"][0]["resources"]["requests"]["nvidia.com/gpu"], "8");
    EXPECT_EQ(pod["metadata"]["ownerReferences"][0]["uid"], uid);
    EXPECT_EQ(pod["metadata"]["annotations"]["fairway.dev/demand-pool"], "elastic/p4d");
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // the stray-pod check runs
  EXPECT_EQ(SignalPodsOf(h, "train").size(), 2u);
  EXPECT_TRUE(h.PodsOf("train").empty());

  // Cancelling a waiting job removes its signal.
  h.Patch("other", {{"metadata", {{"annotations", {{std::string(kAnnotationCancel), "now"}}}}}});
  ASSERT_TRUE(h.WaitState("other", JobState::kCancelled).has_value());
  ASSERT_TRUE(h.WaitUntil([&] { return SignalPodsOf(h, "other").empty(); }));

  // The nodes join: the job's own pods are created and bound, the signal pods go.
  ASSERT_TRUE(h.sb_->kubelet().AddNodes({PoolNode("p4d-1"), PoolNode("p4d-2")}).ok());
  ASSERT_TRUE(h.WaitState("train", JobState::kRunning).has_value())
      << Harness::StateOf(h.Get("train"));
  ASSERT_TRUE(h.WaitUntil([&] { return SignalPodsOf(h, "train").empty(); }));
  ASSERT_TRUE(h.WaitState("train", JobState::kCompleted).has_value())
      << Harness::StateOf(h.Get("train"));
}

std::vector<std::string> PoolNodes(Harness& h) {
  kube::ListOptions lo;
  lo.label_selector = std::string(kInstanceType) + "=p4d.24xlarge";
  auto nodes = h.client_->List(kube::ResourceRef::Nodes(), "", lo);
  std::vector<std::string> names;
  if (nodes.ok()) {
    for (const json& n : nodes->items) names.push_back(n["metadata"]["name"]);
  }
  return names;
}

// The whole loop with the sandbox's simulated autoscaler: the job's signal scales the empty
// pool up, the job runs on the new node, and the node goes after the idle time.
TEST(ElasticPartitionHttpTest, SimulatedAutoscalerScalesAPoolUpForAJobAndDownWhenIdle) {
  HarnessOptions o;
  sandbox::AutoscalerSimOptions as;
  as.interval = std::chrono::milliseconds(100);
  as.boot_delay = std::chrono::milliseconds(300);
  as.scaledown_idle = std::chrono::seconds(1);
  o.autoscaler = as;
  Harness h(o);
  h.Start();
  CreateElasticPartition(h);
  json train = JobJson("train", 1, 8, 1);
  train["spec"]["partition"] = "elastic";
  h.Submit(train);

  auto done = h.WaitState("train", JobState::kCompleted);
  ASSERT_TRUE(done.has_value()) << Harness::StateOf(h.Get("train"));
  EXPECT_EQ(done->status.node_list, "p4d-dy-0");  // one node for one signal, not maxNodes
  EXPECT_TRUE(SignalPodsOf(h, "train").empty());
  ASSERT_TRUE(h.WaitUntil([&] { return PoolNodes(h).empty(); }))
      << PoolNodes(h).size() << " pool nodes left";
}

}  // namespace
}  // namespace fairway::controllers::testing
