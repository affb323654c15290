// The kubelet simulator on a FakeClock.
#include "sandbox/kubelet_sim.h"

#include "api_test_util.h"

namespace fairway::sandbox {
namespace {

using nlohmann::json;

class KubeletSimTest : public testing::ApiServerTest {
 protected:
  void SetUp() override {
    KubeletSimulator::Options o;
    o.start_delay = std::chrono::seconds(1);
    sim_ = std::make_unique<KubeletSimulator>(&api_, &clock_, o);
    ASSERT_TRUE(sim_->AddNodes(UniformSimNodes(2, 4, "H100")).ok());
    ASSERT_TRUE(sim_->Start().ok());
  }
  void TearDown() override { sim_->Stop(); }

  void RunPod(const std::string& name, json annotations, int gpus = 1,
              const std::string& node = "gpu-node-0") {
    json p = PodBody(name);
    p["metadata"]["annotations"] = annotations;
    p["spec"]["containers"][0]["resources"]["limits"] = {{"nvidia.com/gpu", std::to_string(gpus)}};
    ASSERT_EQ(Do("POST", kPods, p).status, 201);
    auto b = Do("POST", kPods + "/" + name + "/binding",
                {{"metadata", {{"name", name}}}, {"target", {{"kind", "Node"}, {"name", node}}}});
    ASSERT_EQ(b.status, 201);
  }
  std::string Phase(const std::string& name) {
    return Do("GET", kPods + "/" + name).body["status"].value("phase", "");
  }
  void Step(int seconds) {
    clock_.Advance(std::chrono::seconds(0));
    for (int i = 0; i < seconds * 10; ++i) clock_.Advance(std::chrono::milliseconds(100));
    clock_.Advance(std::chrono::seconds(0));
  }

