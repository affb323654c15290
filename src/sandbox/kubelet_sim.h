// Simulated GPU nodes and a kubelet that "runs" the pods bound to them, driven by an injected
// fairway::Clock (RealClock in the binary, FakeClock in tests).
//
// Nodes are created as Node objects with capacity/allocatable (cpu, memory, pods,
// nvidia.com/gpu), GPU labels, taints and a Ready condition. A pod bound to a simulated node
// moves through its phases:
//
//   Pending --start_delay--> Running --duration--> Succeeded (exit 0) | Failed (exit != 0)
//      |                        |
//      +--(GPUs do not fit)--> Failed, reason OutOfnvidia.com/gpu
//
// The first container's command/args are read as a shell script: `sleep N` runs for N seconds
// and `exit C` ends the container with code C, so `sh -c "sleep 5; exit 3"` fails after 5 s with
// exit code 3 and `exit 3` alone fails at once; without a sleep or exit the pod runs until
// deleted. A word of the command that names a file of a mounted ConfigMap stands for the file's
// text, so the script sbatch mounts (`/bin/sh /fairway/script/script`) is read the same way.
// Annotations `fairway.dev/sim-duration` (seconds) and `fairway.dev/sim-exit-code` take
// precedence over the command. restartPolicy is treated as Never. A graceful
// delete completes (DELETE with grace 0) when the grace period ends. FailNode() marks a node
// NotReady with unreachable taints and fails its pods; RecoverNode() undoes the node part.
//
// With Options::run_pods_dir the containers' commands really run instead (pod_runtime.h).
//
// All writes go through the ApiServer (same semantics and events as HTTP clients see).
//
// Thread-safety: thread-safe. Timer callbacks, admin calls and public methods serialize on one
// mutex; store wake-ups only schedule work on the clock.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "sandbox/api_server.h"
#include "sandbox/pod_runtime.h"

namespace fairway::sandbox {

struct SimNodeSpec {
  std::string name;
  int64_t gpus = 8;
  std::string gpu_type = "A100";
  int64_t cpu_milli = 64000;
  int64_t memory_mib = 512 * 1024;
  int64_t max_pods = 110;
  std::map<std::string, std::string> labels;
  std::vector<nlohmann::json> taints;  // {key, value, effect}
};

// `count` identical nodes named "<prefix>0", "<prefix>1", ...
std::vector<SimNodeSpec> UniformSimNodes(int count, int64_t gpus, const std::string& gpu_type,
                                         const std::string& prefix = "gpu-node-");

class KubeletSimulator {
 public:
  struct Options {
    Duration start_delay = std::chrono::seconds(1);  // bound -> Running
    // Non-empty: --run-pods. Containers run their commands as local processes (pod_runtime.h)
    // with their files under this directory, instead of reading `sleep N`; the exit codes end
    // the pods, and deletion stops the processes (SIGTERM, SIGKILL after the grace period).
    std::string run_pods_dir;
  };

  // `api` and `clock` must outlive the simulator.
  KubeletSimulator(ApiServer* api, Clock* clock, Options options);
  KubeletSimulator(ApiServer* api, Clock* clock);
  ~KubeletSimulator();

  // Creates (or replaces) the Node objects and starts managing pods bound to them.
  Status AddNodes(const std::vector<SimNodeSpec>& nodes);
  // Starts watching pods. Idempotent.
  Status Start();
  // Cancels timers and stops watching. Idempotent.
  void Stop();

  Status FailNode(const std::string& name);
  Status RecoverNode(const std::string& name);
  // Registers POST /sandbox/nodes/NAME/fail and /recover on the API server.
  void RegisterAdminRoutes();

  std::vector<std::string> node_names() const;
  // The process runtime with --run-pods, else null.
  std::shared_ptr<PodRuntime> runtime() const;

 private:
  // Timer callbacks and store wake-ups hold weak references to Impl, so they never outlive it.
  class Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace fairway::sandbox
