// The controllers over real HTTP against an in-process sandbox: a Job is scheduled, bound, run
// by the simulated kubelet and reported COMPLETED; a multi-node gang lands on distinct nodes.
#include <gtest/gtest.h>

#include <thread>

#include "api/job_types.h"
#include "controllers/controller.h"
#include "controllers/metrics.h"
#include "kube/api_client.h"
#include "kube/kube_config.h"
#include "sandbox/sandbox.h"

namespace fairway::controllers {
namespace {

using nlohmann::json;

class ControllerHttpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    sandbox::SandboxOptions o;
    o.nodes = sandbox::UniformSimNodes(3, 8, "A100", "gpu-node-");
    o.kubelet.start_delay = std::chrono::milliseconds(100);
    o.manifests.push_back(FAIRWAY_SOURCE_CRDS);
    auto sb = sandbox::Sandbox::Start(o, &clock_);
    ASSERT_TRUE(sb.ok()) << sb.status().ToString();
    sb_ = std::move(*sb);
    kube::KubeconfigOptions ko;
    ko.clock = &clock_;
    auto rest = kube::LoadKubeconfigFromString(sb_->Kubeconfig(), "/tmp", ko);
    ASSERT_TRUE(rest.ok()) << rest.status().ToString();
    auto client = kube::RestApiClient::Create(*rest, &clock_);
    ASSERT_TRUE(client.ok());
    client_ = std::move(*client);
    ControllerOptions co;
    co.cycle_interval = std::chrono::milliseconds(200);
    ctl_ = std::make_unique<Controller>(client_.get(), &clock_, &metrics_, &events_, co);
    ASSERT_TRUE(ctl_->Start().ok());
    json part = {{"apiVersion", "fairway.dev/v1alpha1"}, {"kind", "Partition"},
                 {"metadata", {{"name", "gpu"}}}, {"spec", {{"default", true}}}};
    ASSERT_TRUE(client_->Create(kube::ResourceRef::FairwayPartitions(), "", part).ok());
    json acct = {{"apiVersion", "fairway.dev/v1alpha1"}, {"kind", "Account"},
                 {"metadata", {{"name", "physics"}}}, {"spec", {{"users", {"alice"}}}}};
    ASSERT_TRUE(client_->Create(kube::ResourceRef::FairwayAccounts(), "", acct).ok());
  }
  void TearDown() override {
    if (ctl_) ctl_->Stop();
    if (sb_) sb_->Stop();
  }
  json Job(const std::string& name, int nodes, int gpus, int seconds) {
    return {{"apiVersion", "fairway.dev/v1alpha1"}, {"kind", "Job"},
            {"metadata", {{"name", name}, {"namespace", "default"},
                          {"annotations", {{"fairway.dev/sim-duration", std::to_string(seconds)}}}}},
            {"spec", {{"nodes", nodes}, {"resources", {{"gpus", gpus}}}, {"user", "alice"}, {"account", "physics"}}}};
  }
  std::optional<api::JobObject> WaitFor(const std::string& name, core::JobState state, int seconds) {
    for (int i = 0; i < seconds * 10; ++i) {
      auto j = client_->Get(kube::ResourceRef::FairwayJobs(), "default", name);
      if (j.ok()) {
        auto job = api::JobFromJson(*j);
        if (job.ok() && job->status.state == state) return *job;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return std::nullopt;
  }

  RealClock clock_;
  NullOperatorMetrics metrics_;
  kube::FakeEventRecorder events_;
  std::unique_ptr<sandbox::Sandbox> sb_;
  std::unique_ptr<kube::RestApiClient> client_;
  std::unique_ptr<Controller> ctl_;
};

TEST_F(ControllerHttpTest, JobIsScheduledBoundRunAndCompleted) {
  ASSERT_TRUE(client_->Create(kube::ResourceRef::FairwayJobs(), "default", Job("hello", 1, 2, 1)).ok());
  auto done = WaitFor("hello", core::JobState::kCompleted, 20);
  ASSERT_TRUE(done.has_value());
  EXPECT_GT(done->status.job_id, 0u);
  EXPECT_EQ(done->status.exit_code, 0);
  auto pod = client_->Get(kube::ResourceRef::Pods(), "default", "hello-0");
  ASSERT_TRUE(pod.ok());
  EXPECT_EQ((*pod)["spec"]["nodeName"], done->status.node_list);
  bool has_id = false;
  for (const json& e : (*pod)["spec"]["containers"][0]["env"]) {
    if (e["name"] == "SLURM_JOB_ID") has_id = e["value"] == std::to_string(done->status.job_id);
  }
  EXPECT_TRUE(has_id);
}

TEST_F(ControllerHttpTest, MultiNodeGangIsBoundToDistinctNodes) {
  ASSERT_TRUE(client_->Create(kube::ResourceRef::FairwayJobs(), "default", Job("gang", 3, 8, 1)).ok());
  auto running = WaitFor("gang", core::JobState::kRunning, 20);
  ASSERT_TRUE(running.has_value());
  // RUNNING is written before the pods are created and bound (so the decision survives a
  // restart): wait for each pod to be bound.
  std::set<std::string> nodes;
  for (int r = 0; r < 3; ++r) {
    std::string node;
    for (int i = 0; i < 100 && node.empty(); ++i) {
      auto pod = client_->Get(kube::ResourceRef::Pods(), "default", "gang-" + std::to_string(r));
      if (pod.ok() && (*pod)["spec"].contains("nodeName")) {
        node = (*pod)["spec"]["nodeName"].get<std::string>();
      } else {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    }
    ASSERT_FALSE(node.empty()) << "pod gang-" << r << " was never bound";
    nodes.insert(node);
  }
  EXPECT_EQ(nodes.size(), 3u);
  EXPECT_TRUE(WaitFor("gang", core::JobState::kCompleted, 20).has_value());
}

}  // namespace
}  // namespace fairway::controllers