  const std::string kPods = "/api/v1/namespaces/default/pods";
  std::unique_ptr<KubeletSimulator> sim_;
};

TEST_F(KubeletSimTest, NodesHaveGpusAndReadyCondition) {
  auto n = Do("GET", "/api/v1/nodes/gpu-node-1").body;
  EXPECT_EQ(n["status"]["allocatable"]["nvidia.com/gpu"], "4");
  EXPECT_EQ(n["status"]["capacity"]["nvidia.com/gpu"], "4");
  EXPECT_EQ(n["metadata"]["labels"]["nvidia.com/gpu.product"], "H100");
  bool ready = false;
  for (const auto& c : n["status"]["conditions"])
    ready = ready || (c["type"] == "Ready" && c["status"] == "True");
  EXPECT_TRUE(ready);
}

TEST_F(KubeletSimTest, PodRunsForItsDurationAndSucceeds) {
  RunPod("p", {{"fairway.dev/sim-duration", "5"}});
  Step(0);
  EXPECT_EQ(Phase("p"), "Pending");
  Step(1);
  EXPECT_EQ(Phase("p"), "Running");
  Step(4);
  EXPECT_EQ(Phase("p"), "Running");
  Step(1);
  EXPECT_EQ(Phase("p"), "Succeeded");
  auto pod = Do("GET", kPods + "/p").body;
  EXPECT_EQ(pod["status"]["containerStatuses"][0]["state"]["terminated"]["exitCode"], 0);
  EXPECT_EQ(pod["status"]["containerStatuses"][0]["state"]["terminated"]["reason"], "Completed");
}

// A restart from --data-dir: a new simulator finds the pod Running in the store and ends it
// when its run, counted from status.startTime, is over (not never, not a full run later).
TEST_F(KubeletSimTest, RunningPodsFoundAtStartFinishOnTime) {
  RunPod("p", {{"fairway.dev/sim-duration", "10"}, {"fairway.dev/sim-exit-code", "3"}});
  Step(1);
  ASSERT_EQ(Phase("p"), "Running");
  Step(4);  // 4 s of the 10 s run are over
  sim_->Stop();
  Step(2);  // the sandbox is down for 2 s
  sim_ = std::make_unique<KubeletSimulator>(&api_, &clock_, KubeletSimulator::Options{});
  ASSERT_TRUE(sim_->AddNodes(UniformSimNodes(2, 4, "H100")).ok());
  ASSERT_TRUE(sim_->Start().ok());
  Step(3);
  EXPECT_EQ(Phase("p"), "Running");
  Step(2);
  EXPECT_EQ(Phase("p"), "Failed");
  auto pod = Do("GET", kPods + "/p").body;
  EXPECT_EQ(pod["status"]["containerStatuses"][0]["state"]["terminated"]["exitCode"], 3);
}

TEST_F(KubeletSimTest, ExitCodeAndSleepCommand) {
  RunPod("f", {{"fairway.dev/sim-exit-code", "3"}, {"fairway.dev/sim-duration", "1"}});
  json p = PodBody("s");
  p["spec"]["containers"][0]["command"] = {"sh", "-c", "sleep 2"};
  Do("POST", kPods, p);
  Do("POST", kPods + "/s/binding", {{"target", {{"name", "gpu-node-1"}}}});
  Step(2);
  EXPECT_EQ(Phase("f"), "Failed");
  EXPECT_EQ(Do("GET", kPods + "/f")
                .body["status"]["containerStatuses"][0]["state"]["terminated"]["exitCode"],
            3);
  EXPECT_EQ(Phase("s"), "Running");
  Step(2);
  EXPECT_EQ(Phase("s"), "Succeeded");
}

// The command is read as a shell script: `sleep N` runs for N, `exit C` ends the container with
// code C; annotations take precedence.
TEST_F(KubeletSimTest, CommandSleepAndExitDecideRunTimeAndExitCode) {
  struct Case {
    std::string name;
    json command;
    json args;
    json annotations;
    int ends_after_s;  // -1: runs until deleted
    int exit_code;
  };
  const std::vector<Case> cases = {
      {"sleep then exit", {"sh", "-c", "sleep 2; exit 3"}, nullptr, json::object(), 2, 3},
      {"exit alone", {"/bin/sh", "-c", "exit 7"}, nullptr, json::object(), 0, 7},
      {"exit 0", {"sh", "-c", "sleep 1 && exit 0"}, nullptr, json::object(), 1, 0},
      {"script in args",
       {"bash"},
       {"-c", "# setup\necho hi\nsleep 1\nsleep 2\nexit 4"},
       json::object(),
       3,
       4},
      {"nothing after exit runs", {"sh", "-c", "exit 5; sleep 9"}, nullptr, json::object(), 0, 5},
      {"skipped after ||", {"sh", "-c", "sleep 1 || exit 9"}, nullptr, json::object(), 1, 0},
      {"exit code modulo 256", {"sh", "-c", "exit 257"}, nullptr, json::object(), 0, 1},
      {"unknown code", {"sh", "-c", "sleep 1; exit $rc"}, nullptr, json::object(), 1, 0},
      {"minutes suffix", {"sleep", "0.05m"}, nullptr, json::object(), 3, 0},
      {"sleep infinity", {"sleep", "infinity"}, nullptr, json::object(), -1, 0},
      {"no sleep or exit", {"python", "train.py"}, nullptr, json::object(), -1, 0},
      {"annotations win",
       {"sh", "-c", "sleep 9; exit 3"},
       nullptr,
       {{"fairway.dev/sim-duration", "1"}, {"fairway.dev/sim-exit-code", "0"}},
       1,
       0},
  };
  int n = 0;
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    std::string name = "c" + std::to_string(n++);
    json p = PodBody(name);
    p["metadata"]["annotations"] = c.annotations;
    p["spec"]["containers"][0]["command"] = c.command;
    if (!c.args.is_null()) p["spec"]["containers"][0]["args"] = c.args;
    ASSERT_EQ(Do("POST", kPods, p).status, 201);
    ASSERT_EQ(
        Do("POST", kPods + "/" + name + "/binding", {{"target", {{"name", "gpu-node-0"}}}}).status,
        201);
    Step(1);  // start_delay
    if (c.ends_after_s != 0) {
      EXPECT_EQ(Phase(name), "Running");
    }
    if (c.ends_after_s > 0) {
      Step(c.ends_after_s - 1);
      clock_.Advance(std::chrono::milliseconds(900));
      EXPECT_EQ(Phase(name), "Running");
      Step(1);
    }
    if (c.ends_after_s < 0) {
      Step(30);
      EXPECT_EQ(Phase(name), "Running");
      Do("DELETE", kPods + "/" + name);
      continue;
    }
    EXPECT_EQ(Phase(name), c.exit_code == 0 ? "Succeeded" : "Failed");
    json terminated =
        Do("GET", kPods + "/" + name).body["status"]["containerStatuses"][0]["state"]["terminated"];
    EXPECT_EQ(terminated["exitCode"], c.exit_code);
    EXPECT_EQ(terminated["reason"], c.exit_code == 0 ? "Completed" : "Error");
  }
}

// A script in a mounted ConfigMap (how sbatch hands its script to the pod) is read as if it were
// in the command: `/bin/sh /fairway/script/script` runs the script's sleep and exit.
TEST_F(KubeletSimTest, ScriptFromAMountedConfigMapDecidesRunTimeAndExitCode) {
  json cm = {
      {"apiVersion", "v1"},
      {"kind", "ConfigMap"},
      {"metadata", {{"name", "job-script"}}},
      {"data",
       {{"script", "#!/bin/sh\n# This script was created by sbatch --wrap.\n\nsleep 2; exit 3\n"},
        {"other", "exit 9\n"}}}};
  ASSERT_EQ(Do("POST", "/api/v1/namespaces/default/configmaps", cm).status, 201);
  struct Case {
    std::string name;
    json command;
    json volume;  // the configMap volume source
    json mount;
    int ends_after_s;  // -1: runs until deleted
    int exit_code;
  };
  const json plain = {{"name", "job-script"}};
  const json at_dir = {{"name", "script"}, {"mountPath", "/fairway/script"}};
  const std::vector<Case> cases = {
      {"sbatch's layout", {"/bin/sh", "/fairway/script/script"}, plain, at_dir, 2, 3},
      {"items map paths to keys",
       {"/bin/sh", "/fairway/script/run.sh"},
       {{"name", "job-script"}, {"items", {{{"key", "other"}, {"path", "run.sh"}}}}},
       at_dir,
       0,
       9},
      {"subPath mounts one file",
       {"bash", "/opt/job.sh"},
       plain,
       {{"name", "script"}, {"mountPath", "/opt/job.sh"}, {"subPath", "script"}},
       2,
       3},
      {"a file the ConfigMap lacks", {"/bin/sh", "/fairway/script/missing"}, plain, at_dir, -1, 0},
  };
  int n = 0;
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    std::string name = "s" + std::to_string(n++);
    json p = PodBody(name);
    json& container = p["spec"]["containers"][0];
    container["command"] = c.command;
    container["volumeMounts"] = json::array({c.mount});
    p["spec"]["volumes"] = json::array({{{"name", "script"}, {"configMap", c.volume}}});
    ASSERT_EQ(Do("POST", kPods, p).status, 201);
    ASSERT_EQ(
        Do("POST", kPods + "/" + name + "/binding", {{"target", {{"name", "gpu-node-1"}}}}).status,
        201);
    Step(1);  // start_delay
    if (c.ends_after_s != 0) {
      EXPECT_EQ(Phase(name), "Running");
    }
    if (c.ends_after_s < 0) {
      Step(30);
      EXPECT_EQ(Phase(name), "Running");
      Do("DELETE", kPods + "/" + name);
      continue;
    }
    Step(c.ends_after_s);
    EXPECT_EQ(Phase(name), "Failed");
    EXPECT_EQ(Do("GET", kPods + "/" + name)
                  .body["status"]["containerStatuses"][0]["state"]["terminated"]["exitCode"],
              c.exit_code);
  }
}

