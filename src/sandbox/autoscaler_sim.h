// A simulated cluster autoscaler for the sandbox (issue 14, elastic partitions): it grows and
// shrinks the node pools of Partitions' spec.nodePools from the same signal cluster-autoscaler
// and Karpenter read, so the operator's whole elastic loop runs without a cloud.
//
// Every `interval` it reads the Partitions, Nodes and Pods and, per pool:
//   - counts the signal pods that fit the pool: unbound, not deleting, condition
//     PodScheduled=False/Unschedulable, nodeSelector satisfied by the pool's labels, tolerating
//     the pool's taints. One node is added per signal pod that no idle pool node or booting
//     node can take (as cluster-autoscaler simulates pending pods on empty nodes first), and
//     up to minNodes; never beyond maxNodes;
//   - boots an added node after `boot_delay`: a simulated node (KubeletSimulator::AddNodes)
//     named POOL-dy-N with the pool's nodeSelector as labels, gpusPerNode (cpusPerNode and
//     memoryPerNode when given) and one NoSchedule/NoExecute taint per pool toleration that
//     names a key and an effect;
//   - deletes a pool node that has run no pod for `scaledown_idle` (ParallelCluster's
//     ScaledownIdletime) while the pool keeps minNodes and no signal pod fits the pool.
//
// Thread-safety: thread-safe; Start/Stop from any thread, ticks on the clock's timer thread.
// REQUIRES: api, kubelet and clock outlive the simulator.
#pragma once

#include <memory>

#include "common/clock.h"
#include "sandbox/api_server.h"
#include "sandbox/kubelet_sim.h"

namespace fairway::sandbox {

struct AutoscalerSimOptions {
  Duration interval = std::chrono::seconds(1);
  Duration boot_delay = std::chrono::seconds(10);
  Duration scaledown_idle = std::chrono::seconds(60);
};

class AutoscalerSimulator {
 public:
  AutoscalerSimulator(ApiServer* api, KubeletSimulator* kubelet, Clock* clock,
                      AutoscalerSimOptions options);
  ~AutoscalerSimulator();
  AutoscalerSimulator(const AutoscalerSimulator&) = delete;
  AutoscalerSimulator& operator=(const AutoscalerSimulator&) = delete;

  // Starts the periodic ticks. Idempotent.
  void Start();
  // Cancels the ticks; nodes stay as they are. Idempotent.
  void Stop();

 private:
  class Impl;  // timer callbacks hold weak references to it
  std::shared_ptr<Impl> impl_;
};

}  // namespace fairway::sandbox
