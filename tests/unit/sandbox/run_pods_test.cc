// The kubelet simulator with --run-pods: containers run as local processes; pods/log serves
// their output (and the simulated lines without --run-pods).
#include <filesystem>
#include <thread>

#include "api_test_util.h"
#include "sandbox/kubelet_sim.h"
#include "sandbox/pod_streams.h"

namespace fairway::sandbox {
namespace {

using nlohmann::json;
using testing::Reply;

class RunPodsTest : public testing::ApiServerTest {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("fairway-run-pods-test-" + std::to_string(::getpid()));
    KubeletSimulator::Options o;
    o.start_delay = std::chrono::seconds(1);
    o.run_pods_dir = dir_.string();
    sim_ = std::make_unique<KubeletSimulator>(&api_, &clock_, o);
    ASSERT_TRUE(sim_->AddNodes(UniformSimNodes(1, 4, "H100")).ok());
    ASSERT_TRUE(sim_->Start().ok());
    api_.SetPodStreamHandler(MakePodStreamHandler(&api_, sim_->runtime()));
  }
  void TearDown() override {
    sim_->Stop();
    std::filesystem::remove_all(dir_);
  }

  // Creates and binds a pod running `script` with sh, and lets the simulated start delay pass.
  void RunScript(const std::string& name, const std::string& script, json extra_env = json()) {
    json p = PodBody(name);
    p["spec"]["containers"][0]["command"] = {"sh", "-c", script};
    json env = {
        {{"name", "SLURM_JOB_ID"}, {"value", "42"}},
        {{"name", "NODE"}, {"valueFrom", {{"fieldRef", {{"fieldPath", "spec.nodeName"}}}}}}};
    if (extra_env.is_array()) env.insert(env.end(), extra_env.begin(), extra_env.end());
    p["spec"]["containers"][0]["env"] = env;
    ASSERT_EQ(Do("POST", kPods, p).status, 201);
    ASSERT_EQ(Do("POST", kPods + "/" + name + "/binding",
                 {{"target", {{"kind", "Node"}, {"name", "gpu-node-0"}}}})
                  .status,
              201);
    for (int i = 0; i < 11; ++i) clock_.Advance(std::chrono::milliseconds(100));
  }