TEST_F(KubeletSimTest, PodsThatDoNotFitFail) {
  RunPod("big", json::object(), 3);
  Step(2);
  EXPECT_EQ(Phase("big"), "Running");
  RunPod("toomuch", json::object(), 2);
  Step(2);
  EXPECT_EQ(Phase("toomuch"), "Failed");
  EXPECT_EQ(Do("GET", kPods + "/toomuch").body["status"]["reason"], "OutOfnvidia.com/gpu");
}

TEST_F(KubeletSimTest, GpusFreedByFinishedFailedOrDeletedPodsAreReused) {
  // gpu-node-0 has 4 GPUs; each pod takes all of them.
  RunPod("done", {{"fairway.dev/sim-duration", "1"}}, 4);
  Step(3);
  ASSERT_EQ(Phase("done"), "Succeeded");
  RunPod("failed", {{"fairway.dev/sim-duration", "1"}, {"fairway.dev/sim-exit-code", "1"}}, 4);
  Step(3);
  ASSERT_EQ(Phase("failed"), "Failed");
  RunPod("long", json::object(), 4);
  Step(2);
  ASSERT_EQ(Phase("long"), "Running");
  RunPod("rejected", json::object(), 1);
  Step(2);
  EXPECT_EQ(Phase("rejected"), "Failed");
  Do("DELETE", kPods + "/long");
  Step(3);
  ASSERT_EQ(Do("GET", kPods + "/long").status, 404);
  RunPod("after", json::object(), 4);
  Step(2);
  EXPECT_EQ(Phase("after"), "Running");
  // The other node's GPUs were never in use.
  RunPod("elsewhere", json::object(), 4, "gpu-node-1");
  Step(2);
  EXPECT_EQ(Phase("elsewhere"), "Running");
}