  // Polls (in real time: the processes are real) until the pod's phase is `phase`.
  bool AwaitPhase(const std::string& name, const std::string& phase) {
    for (int i = 0; i < 100; ++i) {
      if (Do("GET", kPods + "/" + name).body["status"].value("phase", "") == phase) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }

  std::string Log(const std::string& name, const std::string& query = "") {
    return Do("GET", kPods + "/" + name + "/log" + query).raw.body;
  }

  const std::string kPods = "/api/v1/namespaces/default/pods";
  std::filesystem::path dir_;
  std::unique_ptr<KubeletSimulator> sim_;
};

TEST_F(RunPodsTest, CommandRunsWithPodEnvAndItsExitCodeEndsThePod) {
  RunScript("p", "echo \"job $SLURM_JOB_ID on $NODE as $HOSTNAME\"; echo err >&2; exit 3");
  ASSERT_TRUE(AwaitPhase("p", "Failed"));
  json pod = Do("GET", kPods + "/p").body;
  EXPECT_EQ(pod["status"]["containerStatuses"][0]["state"]["terminated"]["exitCode"], 3);
  EXPECT_EQ(pod["status"]["containerStatuses"][0]["state"]["terminated"]["reason"], "Error");
  EXPECT_EQ(pod["status"]["podIP"], "127.0.0.1");
  EXPECT_EQ(Log("p"), "job 42 on gpu-node-0 as p\nerr\n");
  EXPECT_EQ(Log("p", "?tailLines=1"), "err\n");
}

TEST_F(RunPodsTest, SucceedsWithExitZeroInItsOwnWorkingDirectory) {
  RunScript("w", "touch marker && ls");
  ASSERT_TRUE(AwaitPhase("w", "Succeeded"));
  EXPECT_EQ(Log("w"), "marker\n");
  std::optional<PodRuntime::PodView> view = sim_->runtime()->Find("default", "w");
  ASSERT_TRUE(view.has_value());
  EXPECT_TRUE(std::filesystem::exists(std::filesystem::path(view->work_dir) / "marker"));
  EXPECT_FALSE(view->running);
}

TEST_F(RunPodsTest, DeleteSendsSigtermThenTheDeletionCompletes) {
  RunScript("d", "trap 'echo got TERM; exit 0' TERM; echo up; while :; do sleep 0.1; done");
  ASSERT_TRUE(AwaitPhase("d", "Running"));
  for (int i = 0; i < 50 && Log("d").empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_EQ(Do("DELETE", kPods + "/d", {{"gracePeriodSeconds", 5}}).status, 200);
  clock_.Advance(std::chrono::milliseconds(0));
  bool gone = false;
  for (int i = 0; i < 60 && !gone; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    gone = Do("GET", kPods + "/d").status == 404;
  }
  EXPECT_TRUE(gone) << "the deletion completes when the process has exited, before the grace";
}

TEST_F(RunPodsTest, LogsOfAPendingPodAndUnknownContainerAreErrors) {
  ASSERT_EQ(Do("POST", kPods, PodBody("pending")).status, 201);
  Reply r = Do("GET", kPods + "/pending/log");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.raw.body.find("is waiting to start"), std::string::npos) << r.raw.body;
  RunScript("c", "exit 0");
  ASSERT_TRUE(AwaitPhase("c", "Succeeded"));
  r = Do("GET", kPods + "/c/log?container=nope");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.raw.body.find("container nope is not valid for pod c"), std::string::npos);
}

TEST_F(RunPodsTest, FollowStreamsUntilTheContainerExits) {
  RunScript("f", "echo one; sleep 0.3; echo two");
  ASSERT_TRUE(AwaitPhase("f", "Running"));
  HttpRequest req;
  req.method = "GET";
  req.target = kPods + "/f/log?follow=true";
  HandlerReply reply = api_.Handle(req);
  std::string got;
  if (reply.watch) {
    for (int i = 0; i < 100; ++i) {
      if (!reply.watch->Poll(&got)) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  } else {
    got = reply.response.body;  // it had already ended
  }
  EXPECT_EQ(got, "one\ntwo\n");
}

TEST_F(RunPodsTest, ExecNeedsAWebSocketUpgrade) {
  RunScript("e", "sleep 5");
  ASSERT_TRUE(AwaitPhase("e", "Running"));
  Reply r = Do("POST", kPods + "/e/exec?command=true");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.raw.body.find("not SPDY"), std::string::npos) << r.raw.body;
}

// Without --run-pods, kubectl logs gets what the simulator did instead of a 404.
using SimulatedLogsTest = testing::ApiServerTest;

TEST_F(SimulatedLogsTest, SimulatedPodsLogWhatTheSimulatorRan) {
  KubeletSimulator sim(&api_, &clock_);
  ASSERT_TRUE(sim.AddNodes(UniformSimNodes(1, 4, "H100")).ok());
  ASSERT_TRUE(sim.Start().ok());
  api_.SetPodStreamHandler(MakePodStreamHandler(&api_, nullptr));
  const std::string pods = "/api/v1/namespaces/default/pods";
  json p = PodBody("s");
  p["spec"]["containers"][0]["command"] = {"sh", "-c", "sleep 2; exit 1"};
  ASSERT_EQ(Do("POST", pods, p).status, 201);
  ASSERT_EQ(Do("POST", pods + "/s/binding", {{"target", {{"name", "gpu-node-0"}}}}).status, 201);
  for (int i = 0; i < 40; ++i) clock_.Advance(std::chrono::milliseconds(100));
  Reply r = Do("GET", pods + "/s/log");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(
      r.raw.body,
      "[fairway-sim] simulated container main on node gpu-node-0 runs: sh -c sleep 2; exit 1\n"
      "[fairway-sim] started at 2025-03-01T08:00:01Z\n"
      "[fairway-sim] exited with code 1 at 2025-03-01T08:00:03Z\n");
  EXPECT_EQ(Do("POST", pods + "/s/exec?command=true").status, 400);
  sim.Stop();
}

}  // namespace
}  // namespace fairway::sandbox