TEST_F(KubeletSimTest, GracefulDeletionCompletes) {
  RunPod("p", json::object());
  Step(2);
  ASSERT_EQ(Phase("p"), "Running");
  Do("DELETE", kPods + "/p");
  EXPECT_EQ(Do("GET", kPods + "/p").status, 200);
  Step(3);
  EXPECT_EQ(Do("GET", kPods + "/p").status, 404);
}

TEST_F(KubeletSimTest, NodeFailureFailsPods) {
  RunPod("p", json::object(), 1, "gpu-node-1");
  Step(2);
  ASSERT_EQ(Phase("p"), "Running");
  auto r = Do("POST", "/sandbox/nodes/gpu-node-1/fail");
  // Admin routes are registered by the Sandbox facade; the C++ API works directly.
  if (r.status == 404) {
    ASSERT_TRUE(sim_->FailNode("gpu-node-1").ok());
  }
  EXPECT_EQ(Phase("p"), "Failed");
  auto node = Do("GET", "/api/v1/nodes/gpu-node-1").body;
  for (const auto& c : node["status"]["conditions"]) {
    if (c["type"] == "Ready") {
      EXPECT_EQ(c["status"], "Unknown");
    }
  }
  EXPECT_EQ(node["spec"]["taints"].size(), 2u);
  ASSERT_TRUE(sim_->RecoverNode("gpu-node-1").ok());
  node = Do("GET", "/api/v1/nodes/gpu-node-1").body;
  EXPECT_FALSE(node["spec"].contains("taints"));
  EXPECT_FALSE(sim_->FailNode("nope").ok());
}

TEST_F(KubeletSimTest, UnknownNodesAreIgnored) {
  RunPod("p", json::object(), 1, "not-simulated");
  Step(3);
  EXPECT_EQ(Phase("p"), "Pending");
}

}  // namespace
}  // namespace fairway::sandbox
